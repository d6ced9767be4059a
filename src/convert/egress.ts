// Everything a client is sent leaves through `egress`, which the server calls on every response:
// each secret the proxy holds is cut out of it, whatever route, handler or upstream text made it.
// A whole body is filtered as one text. The data path's own answers are filtered as they are made
// and marked so at birth: a stream chunk by chunk (a second stream wrapped around it would cost
// every chunk a round of promises), a converted answer as its text (reading a made Response back
// costs more than the conversion's serialising). Anything else is read back and filtered here.

const born = new WeakSet<Response>();

/** A streamed response whose body already passed through `redact`, chunk by chunk. */
export function filteredStream(body: ReadableStream<Uint8Array>, init: ResponseInit): Response {
  const res = new Response(body, init);
  born.add(res);
  return res;
}

/** A whole answer's text, filtered before it becomes a response. */
export function filteredText(text: string, contentType: string, redact: (text: string) => string): Response {
  const res = new Response(redact(text), { headers: { "content-type": contentType } });
  born.add(res);
  return res;
}

/** The response as it may leave: one filtered at birth as it is (no await for the hot path), any other read back. */
export function egress(res: Response, redact: (text: string) => string): Response | Promise<Response> {
  return born.has(res) ? res : readBack(res, redact);
}

async function readBack(res: Response, redact: (text: string) => string): Promise<Response> {
  const init = { status: res.status, statusText: res.statusText, headers: res.headers };
  const type = res.headers.get("content-type") ?? "";
  if (/event-stream|ndjson/.test(type)) return new Response(res.body?.pipeThrough(redacting(redact)), init);
  return new Response(redact(await res.text()), init);
}

/** Chunks redacted as they pass, each as text (a stream this slow path meets is made of whole frames). */
function redacting(redact: (text: string) => string): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(encoder.encode(redact(decoder.decode(chunk, { stream: true }))));
    },
    flush(controller) {
      const rest = decoder.decode();
      if (rest) controller.enqueue(encoder.encode(redact(rest)));
    },
  });
}

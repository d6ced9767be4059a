// Everything a client is sent leaves through `egress`, which the server calls on every response:
// each secret the proxy holds is cut out of it, whatever route, handler or upstream text made it.
// A whole body is filtered as one text. A stream converted here is filtered chunk by chunk as it is
// made (a second stream wrapped around it would cost every chunk a round of promises), so its
// response is marked as filtered at birth; any other stream is wrapped.

const filtered = new WeakSet<Response>();

/** A streamed response whose body already passed through `redact`, chunk by chunk. */
export function filteredStream(body: ReadableStream<Uint8Array>, init: ResponseInit): Response {
  const res = new Response(body, init);
  filtered.add(res);
  return res;
}

export async function egress(res: Response, redact: (text: string) => string): Promise<Response> {
  if (filtered.has(res)) return res;
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

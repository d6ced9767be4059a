// The upstream's answer converted for the client: read whole (and replayed as a stream when the
// client asked for one), or converted chunk by chunk as it streams.
import type { StreamMapping } from "../mapping/load.ts";
import type { MappingContext } from "../mapping/functions.ts";
import type { Request, Response as UnifiedResponse, StreamEvent } from "../unified/index.ts";
import type { CompatSession } from "../compat/index.ts";
import type { Trace } from "../log/index.ts";
import { specKind, type Attempt, type Call, type Engine, type Outcome } from "./engine.ts";
import { protocolOf } from "../protocols/index.ts";
import { isRetryable, unifiedError } from "./errors.ts";
import { convertStream } from "./stream.ts";
import { responseEvents, settleStopReason } from "./synthesize.ts";
import { frameWriter, type Frame } from "./frames.ts";
import { filteredStream, filteredText } from "./egress.ts";
import { readCapped } from "./body.ts";

/** A chat attempt: the pair's, with the decoded request and its tool compatibility session. */
export interface ChatAttempt extends Attempt {
  req: Request;
  ctx: MappingContext;
  compat?: CompatSession;
}


const CONTENT_TYPES = { sse: "text/event-stream; charset=utf-8", ndjson: "application/x-ndjson", json: "application/json" };

/** `passThrough`: the upstream speaks the client's protocol; its body goes back as it came, the model renamed. */
export async function whole(a: ChatAttempt, res: globalThis.Response, asStream: boolean, passThrough = false): Promise<Outcome> {
  const { engine, call, ctx, where, compat, trace } = a;
  const protocol = a.pair.provider.protocol;
  // Bounded like a client's body: the same limit, and nothing read past it.
  const max = engine.config.limits.maxBodyBytes;
  const body = await readCapped(res, max).catch(() => "");
  trace?.received();
  if (body === undefined) return { error: unifiedError(502, `${where}: upstream answered with a body larger than ${max} bytes`), retry: true };
  // The same path with bodies logged or not: the log keeps the parsed and the encoded objects and
  // serialises them when it writes its batch, off every request's way.
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { error: unifiedError(502, `${where}: upstream answered with a body that is not JSON`), retry: true };
  }
  trace?.upstreamBody(json);
  // A 200 of another protocol (a provider set up with the wrong one, a gateway's own page) is a
  // fault of that upstream like any other, not something to convert.
  const bad = engine.mappings[protocol].requireOf["response.decode"]?.(json);
  if (bad) {
    const why = bad.param === "body" ? "not a JSON object" : bad.message;
    return { error: unifiedError(502, `${where}: upstream answered with something that is not ${protocolOf(protocol).article} response (${why})`), retry: true };
  }
  const decoded = engine.mappings[protocol].spec["response.decode"].run(json, ctx) as UnifiedResponse;
  const unified = settleStopReason(compat ? compat.response(decoded) : decoded);
  trace?.usage(unified.usage);
  const client = engine.mappings[call.client];
  if (passThrough && !asStream) {
    (json as { model?: unknown }).model = ctx.model;
    trace?.clientBody(json);
    return filteredText(JSON.stringify(json), CONTENT_TYPES.json, call.redact);
  }
  if (!asStream) {
    const out = client.spec[specKind(call, "response.encode")]!.run(unified, ctx);
    keep(a, out);
    trace?.clientBody(out);
    return filteredText(JSON.stringify(out), CONTENT_TYPES.json, call.redact);
  }
  // Asked to stream but answered whole: replay it in the client's stream grammar.
  const enc = clientStream(engine, call);
  const writer = frameWriter(enc.frame);
  let text = "";
  for (const e of responseEvents(unified, enc.whole)) {
    const frames = enc.events.run(e, ctx) as Frame | Frame[] | undefined;
    const list = Array.isArray(frames) ? frames : frames ? [frames] : [];
    for (const f of list) text += writer.write(f);
    if (e.type === "stop") keep(a, list);
  }
  if (enc.done) text += writer.write({ data: enc.done });
  text += writer.end();
  trace?.clientBody(text);
  return filteredText(text, CONTENT_TYPES[enc.frame], call.redact);
}

/**
 * The first chunk is already read, so a stream that dies at once has failed over before the client
 * saw a byte; so does one whose first chunk says nothing but an error (Claude's overloaded_error as
 * its first event, a 200 that is no answer).
 */
export function streamed(a: ChatAttempt, reader: ReadableStreamDefaultReader<Uint8Array>, first: Uint8Array, passThrough = false): Outcome {
  // No closure here names `a`, `call` or `ctx`: the stream's closures live as long as it does, and
  // through them each open stream held the client's request twice more (its text and its parse).
  const { engine, call, ctx, compat, trace, pair, where } = a;
  const encode = clientStream(engine, call);
  // The first chunk is converted before anything is committed: its events wait in `early` until the
  // stream is known to be more than an error.
  let hooks: ReturnType<Trace["stream"]> | undefined;
  let early: StreamEvent[] | undefined = [];
  // A stream succeeds when it ends complete. Past the first byte there is no failing over, but the
  // router still hears of a stream the upstream broke (cut, stalled, an error event), so the next
  // requests go elsewhere while the pair cools. Neither when the client left: the stream's end is
  // then its doing (its cancel comes before the last read settles).
  let left = false;
  let settle: ReturnType<Attempt["defer"]> | undefined;
  const observe = (e: StreamEvent) => {
    if (early) return void early.push(e);
    hooks?.observe(e);
    if (left) return;
    if (e.type === "stop") settle?.("complete");
    else if (e.type === "error") settle?.({ error: { ...e, message: `${where}: mid-stream: ${e.message}` }, retry: true, status: e.status });
  };
  const body = convertStream(reader, {
    decode: engine.mappings[pair.provider.protocol].stream["stream.decode"],
    encode,
    ctx: streamContext(ctx),
    // Only a protocol that lets a later request name an answer keeps it (a passed-through one has the upstream's ids).
    final: passThrough ? undefined : keeper(a),
    idleTimeoutMs: pair.provider.limits.idleTimeoutMs,
    first,
    passThrough,
    rewrite: compat?.events(),
    redact: call.redact,
    observe,
    watch: call.streams,
    tap: {
      upstream: (chunk) => early || hooks?.upstream?.(chunk),
      client: (text) => hooks?.client?.(text),
      end: (cancelled) => ((left = cancelled), hooks?.end(cancelled)),
    },
  });
  const seen = early;
  early = undefined;
  const error = seen.find((e) => e.type === "error");
  if (error && seen.every((e) => e.type === "start" || e.type === "error")) {
    body.cancel().catch(() => {});
    const { type: _, ...unified } = error;
    return { error: { ...unified, message: `${where}: ${error.message}` }, retry: isRetryable(error.status), status: error.status };
  }
  settle = a.defer();
  hooks = trace?.stream();
  hooks?.upstream?.(first);
  for (const e of seen) observe(e);
  return filteredStream(body, { headers: { "content-type": CONTENT_TYPES[encode.frame], "cache-control": "no-cache" } });
}

/** Keeps an answer the client got, where its protocol lets a later request name it (the Responses API's previous_response_id). */
function keep(a: ChatAttempt, answer: unknown) {
  keeper(a)?.(answer);
}

/** What keeps an answer for a later request to name, holding only the request it answers; undefined where the protocol keeps none. */
function keeper(a: ChatAttempt): ((answer: unknown) => void) | undefined {
  const { engine, call } = a;
  const recall = protocolOf(call.client).recall;
  if (!recall || !engine.kept) return undefined;
  const request = call.sent ?? call.body;
  const kept = engine.kept.within(call.owner ?? "");
  return (answer) => recall.keep(request, answer, kept);
}

/**
 * What a stream's mappings see of the request: all of it but the conversation. The stream's
 * closures live as long as it does, and a heap snapshot showed each held its whole conversation
 * through the context (a coding agent's runs to hundreds of kilobytes, for minutes).
 */
function streamContext(ctx: MappingContext): MappingContext {
  const r = ctx.request;
  return r ? { ...ctx, request: { ...r, system: undefined, messages: [] } } : ctx;
}

/** The client's stream encoding, framed as its route asks (Gemini: SSE or a JSON array). */
function clientStream(engine: Engine, call: Call): StreamMapping {
  const enc = engine.mappings[call.client].stream[specKind(call, "stream.encode")]!;
  return call.route?.frame && call.route.frame !== enc.frame ? { ...enc, frame: call.route.frame } : enc;
}

// One streamed response converted chunk by chunk: upstream bytes → frames → decode mapping →
// normalizer → encode mapping → client bytes. Nothing is buffered beyond the chunk at hand; the
// per-request state lives in this closure, and backpressure comes from the client's reads.
import type { StreamMapping } from "../mapping/load.ts";
import type { MappingContext } from "../mapping/functions.ts";
import type { DecodedEvent, StreamEvent, UnifiedError } from "../unified/index.ts";
import { frameParser, frameWriter, type Frame } from "./frames.ts";
import { createNormalizer } from "./stream-normalizer.ts";
import { clipForRedaction } from "../config/secrets.ts";
import type { EventRewrite } from "../compat/index.ts";

export interface StreamOptions {
  decode: StreamMapping;
  encode: StreamMapping;
  ctx: MappingContext;
  /** Longest wait for the next upstream chunk before the stream is failed */
  idleTimeoutMs: number;
  /**
   * The upstream speaks the client's protocol: its frames go to the client as they came (a lifecycle
   * event's `response.model` renamed to the client's), still decoded for the log and the router; only
   * a failure the proxy finds (a cut, a stall) is encoded.
   */
  passThrough?: boolean;
  /** Hears the frames the stream's last event became, when it ended complete (the answer as its client got it) */
  final?: (frames: Frame[]) => void;
  /** Sees every unified event (usage, errors) for logging; must not throw */
  observe?: (e: StreamEvent) => void;
  /** Bytes already read from upstream before streaming began (the first chunk) */
  first?: Uint8Array;
  /** Rewrites decoded events before the normalizer (tool compatibility mode) */
  rewrite?: EventRewrite;
  /** Sees the raw upstream bytes, the client's text and the stream's end, for logging; must not throw */
  tap?: StreamTap;
  /** Cuts the proxy's secrets out of each chunk the client is sent (the server's egress filter) */
  redact?: (text: string) => string;
  /** Hears of the stream's start and end, and may end it early (the proxy shutting down) */
  watch?: StreamWatch;
}

export interface StreamWatch {
  /** The stream began: `stop` ends it with `error` as its last event; what this returns is called at its end. */
  opened(stop: (error: UnifiedError) => void): () => void;
}

export interface StreamTap {
  upstream?(chunk: Uint8Array): void;
  client?(text: string): void;
  end?(cancelled: boolean): void;
}

/** One read of an upstream body (the DOM's ReadableStreamReadResult, which bun-types does not name). */
export type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

export function convertStream(upstream: ReadableStreamDefaultReader<Uint8Array>, o: StreamOptions): ReadableStream<Uint8Array> {
  const parser = frameParser(o.decode.frame);
  const writer = frameWriter(o.encode.frame);
  let out = "";
  let sawDone = false;

  let relaying = false; // a passed-through frame is being decoded: what it says has gone out already
  const normalizer = createNormalizer((e) => {
    o.observe?.(e);
    if (o.passThrough && (relaying || e.type !== "error")) return;
    const frames = o.encode.events.run(e, o.ctx) as Frame | Frame[] | undefined;
    if (Array.isArray(frames)) for (const f of frames) out += writer.write(f);
    else if (frames) out += writer.write(frames);
    if (e.type === "stop" && o.final) o.final(Array.isArray(frames) ? frames : frames ? [frames] : []);
    if (e.type === "stop" && o.encode.done) out += writer.write({ data: o.encode.done });
    if (e.type === "stop" || e.type === "error") out += writer.end();
  }, { model: o.ctx.model ?? "", whole: o.encode.whole });

  function decodeFrames(frames: { event?: string; data: string }[]) {
    for (const f of frames) {
      if (normalizer.done) return;
      if (o.decode.done !== undefined && f.data === o.decode.done) {
        sawDone = true;
        continue;
      }
      let data: unknown;
      try {
        data = JSON.parse(f.data);
      } catch {
        normalizer.fail({ kind: "api_error", status: 502, message: `upstream sent a malformed stream event: ${clipForRedaction(f.data, 200)}` });
        return;
      }
      if (o.passThrough) out += writer.write({ event: f.event, data: renamed(data, f.data, o.ctx.model) }), (relaying = true);
      const events = o.decode.events.run(data, o.ctx) as DecodedEvent | DecodedEvent[] | undefined;
      if (Array.isArray(events)) for (const e of events) push(e);
      else if (events) push(events);
      relaying = false;
    }
  }

  const toNormalizer = (e: DecodedEvent) => normalizer.push(e);
  const push = o.rewrite ? (e: DecodedEvent) => o.rewrite!.push(e, toNormalizer) : toNormalizer;

  function finish() {
    decodeFrames(parser.end());
    o.rewrite?.end(toNormalizer);
    normalizer.finish(o.decode.done !== undefined ? sawDone : normalizer.sawStop);
  }

  // One idle timer for the whole stream, restarted per read (no timer or promise per chunk). It
  // counts only while a read waits: time spent waiting on the client's own reads is not upstream idling.
  let reading = false;
  let idled = false;
  let stopped: UnifiedError | undefined;
  const closed = o.watch?.opened((error) => {
    stopped ??= error;
    upstream.cancel().catch(() => {}); // as for the idle timeout: the pending read ends, `next` throws
  });
  const idle = setTimeout(function expire() {
    if (!reading) return void idle.refresh();
    idled = true;
    upstream.cancel().catch(() => {}); // the pending read ends as done; `next` turns that into the fault
  }, o.idleTimeoutMs);
  idle.unref();

  async function next(): Promise<ReadResult> {
    reading = true;
    idle.refresh();
    try {
      const r = await upstream.read();
      if (idled) throw new IdleTimeout();
      if (stopped) throw new Stopped(stopped);
      return r;
    } finally {
      reading = false;
    }
  }

  const tap = o.tap;
  if (o.first) tap?.upstream?.(o.first), decodeFrames(parser.push(o.first));

  // A direct stream: one pull for the stream's life, its text written straight to the client's
  // socket. A queued stream cost each chunk a round of promises and an encode; the first token
  // reached the client ~35 µs later (a relay measured both ways).
  let over = false; // ended, or the client left
  return new ReadableStream<Uint8Array>({
    type: "direct",
    async pull(controller) {
      for (;;) {
        while (!out && !normalizer.done && !over) {
          try {
            const r = await next();
            if (r.done) finish();
            else tap?.upstream?.(r.value), decodeFrames(parser.push(r.value));
          } catch (e) {
            normalizer.fail(streamFault(e, o.idleTimeoutMs));
            upstream.cancel().catch(() => {});
          }
        }
        if (over) return;
        if (out) {
          const text = o.redact ? o.redact(out) : out;
          out = "";
          tap?.client?.(text);
          // A write the socket cannot take yet returns a promise: waited for, as a queued
          // stream's next pull waited for the client's read. One to a socket gone throws (EPIPE).
          try {
            const written = controller.write(text);
            if (written instanceof Promise) await written;
            const flushed = controller.flush();
            if (flushed instanceof Promise) await flushed;
          } catch {
            return left();
          }
        }
        if (normalizer.done) {
          over = true;
          clearTimeout(idle);
          upstream.cancel().catch(() => {});
          tap?.end?.(false);
          closed?.(); // before the close, which completes the response: the server still knows its request
          try {
            controller.close();
          } catch {} // the client left with the last write: nothing more to tell it
          return;
        }
      }
    },
    cancel: left,
  });

  /** The client went away: stop reading (and paying for) the upstream. */
  function left() {
    if (over) return;
    over = true;
    clearTimeout(idle);
    upstream.cancel().catch(() => {});
    tap?.end?.(true);
    closed?.();
  }
}

/** A passed-through frame's text, its response object's model named as the client named it. */
function renamed(data: unknown, text: string, model: string | undefined): string {
  const r = (data as { response?: { model?: unknown } } | null)?.response;
  if (!model || !r || typeof r !== "object" || r.model === undefined || r.model === model) return text;
  r.model = model;
  return JSON.stringify(data);
}

class IdleTimeout extends Error {}

class Stopped extends Error {
  constructor(readonly error: UnifiedError) {
    super(error.message);
  }
}

function streamFault(e: unknown, idleMs: number): UnifiedError {
  if (e instanceof Stopped) return e.error;
  if (e instanceof IdleTimeout)
    return { kind: "timeout", status: 504, message: `upstream sent nothing for ${idleMs} ms; stream abandoned` };
  return { kind: "api_error", status: 502, message: `upstream stream broke: ${(e as Error)?.message ?? String(e)}` };
}

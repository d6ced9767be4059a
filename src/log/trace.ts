// What the data path tells the log about one chat request. Without bodies it only sets a few
// fields of one small object; with bodies it also keeps references to what the data path had anyway
// (headers, the texts sent and received; streams up to a cap). The row leaves for the logger when
// the response has been sent (streams: when the stream ends); the logger makes the bodies into the
// texts logged only when it posts a batch, not on any request's way.
import type { StreamEvent, Usage } from "../unified/index.ts";
import { assembler, type Assembled } from "./assemble.ts";
import { safeHeaders } from "./redact.ts";
import { clipForRedaction } from "../config/secrets.ts";
import type { Bodies, LogRow } from "./store.ts";

/** How much of a stream's raw text is kept, per side, when bodies are logged */
export const STREAM_TEXT_CAP = 256 * 1024;
/** How much of each body field is kept: a row with bodies holds at most five of these */
export const BODY_TEXT_CAP = 256 * 1024;

/** The longest session id kept: Claude Code's are UUIDs (36 characters); a client may send anything. */
export const SESSION_MAX = 128;
const SESSION_HEADER = "x-claude-code-session-id";

/** The marker that ends a text cut short; the writer's redaction knows it (redact.ts). */
export const leftOut = (n: number) => `\n[… ${n} more left out]`;

/** `s` up to BODY_TEXT_CAP characters, then the marker. */
export function capText(s: string | undefined): string | undefined {
  return s === undefined || s.length <= BODY_TEXT_CAP ? s : s.slice(0, BODY_TEXT_CAP) + leftOut(s.length - BODY_TEXT_CAP);
}

export interface TraceStart {
  client: string;
  body: unknown;
  headers: Headers;
  path?: string;
  group?: string;
  /** The model named by the URL (Gemini), when the body does not name it */
  model?: string;
  /** The body's text as received: logged as is rather than serialised again */
  raw?: string;
}

/** Where a trace's row goes, with its bodies to be written out; `settling` learns of rows that wait for a body to be read. */
export interface TraceSink {
  send(row: LogRow, bodies?: () => Bodies): void;
  settling(p: Promise<void>): void;
}

/** A request's bodies as the data path held them: texts where it had texts, otherwise what makes them */
interface BodyParts {
  clientHeaders: Headers;
  /** The raw text as received, or the parsed body */
  clientBody: unknown;
  upstream?: { url: string; headers: Record<string, string>; payload: string };
  /** A text as received, or the parsed JSON (serialised when logged) */
  upstreamResponse?: unknown;
  clientResponse?: unknown;
  assembled?: Assembled;
  upstreamEvents?: Capped;
  clientEvents?: Capped;
}

const text = (v: unknown): string | undefined => (v === undefined || typeof v === "string" ? v : JSON.stringify(v));

/**
 * The logged texts of a request's bodies, each cut to BODY_TEXT_CAP (a cut JSON text no longer
 * parses; the marker says why); secrets are cut out later, by the writer.
 */
function bodyTexts(p: BodyParts): Bodies {
  const up = p.upstream;
  return {
    // A refused request's body was never read: null, not the word "undefined" in the JSON
    clientRequest: capText(`{"headers":${JSON.stringify(safeHeaders(p.clientHeaders))},"body":${text(p.clientBody) ?? "null"}}`),
    upstreamRequest: up && capText(`{"url":${JSON.stringify(up.url)},"headers":${JSON.stringify(safeHeaders(up.headers))},"body":${up.payload}}`),
    upstreamResponse: capText(p.assembled ? JSON.stringify(p.assembled) : text(p.upstreamResponse)),
    upstreamEvents: p.upstreamEvents?.value(),
    clientResponse: p.clientEvents ? p.clientEvents.value() : capText(text(p.clientResponse)),
  };
}

export class Trace {
  private readonly t0 = performance.now();
  private readonly row: LogRow;
  private readonly bodies?: BodyParts;
  private streaming = false;
  private ended = false;
  private assembled?: { push(e: StreamEvent): void; result: Assembled };
  /** When the attempt waiting on its upstream called it (performance.now()); 0 when none waits */
  private calledAt = 0;

  constructor(private readonly sink: TraceSink, start: TraceStart, withBodies: boolean) {
    const body = start.body as { model?: unknown; stream?: unknown } | undefined;
    this.row = {
      time: Date.now(),
      client: start.client,
      route: start.path,
      group: start.group,
      model: typeof body?.model === "string" ? body.model : start.model,
      attempts: 0,
      stream: body?.stream === true,
    };
    const session = start.headers.get(SESSION_HEADER);
    if (session) this.row.session = session.length > SESSION_MAX ? session.slice(0, SESSION_MAX) : session;
    if (withBodies) this.bodies = { clientHeaders: start.headers, clientBody: start.raw ?? start.body };
  }

  /** The decoded request: the proxy model and whether it streams. */
  request(model: string, stream: boolean): void {
    this.row.model = model;
    this.row.stream = stream;
  }

  /** The `when` rule that routed the request (`<pattern>#<n>`) */
  rule(label: string): void {
    this.row.rule = label;
  }

  /** One attempt begins; `payload` is the exact body sent upstream. */
  attempt(target: string, keyLabel: string, url: string, headers: Record<string, string>, payload: string): void {
    this.received();
    this.calledAt = performance.now();
    this.row.attempts++;
    this.row.target = target;
    this.row.keyLabel = keyLabel;
    if (this.bodies) this.bodies.upstream = { url, headers, payload };
  }

  /** The current attempt failed (`status` is the upstream's; absent for network faults). */
  failed(error: string, status?: number): void {
    this.received();
    (this.row.trail ??= []).push({ target: this.row.target ?? "", keyLabel: this.row.keyLabel ?? "", status, error });
  }

  /** The attempt's upstream has answered in full (a whole body read; a stream ends with its last event): its wait is over. */
  received(): void {
    if (!this.calledAt) return;
    this.row.upstreamMs = (this.row.upstreamMs ?? 0) + performance.now() - this.calledAt;
    this.calledAt = 0;
  }

  /** The upstream's answer: its text, or its JSON as parsed */
  upstreamBody(body: unknown): void {
    if (this.bodies) this.bodies.upstreamResponse = body;
  }

  /** The client's whole response, as the pipeline made it (so no response is cloned to read it back): a text or a JSON value. */
  clientBody(body: unknown): void {
    if (this.bodies) this.bodies.clientResponse = body;
  }

  usage(u: Usage): void {
    this.row.usage = u;
  }

  /** Hooks for a converted stream: unified events, raw bytes both sides, and its end. */
  stream(): { observe(e: StreamEvent): void; upstream?(chunk: Uint8Array): void; client?(text: string): void; end(cancelled: boolean): void } {
    this.streaming = true;
    const b = this.bodies;
    if (b) {
      this.assembled = assembler(BODY_TEXT_CAP);
      b.assembled = this.assembled.result;
      b.upstreamEvents = new Capped();
      b.clientEvents = new Capped();
    }
    return {
      observe: (e) => {
        if (this.ended) return; // the row is on its way: a cancelled stream's last gasp must not rewrite it
        this.assembled?.push(e);
        if (this.row.ttftMs === undefined && (e.type === "text_delta" || e.type === "thinking_delta" || e.type === "block_start"))
          this.row.ttftMs = performance.now() - this.t0;
        if (e.type === "stop") (this.row.usage = e.usage), this.received();
        else if (e.type === "error") (this.row.error = e.message), this.received();
      },
      upstream: b && ((chunk) => b.upstreamEvents!.bytes(chunk)),
      client: b && ((text) => b.clientEvents!.text(text)),
      end: (cancelled) => {
        if (cancelled && !this.row.error) this.row.error = "client closed the stream before its end";
        b?.upstreamEvents!.close(); // a read in flight when the client left may still land
        b?.clientEvents!.close();
        this.end();
      },
    };
  }

  /**
   * The response the client gets. A stream's row is finished by its end. An error's body is read
   * back (errors are small and rare) for the message the client read, whatever its protocol.
   */
  answered(res: Response): void {
    this.row.status = res.status;
    if (this.streaming) return;
    if (res.ok) return this.end();
    this.sink.settling(
      res
        .clone()
        .text()
        .then((text) => {
          this.row.error = messageOf(text);
          if (this.bodies) this.bodies.clientResponse = text;
        })
        .catch(() => {})
        .finally(() => this.end()),
    );
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.received(); // a stream the client left before its upstream's end
    this.row.latencyMs = performance.now() - this.t0;
    const b = this.bodies;
    this.sink.send(this.row, b && (() => bodyTexts(b)));
  }
}

/** The message of an error body in any of the four protocols' shapes. */
function messageOf(text: string): string {
  try {
    const j = JSON.parse(text);
    const e = j?.error;
    const m = typeof e === "string" ? e : e?.message ?? j?.message;
    if (typeof m === "string") return m;
  } catch {}
  return clipForRedaction(text, 500);
}

/** Text kept up to STREAM_TEXT_CAP, then a marker of how much was left out. Upstream bytes are decoded when logged, not as they pass. */
class Capped {
  private parts: (string | Uint8Array)[] = [];
  private size = 0;
  private over = 0;
  private closed = false;

  close(): void {
    this.closed = true;
  }

  bytes(chunk: Uint8Array): void {
    this.keep(chunk, chunk.byteLength, (n) => chunk.subarray(0, n));
  }

  text(s: string): void {
    this.keep(s, s.length, (n) => s.slice(0, n));
  }

  /** A part of `length` units (bytes or characters, as the part counts them), cut to the room left. */
  private keep(part: string | Uint8Array, length: number, head: (n: number) => string | Uint8Array): void {
    if (this.closed) return;
    const room = STREAM_TEXT_CAP - this.size;
    if (length > room) this.over += length - Math.max(room, 0);
    if (room <= 0) return;
    this.parts.push(length > room ? head(room) : part);
    this.size += Math.min(room, length);
  }

  value(): string {
    const decoder = new TextDecoder();
    let out = "";
    for (const p of this.parts) out += typeof p === "string" ? p : decoder.decode(p, { stream: true });
    return out + decoder.decode() + (this.over ? leftOut(this.over) : "");
  }
}

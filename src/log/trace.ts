// What the data path tells the log about one chat request. Without bodies it only sets a few
// fields of one small object; with bodies it also keeps the texts (streams up to a cap). The row
// leaves for the writer when the response has been sent (streams: when the stream ends).
import type { StreamEvent, Usage } from "../unified/index.ts";
import { assembler, type Assembled } from "./assemble.ts";
import { safeHeaders } from "./redact.ts";
import type { Bodies, LogRow } from "./store.ts";

/** How much of a stream's raw text is kept, per side, when bodies are logged */
export const STREAM_TEXT_CAP = 256 * 1024;

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

/** Where a trace's row goes; `settling` learns of rows that wait for a body to be read. */
export interface TraceSink {
  send(row: LogRow): void;
  settling(p: Promise<void>): void;
}

export class Trace {
  private readonly t0 = performance.now();
  private readonly row: LogRow;
  private readonly bodies?: Bodies;
  private streaming = false;
  private ended = false;
  private assembled?: { push(e: StreamEvent): void; result: Assembled };
  private upstreamText?: Capped;
  private clientStreamText?: Capped;

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
    if (withBodies) {
      const headers = JSON.stringify(safeHeaders(start.headers));
      const body = start.raw ?? JSON.stringify(start.body);
      this.bodies = this.row.bodies = { clientRequest: `{"headers":${headers},"body":${body}}` };
    }
  }

  /** Whether the texts are kept: the data path then hands over the texts it has, not objects. */
  get keepsBodies(): boolean {
    return this.bodies !== undefined;
  }

  /** The decoded request: the proxy model and whether it streams. */
  request(model: string, stream: boolean): void {
    this.row.model = model;
    this.row.stream = stream;
  }

  /** One attempt begins; `payload` is the exact body sent upstream. */
  attempt(target: string, keyLabel: string, url: string, headers: Record<string, string>, payload: string): void {
    this.row.attempts++;
    this.row.target = target;
    this.row.keyLabel = keyLabel;
    if (this.bodies) this.bodies.upstreamRequest = `{"url":${JSON.stringify(url)},"headers":${JSON.stringify(safeHeaders(headers))},"body":${payload}}`;
  }

  /** The current attempt failed (`status` is the upstream's; absent for network faults). */
  failed(error: string, status?: number): void {
    (this.row.trail ??= []).push({ target: this.row.target ?? "", keyLabel: this.row.keyLabel ?? "", status, error });
  }

  upstreamBody(text: string): void {
    if (this.bodies) this.bodies.upstreamResponse = text;
  }

  /** The client's whole response, as the pipeline made it (so no response is cloned to read it back). */
  clientText(text: string): void {
    if (this.bodies) this.bodies.clientResponse = text;
  }

  usage(u: Usage): void {
    this.row.usage = u;
  }

  /** Hooks for a converted stream: unified events, raw bytes both sides, and its end. */
  stream(): { observe(e: StreamEvent): void; upstream?(chunk: Uint8Array): void; client?(text: string): void; end(cancelled: boolean): void } {
    this.streaming = true;
    if (this.bodies) {
      this.assembled = assembler();
      this.upstreamText = new Capped();
      this.clientStreamText = new Capped();
    }
    return {
      observe: (e) => {
        if (this.ended) return; // the row is on its way: a cancelled stream's last gasp must not rewrite it
        this.assembled?.push(e);
        if (this.row.ttftMs === undefined && (e.type === "text_delta" || e.type === "thinking_delta" || e.type === "block_start"))
          this.row.ttftMs = performance.now() - this.t0;
        if (e.type === "stop") this.row.usage = e.usage;
        else if (e.type === "error") this.row.error = e.message;
      },
      upstream: this.upstreamText && ((chunk) => this.upstreamText!.bytes(chunk)),
      client: this.clientStreamText && ((text) => this.clientStreamText!.text(text)),
      end: (cancelled) => {
        if (cancelled && !this.row.error) this.row.error = "client closed the stream before its end";
        if (this.bodies) {
          this.bodies.upstreamResponse = JSON.stringify(this.assembled!.result);
          this.bodies.upstreamEvents = this.upstreamText!.value();
          this.bodies.clientResponse = this.clientStreamText!.value();
        }
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
    this.row.latencyMs = performance.now() - this.t0;
    this.sink.send(this.row);
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
  return text.slice(0, 500);
}

/** Text kept up to STREAM_TEXT_CAP, then a marker of how much was left out. */
class Capped {
  private parts: string[] = [];
  private size = 0;
  private over = 0;
  private readonly decoder = new TextDecoder();

  bytes(chunk: Uint8Array): void {
    if (this.size >= STREAM_TEXT_CAP) this.over += chunk.byteLength;
    else this.text(this.decoder.decode(chunk, { stream: true }));
  }

  text(s: string): void {
    const room = STREAM_TEXT_CAP - this.size;
    if (room <= 0) return void (this.over += s.length);
    this.parts.push(room >= s.length ? s : s.slice(0, room));
    this.size += Math.min(room, s.length);
    if (s.length > room) this.over += s.length - room;
  }

  value(): string {
    return this.parts.join("") + (this.over ? `\n[… ${this.over} more left out]` : "");
  }
}

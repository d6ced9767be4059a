// The request path's side of the log: traces hand finished rows to a bounded queue, which is
// posted to the writer worker every few milliseconds or every batch of rows. When the writer falls
// behind and the queue is full, rows are dropped and counted; nothing ever waits for the disk.
import { BODY_FIELDS, openStore, type LogRow, type Retention } from "./store.ts";
import { Trace, type TraceSink, type TraceStart } from "./trace.ts";
import type { FromWriter, ToWriter } from "./writer.ts";

export interface LogOptions extends Retention {
  path: string;
  bodies: boolean;
  /** Every provider key and access key: cut out of everything logged */
  secrets: string[];
  /** Rows waiting or being written beyond which new rows are dropped */
  queueLimit?: number;
  batchRows?: number;
  flushMs?: number;
  pruneEveryMs?: number;
}

// The one-file build (build.ts lists the writer as an entry point) lays modules out from src/
// under /$bunfs/root, where a worker is named by that layout rather than by this module's URL.
const WRITER = import.meta.url.includes("/$bunfs/") ? "./log/writer.ts" : new URL("./writer.ts", import.meta.url).href;

export class Logger {
  /** Rows as JSON lines: one string crosses to the worker per batch, not an object graph to clone */
  private pending: string[] = [];
  /** Body texts of the rows that have them, BODY_FIELDS in order per row: kept out of the JSON, which would escape them all */
  private texts: (string | null)[] = [];
  private inFlight = 0;
  private unreported = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushes = new Map<number, () => void>();
  private nextFlush = 0;
  private readonly queueLimit: number;
  private readonly batchRows: number;
  private readonly flushMs: number;
  /** Traces whose row waits for a response body to be read */
  private readonly settling = new Set<Promise<void>>();
  private readonly sink: TraceSink = {
    send: (row) => this.push(row),
    settling: (p) => {
      this.settling.add(p);
      p.finally(() => this.settling.delete(p));
    },
  };
  private dead = false;
  /** Rows dropped because the queue was full, since start */
  dropped = 0;

  private constructor(private readonly worker: Worker, public bodies: boolean, o: LogOptions) {
    this.queueLimit = o.queueLimit ?? 10_000;
    this.batchRows = o.batchRows ?? 200;
    this.flushMs = o.flushMs ?? 25;
    worker.onmessage = (ev: MessageEvent<FromWriter>) => {
      const m = ev.data;
      if (m.type === "written") this.inFlight -= m.n;
      else if (m.type === "flushed") this.flushes.get(m.id)?.(), this.flushes.delete(m.id);
      else console.error(`ccproxy: log: ${m.message}`);
    };
    // A writer that died must not leave anyone waiting on a flush; its rows are lost, not the proxy.
    worker.onerror = (ev) => {
      console.error(`ccproxy: log writer stopped: ${ev.message}`);
      this.dead = true;
      for (const done of this.flushes.values()) done();
      this.flushes.clear();
    };
  }

  /** Opens the database once here, so a bad path fails at start-up, then hands it to the writer. */
  static open(o: LogOptions): Logger {
    openStore(o.path).close();
    const worker = new Worker(WRITER);
    worker.unref(); // the writer alone never keeps the process alive
    const open: ToWriter = {
      type: "open",
      path: o.path,
      secrets: o.secrets,
      retention: { maxRows: o.maxRows, maxDays: o.maxDays },
      pruneEveryMs: o.pruneEveryMs ?? 60_000,
    };
    worker.postMessage(open);
    return new Logger(worker, o.bodies, o);
  }

  /** Keys of a reloaded config: redacted from now on, as are all the earlier ones (queued rows may hold them). */
  addSecrets(secrets: string[]): void {
    this.worker.postMessage({ type: "secrets", secrets } satisfies ToWriter);
  }

  begin(start: TraceStart): Trace {
    return new Trace(this.sink, start, this.bodies);
  }

  private push(row: LogRow): void {
    if (this.dead || this.pending.length + this.inFlight >= this.queueLimit) {
      this.dropped++;
      this.unreported++;
      return;
    }
    const b = row.bodies;
    if (b) {
      for (const f of BODY_FIELDS) this.texts.push(b[f] ?? null);
      row.bodies = undefined;
      row.hasBodies = true;
    }
    this.pending.push(JSON.stringify(row));
    if (this.pending.length >= this.batchRows) this.post();
    else this.timer ??= setTimeout(() => this.post(), this.flushMs);
  }

  private post(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length && !this.unreported) return;
    const m: ToWriter = { type: "rows", rows: this.pending.join("\n"), texts: this.texts, n: this.pending.length, dropped: this.unreported };
    this.inFlight += this.pending.length;
    this.pending = [];
    this.texts = [];
    this.unreported = 0;
    this.worker.postMessage(m);
  }

  /** Resolves once every row of a request answered so far is written (and, with `prune`, retention applied). */
  async flush(o: { prune?: boolean } = {}): Promise<void> {
    await Promise.all(this.settling);
    this.post();
    if (this.dead) return;
    const id = ++this.nextFlush;
    this.worker.ref(); // keep the process alive until the writer answers
    return new Promise<void>((resolve) => {
      this.flushes.set(id, resolve);
      this.worker.postMessage({ type: "flush", id, prune: o.prune } satisfies ToWriter);
    }).finally(() => this.flushes.size || this.worker.unref());
  }

  async close(): Promise<void> {
    await this.flush();
    this.worker.terminate();
  }
}

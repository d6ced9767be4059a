// The request path's side of the log: traces hand finished rows to a bounded queue, which is
// posted to the writer worker every quarter second or every batch of rows. When the writer falls
// behind and the queue is full, rows are dropped and counted; nothing ever waits for the disk.
import { openStore, type Bodies, type LogRow, type Retention } from "./store.ts";
import { RowBatch } from "./batch.ts";
import { Trace, type TraceSink, type TraceStart } from "./trace.ts";
import type { FromWriter, ToWriter } from "./writer.ts";
import type { Filter, RowView } from "./query.ts";

export interface LogOptions extends Retention {
  path: string;
  bodies: boolean;
  /** Every provider key and access key: cut out of everything logged */
  secrets: string[];
  /** Rows waiting or being written beyond which new rows are dropped */
  queueLimit?: number;
  /** A batch leaves with this many rows, or this many with bodies, or this long after its first row */
  batchRows?: number;
  bodyRows?: number;
  flushMs?: number;
  pruneEveryMs?: number;
}

// The one-file build (build.ts lists the writer as an entry point) lays modules out from src/
// under /$bunfs/root, where a worker is named by that layout rather than by this module's URL.
const WRITER = import.meta.url.includes("/$bunfs/") ? "./log/writer.ts" : new URL("./writer.ts", import.meta.url).href;

const MAX_RESTARTS = 5;

/** A row's bodies as texts; a failure to make them (it would be a bug) costs the bodies, never the row or the batch. */
function bodyTexts(make: () => Bodies): Bodies | undefined {
  try {
    return make();
  } catch (e) {
    console.error(`ccproxy: log: bodies left out of a row: ${(e as Error).message}`);
    return undefined;
  }
}

export class Logger {
  /** Rows finished since the last batch left, packed as they come; their bodies made only when the batch is posted */
  private pending: RowBatch;
  private inFlight = 0;
  private unreported = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushes = new Map<number, () => void>();
  private reads = new Map<number, (rows: RowView[][] | undefined) => void>();
  private nextFlush = 0;
  private readonly queueLimit: number;
  private readonly batchRows: number;
  private readonly bodyRows: number;
  private readonly flushMs: number;
  /** Traces whose row waits for a response body to be read */
  private readonly settling = new Set<Promise<void>>();
  /** Where traces hand their rows (RequestLog passes them on here) */
  readonly sink: TraceSink = {
    send: (row, bodies) => this.push(row, bodies),
    settling: (p) => {
      this.settling.add(p);
      p.finally(() => this.settling.delete(p));
    },
  };
  private dead = false;
  private closing = false;
  /**
   * Started when first needed (a batch to write, a flush, a read), not at start-up: a proxy that has
   * served nothing holds no worker thread and heap (3.2 MB of its anonymous memory, measured), and
   * does not open and prune an old database.
   */
  private worker: Worker | undefined;
  /** Every secret so far: a replacement writer must redact them all */
  private secrets: string[];
  /** Writers started after one stopped; past MAX_RESTARTS the log stays off */
  private restarts = 0;
  /** Rows dropped because the queue was full, a writer stopped with them or the database did not take them (a full disk), since start */
  dropped = 0;

  private constructor(
    public bodies: boolean,
    private readonly o: LogOptions, // a copy: retain() changes it
  ) {
    this.queueLimit = o.queueLimit ?? 10_000;
    // Each batch wakes the writer and commits a transaction; a packed row costs little to keep, so
    // rows wait up to a quarter second. Bodies (up to five texts of 256 KiB a row) leave sooner.
    this.batchRows = o.batchRows ?? 2000;
    this.bodyRows = o.bodyRows ?? 200;
    this.flushMs = o.flushMs ?? 250;
    this.pending = new RowBatch();
    this.secrets = [...o.secrets];
  }

  private get writer(): Worker {
    return this.worker ?? this.spawn();
  }

  private spawn(): Worker {
    const worker = (this.worker = new Worker(WRITER));
    worker.unref(); // the writer alone never keeps the process alive
    worker.onmessage = (ev: MessageEvent<FromWriter>) => {
      const m = ev.data;
      if (m.type === "written") (this.inFlight -= m.n), (this.dropped += m.failed);
      else if (m.type === "flushed") this.flushes.get(m.id)?.(), this.flushes.delete(m.id);
      else if (m.type === "latest") this.reads.get(m.id)?.(m.rows), this.reads.delete(m.id);
      else console.error(`ccproxy: log: ${m.message}`);
    };
    // A writer that stopped (an error it did not catch, or its thread gone) takes the rows it held
    // with it, counted as dropped, and is replaced; nobody waits on a flush it will never answer.
    const stopped = (why: string) => {
      if (this.closing || worker !== this.worker) return;
      worker.onmessage = worker.onerror = null;
      worker.removeEventListener("close", onClose);
      this.dropped += this.inFlight;
      this.unreported += this.inFlight;
      this.inFlight = 0;
      for (const done of this.flushes.values()) done();
      this.flushes.clear();
      for (const done of this.reads.values()) done(undefined);
      this.reads.clear();
      if (this.restarts >= MAX_RESTARTS) {
        this.dead = true;
        console.error(`ccproxy: log writer stopped (${why}); the log is off after ${MAX_RESTARTS} restarts`);
        return;
      }
      this.restarts++;
      console.error(`ccproxy: log writer stopped (${why}); started again`);
      this.spawn();
    };
    const onClose = () => stopped("its thread ended");
    worker.onerror = (ev) => stopped(ev.message);
    worker.addEventListener("close", onClose);
    const open: ToWriter = {
      type: "open",
      path: this.o.path,
      secrets: this.secrets,
      retention: { maxRows: this.o.maxRows, maxDays: this.o.maxDays },
      pruneEveryMs: this.o.pruneEveryMs ?? 60_000,
    };
    worker.postMessage(open);
    return worker;
  }

  /** Opens the database once here, so a bad path fails at start-up, then hands it to the writer. */
  static open(o: LogOptions): Logger {
    openStore(o.path).close();
    return new Logger(o.bodies, { ...o });
  }

  /** Keys of a reloaded config: redacted from now on, as are all the earlier ones (queued rows may hold them). */
  addSecrets(secrets: string[]): void {
    this.secrets = [...new Set([...this.secrets, ...secrets])];
    this.worker?.postMessage({ type: "secrets", secrets } satisfies ToWriter); // a writer started later opens with them all
  }

  /** Retention from now on (a reload), kept for a writer started again. */
  retain(r: Retention): void {
    this.o.maxRows = r.maxRows;
    this.o.maxDays = r.maxDays;
    this.worker?.postMessage({ type: "retention", retention: r } satisfies ToWriter);
  }

  begin(start: TraceStart): Trace {
    return new Trace(this.sink, start, this.bodies);
  }

  private push(row: LogRow, bodies?: () => Bodies): void {
    if (this.dead || this.pending.n + this.inFlight >= this.queueLimit) {
      this.dropped++;
      this.unreported++;
      return;
    }
    this.pending.add(row, bodies);
    if (this.pending.n >= this.batchRows || this.pending.withBodies >= this.bodyRows) this.post();
    else this.timer ??= setTimeout(() => this.post(), this.flushMs);
  }

  /**
   * The bodies' texts are made here, once per batch, rather than on each request's way: at
   * concurrency 1 a microsecond spent before a response leaves is one on its latency, while the
   * same work done every few milliseconds delays the few requests it meets. The batch's numbers
   * move to the writer without a copy.
   */
  private post(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.n && !this.unreported) return;
    const batch = this.pending.take(bodyTexts);
    const m: ToWriter = { type: "rows", batch, dropped: this.unreported };
    this.inFlight += batch.n;
    this.unreported = 0;
    this.writer.postMessage(m, { transfer: [batch.cells.buffer as ArrayBuffer] });
  }

  /** Resolves once every row of a request answered so far is written (and, with `prune`, retention applied). */
  async flush(o: { prune?: boolean } = {}): Promise<void> {
    await Promise.all(this.settling);
    this.post();
    if (this.dead) return;
    const id = ++this.nextFlush;
    const writer = this.writer;
    writer.ref(); // keep the process alive until the writer answers
    return new Promise<void>((resolve) => {
      this.flushes.set(id, resolve);
      writer.postMessage({ type: "flush", id, prune: o.prune } satisfies ToWriter);
    }).finally(() => this.flushes.size || this.worker?.unref());
  }

  /**
   * The latest rows for each filter, read by the writer after every row answered so far (the
   * status page; the request path's thread never touches the database). Empty when the log is off.
   */
  async latest(filters: Filter[]): Promise<RowView[][]> {
    await Promise.all(this.settling);
    this.post();
    if (this.dead) return filters.map(() => []);
    const id = ++this.nextFlush;
    const rows = await new Promise<RowView[][] | undefined>((resolve) => {
      this.reads.set(id, resolve);
      this.writer.postMessage({ type: "latest", id, filters } satisfies ToWriter);
    });
    return rows ?? filters.map(() => []);
  }

  async close(): Promise<void> {
    await Promise.all(this.settling);
    // Never started (nothing was logged): not started now just to be stopped.
    if (this.worker || this.pending.n || this.unreported) await this.flush();
    this.closing = true;
    this.worker?.terminate();
  }
}

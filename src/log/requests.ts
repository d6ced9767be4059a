// Where each request's row goes once it is finished: the database (when logging is on), and
// whatever else watches requests: the console's one line per request, and without a database a
// ring of the latest rows, so the status page can show recent requests either way.
import type { Logger } from "./logger.ts";
import { Trace, type TraceSink, type TraceStart } from "./trace.ts";
import { rowView, type Filter, type RowView } from "./query.ts";
import type { LogRow } from "./store.ts";

/** Something told of every finished row; it must return at once (the console batches its lines). */
export type RowWatcher = (row: LogRow) => void;

/** Rows the ring keeps, and so the most the status page shows without a database */
export const RING_SIZE = 100;

export class RequestLog {
  private readonly watchers: RowWatcher[] = [];
  private readonly ring: LogRow[] = [];
  private next = 0;
  private readonly sink: TraceSink;

  /** `store`: the database's logger, absent when logging is off */
  constructor(readonly store?: Logger) {
    const s = store?.sink;
    this.sink = {
      send: (row, bodies) => {
        s?.send(row, bodies);
        if (!s) this.keep(row);
        for (const w of this.watchers) w(row);
      },
      settling: (p) => s?.settling(p),
    };
  }

  watch(w: RowWatcher): void {
    this.watchers.push(w);
  }

  begin(start: TraceStart): Trace {
    return new Trace(this.sink, start, this.store?.bodies ?? false);
  }

  /** The latest rows for each filter (model, errors, limit), oldest first: from the database, else the ring. */
  async latest(filters: Filter[]): Promise<RowView[][]> {
    if (this.store) return this.store.latest(filters);
    const rows = this.ring.map((r, i) => rowView(r, this.next - this.ring.length + i + 1));
    return filters.map((f) =>
      rows
        .filter((r) => (f.model === undefined || r.model === f.model) && (!f.errors || r.error !== null || (r.status ?? 0) >= 400))
        .slice(-(f.limit ?? 20)),
    );
  }

  private keep(row: LogRow): void {
    if (this.ring.length >= RING_SIZE) this.ring.shift();
    this.ring.push(row);
    this.next++;
  }
}

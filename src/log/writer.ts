// The log's writer, in its own worker thread: it redacts and writes the batches the request path
// posts, and prunes in the background, so neither a slow disk nor SQLite ever holds up a response.
import type { LogRow, Retention } from "./store.ts";
import { batchBytes, unpackRows, type Batch } from "./batch.ts";
import { redactor } from "./redact.ts";
import { lowerThreadPriority } from "./priority.ts";
import { LogSink } from "./sink.ts";
import type { Filter, RowView } from "./query.ts";

export type ToWriter =
  | { type: "open"; path: string; secrets: string[]; retention: Retention; pruneEveryMs: number }
  | { type: "secrets"; secrets: string[] }
  | { type: "retention"; retention: Retention }
  /** Rows packed (batch.ts), and how many were dropped on the way */
  | { type: "rows"; batch: Batch; dropped: number }
  | { type: "flush"; id: number; prune?: boolean }
  /** Reads for the status page: the latest rows for each filter, after every row posted before */
  | { type: "latest"; id: number; filters: Filter[] };

/** `failed`: of the `n` rows, those the database did not take (a full disk), counted as dropped */
export type FromWriter =
  | { type: "written"; n: number; failed: number }
  | { type: "flushed"; id: number }
  | { type: "latest"; id: number; rows: RowView[][] }
  | { type: "error"; message: string };

declare const self: Worker;

let sink: LogSink | undefined;
let redact: (s: string) => string = (s) => s;
let secrets: string[] = [];
const post = (m: FromWriter) => self.postMessage(m);

/** Errors are a line for a person to read; an upstream may put anything in its message. */
const ERROR_CAP = 2000;
const short = (s: string) => (s.length > ERROR_CAP ? `${s.slice(0, ERROR_CAP)}[… ${s.length - ERROR_CAP} more left out]` : s);

function clean(r: LogRow): LogRow {
  if (r.error) r.error = short(redact(r.error));
  if (r.session) r.session = redact(r.session);
  if (r.trail) for (const t of r.trail) t.error = short(redact(t.error));
  const b = r.bodies;
  if (b) for (const k of Object.keys(b) as (keyof typeof b)[]) if (b[k]) b[k] = redact(b[k]!);
  return r;
}

self.onmessage = (ev: MessageEvent<ToWriter>) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case "open":
        lowerThreadPriority();
        sink = new LogSink(m.path, { retention: m.retention });
        secrets = m.secrets;
        redact = redactor(secrets);
        sink.prune();
        setInterval(() => sink?.prune(), m.pruneEveryMs);
        return;
      case "secrets":
        secrets = [...new Set([...secrets, ...m.secrets])];
        redact = redactor(secrets);
        return;
      case "retention":
        if (sink) sink.retention = m.retention;
        return;
      case "rows": {
        const b = m.batch;
        const failed = sink ? sink.rows(unpackRows(b).map(clean), m.dropped, batchBytes(b)) : 0;
        return post({ type: "written", n: b.n, failed });
      }
      case "flush":
        if (m.prune) sink?.prune();
        return post({ type: "flushed", id: m.id });
      case "latest":
        return post({ type: "latest", id: m.id, rows: m.filters.map((f) => sink?.latest(f) ?? []) });
    }
  } catch (e) {
    post({ type: "error", message: (e as Error).message });
    if (m.type === "rows") post({ type: "written", n: m.batch.n, failed: 0 });
    if (m.type === "flush") post({ type: "flushed", id: m.id });
    if (m.type === "latest") post({ type: "latest", id: m.id, rows: m.filters.map(() => []) });
  }
};

// The log's writer, in its own worker thread: it redacts and writes the batches the request path
// posts, and prunes in the background, so neither a slow disk nor SQLite ever holds up a response.
import type { Database } from "bun:sqlite";
import { BODY_FIELDS, openStore, prune, rowWriter, type Bodies, type LogRow, type Retention, type Writer } from "./store.ts";
import { redactor } from "./redact.ts";
import { lowerThreadPriority } from "./priority.ts";
import { Checkpoints } from "./checkpoint.ts";

export type ToWriter =
  | { type: "open"; path: string; secrets: string[]; retention: Retention; pruneEveryMs: number }
  | { type: "secrets"; secrets: string[] }
  /**
   * `n` rows: `rows` as JSON lines; `texts` the body texts of those marked hasBodies, BODY_FIELDS in
   * order per row, end to end, and `lengths` their lengths (-1: absent).
   */
  | { type: "rows"; rows: string; texts: string; lengths: number[]; n: number; dropped: number }
  | { type: "flush"; id: number; prune?: boolean };

export type FromWriter = { type: "written"; n: number } | { type: "flushed"; id: number } | { type: "error"; message: string };

declare const self: Worker;

let db: Database | undefined;
let write: Writer;
let redact: (s: string) => string = (s) => s;
let secrets: string[] = [];
let retention: Retention = {};
let checkpoints: Checkpoints;
const post = (m: FromWriter) => self.postMessage(m);

function clean(r: LogRow): LogRow {
  if (r.error) r.error = redact(r.error);
  if (r.trail) for (const t of r.trail) t.error = redact(t.error);
  const b = r.bodies;
  if (b) for (const k of Object.keys(b) as (keyof typeof b)[]) if (b[k]) b[k] = redact(b[k]!);
  return r;
}

function parseRows(lines: string, texts: string, lengths: readonly number[]): LogRow[] {
  let t = 0;
  let at = 0;
  return (lines ? lines.split("\n") : []).map((line) => {
    const r = JSON.parse(line) as LogRow;
    if (r.hasBodies) {
      const b: Bodies = (r.bodies = {});
      for (const f of BODY_FIELDS) {
        const n = lengths[t++]!;
        if (n >= 0) b[f] = texts.slice(at, (at += n));
      }
    }
    return r;
  });
}

function pruneNow() {
  if (db && (retention.maxRows !== undefined || retention.maxDays !== undefined)) prune(db, retention);
}

self.onmessage = (ev: MessageEvent<ToWriter>) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case "open":
        lowerThreadPriority();
        db = openStore(m.path);
        write = rowWriter(db);
        checkpoints = new Checkpoints(db);
        secrets = m.secrets;
        redact = redactor(secrets);
        retention = m.retention;
        pruneNow();
        setInterval(pruneNow, m.pruneEveryMs);
        return;
      case "secrets":
        secrets = [...new Set([...secrets, ...m.secrets])];
        redact = redactor(secrets);
        return;
      case "rows":
        if (db) {
          write(parseRows(m.rows, m.texts, m.lengths).map(clean), m.dropped);
          checkpoints.wrote(m.rows.length + m.texts.length);
        }
        return post({ type: "written", n: m.n });
      case "flush":
        if (m.prune) pruneNow();
        return post({ type: "flushed", id: m.id });
    }
  } catch (e) {
    post({ type: "error", message: (e as Error).message });
    if (m.type === "rows") post({ type: "written", n: m.n });
    if (m.type === "flush") post({ type: "flushed", id: m.id });
  }
};

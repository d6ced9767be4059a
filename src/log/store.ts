// The SQLite store: one file (mode 0600, WAL), rows written in batches, pruned by age and count.
// Only the writer worker and `ccproxy logs` open it; the request path never touches it.
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { migrate } from "./migrations.ts";

/** One chat request, as the data path saw it. Text fields are redacted by the writer. */
export interface LogRow {
  time: number;
  client: string;
  route?: string;
  group?: string;
  model?: string;
  /** provider/model of the attempt that answered (or failed last) */
  target?: string;
  keyLabel?: string;
  attempts: number;
  status?: number;
  error?: string;
  latencyMs?: number;
  ttftMs?: number;
  /** Time spent waiting on upstreams, its attempts summed (not stored: the metrics' figure) */
  upstreamMs?: number;
  stream: boolean;
  /** The client's session id (Claude Code's X-Claude-Code-Session-Id), cut to SESSION_MAX characters */
  session?: string;
  /** The `when` rule that routed the request (`<pattern>#<n>`), when one did */
  rule?: string;
  usage?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number; reasoning?: number };
  /** The attempts that failed before the last one */
  trail?: { target: string; keyLabel: string; status?: number; error: string }[];
  bodies?: Bodies;
}

/** The body texts in the order they cross to the writer */
export const BODY_FIELDS = ["clientRequest", "upstreamRequest", "upstreamResponse", "upstreamEvents", "clientResponse"] as const;

export interface Bodies {
  clientRequest?: string;
  upstreamRequest?: string;
  upstreamResponse?: string;
  upstreamEvents?: string;
  clientResponse?: string;
}

export interface Retention {
  maxRows?: number;
  maxDays?: number;
}

/** Opens (creating it readable by its owner only) and migrates the database at `path`. */
export function openStore(path: string, o: { create?: boolean } = {}): Database {
  if (o.create !== false) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
  }
  const db = new Database(path, { create: false, strict: true });
  // Bodies run to kilobytes; on 4 KiB pages each spills into a chain of overflow pages, and a
  // logged body cost the writer ~15 µs. 16 KiB pages nearly halve that, and a commit of a few
  // small rows still writes little. Takes effect on a new database only (before WAL is set).
  // First: every statement after it, these pragmas included, waits for another process's writer
  // (a second proxy, `ccproxy logs`) instead of failing with "database is locked".
  db.run("PRAGMA busy_timeout = 2000");
  db.run("PRAGMA page_size = 16384");
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL"); // WAL + NORMAL: no fsync per commit, still crash-safe
  migrate(db);
  return db;
}

export type Writer = (rows: readonly LogRow[], dropped: number) => void;

/** A batch writer: every row of a batch and its bodies in one transaction. */
export function rowWriter(db: Database): Writer {
  const insert = db.prepare(
    `INSERT INTO requests (time, client, route, grp, model, target, key_label, attempts, status, error, latency_ms,
       ttft_ms, stream, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, trail, session, rule)
     VALUES ($time, $client, $route, $grp, $model, $target, $keyLabel, $attempts, $status, $error, $latencyMs,
       $ttftMs, $stream, $input, $output, $cacheRead, $cacheWrite, $reasoning, $trail, $session, $rule)`,
  );
  const body = db.prepare(
    `INSERT INTO bodies (request_id, client_request, upstream_request, upstream_response, upstream_events, client_response)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const count = db.prepare(
    "INSERT INTO counters (name, value) VALUES ('dropped', ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
  );
  return db.transaction((rows: readonly LogRow[], dropped: number) => {
    for (const r of rows) {
      const u = r.usage ?? {};
      const { lastInsertRowid } = insert.run({
        time: r.time, client: r.client, route: r.route ?? null, grp: r.group ?? null, model: r.model ?? null,
        target: r.target ?? null, keyLabel: r.keyLabel ?? null, attempts: r.attempts, status: r.status ?? null,
        error: r.error ?? null, latencyMs: r.latencyMs ?? null, ttftMs: r.ttftMs ?? null, stream: r.stream ? 1 : 0,
        input: u.input ?? null, output: u.output ?? null, cacheRead: u.cacheRead ?? null, cacheWrite: u.cacheWrite ?? null,
        reasoning: u.reasoning ?? null, trail: r.trail?.length ? JSON.stringify(r.trail) : null, session: r.session ?? null, rule: r.rule ?? null,
      });
      const b = r.bodies;
      if (b)
        body.run(lastInsertRowid, b.clientRequest ?? null, b.upstreamRequest ?? null, b.upstreamResponse ?? null,
          b.upstreamEvents ?? null, b.clientResponse ?? null);
    }
    if (dropped) count.run(dropped);
  });
}

/** Deletes rows older than maxDays and all but the newest maxRows, with their bodies. */
export function prune(db: Database, r: Retention, now = Date.now()): number {
  let removed = 0;
  db.transaction(() => {
    if (r.maxDays !== undefined) {
      const before = now - r.maxDays * 86_400_000;
      db.run("DELETE FROM bodies WHERE request_id IN (SELECT id FROM requests WHERE time < ?)", [before]);
      removed += db.run("DELETE FROM requests WHERE time < ?", [before]).changes;
    }
    if (r.maxRows !== undefined) {
      const keep = db.query("SELECT id FROM requests ORDER BY id DESC LIMIT 1 OFFSET ?").get(r.maxRows - 1) as { id: number } | null;
      if (keep) {
        db.run("DELETE FROM bodies WHERE request_id < ?", [keep.id]);
        removed += db.run("DELETE FROM requests WHERE id < ?", [keep.id]).changes;
      }
    }
  })();
  return removed;
}

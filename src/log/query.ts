// Reads for `ccproxy logs`: the latest rows with filters, and sums per proxy model, target and key.
import type { Database } from "bun:sqlite";
import type { LogRow } from "./store.ts";

export interface RowView {
  id: number;
  time: string;
  client: string;
  route: string | null;
  group: string | null;
  model: string | null;
  target: string | null;
  keyLabel: string | null;
  attempts: number;
  failovers: number;
  status: number | null;
  error: string | null;
  latencyMs: number | null;
  ttftMs: number | null;
  stream: boolean;
  session: string | null;
  rule: string | null;
  tokens: { input: number | null; output: number | null; cacheRead: number | null; cacheWrite: number | null; reasoning: number | null };
  trail: unknown[] | null;
}

export interface Filter {
  model?: string;
  errors?: boolean;
  /** epoch ms */
  since?: number;
  /** only rows with a greater id (for --follow) */
  afterId?: number;
  limit?: number;
}

const COLUMNS = `id, time, client, route, grp, model, target, key_label, attempts, status, error, latency_ms, ttft_ms, stream,
  input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, trail, session, rule`;

function where(f: Filter): { sql: string; args: (string | number)[] } {
  const cond: string[] = [];
  const args: (string | number)[] = [];
  if (f.model !== undefined) cond.push("model = ?"), args.push(f.model);
  if (f.errors) cond.push("(error IS NOT NULL OR status >= 400)");
  if (f.since !== undefined) cond.push("time >= ?"), args.push(f.since);
  if (f.afterId !== undefined) cond.push("id > ?"), args.push(f.afterId);
  return { sql: cond.length ? `WHERE ${cond.join(" AND ")}` : "", args };
}

/** The newest `limit` rows matching, oldest first (as a table reads). */
export function latest(db: Database, f: Filter): RowView[] {
  const w = where(f);
  const rows = db.query(`SELECT ${COLUMNS} FROM requests ${w.sql} ORDER BY id DESC LIMIT ?`).all(...w.args, f.limit ?? 20) as any[];
  return rows.reverse().map((r) => ({
    id: r.id,
    time: new Date(r.time).toISOString(),
    client: r.client,
    route: r.route,
    group: r.grp,
    model: r.model,
    target: r.target,
    keyLabel: r.key_label,
    attempts: r.attempts,
    failovers: Math.max(0, r.attempts - 1),
    status: r.status,
    error: r.error,
    latencyMs: r.latency_ms === null ? null : Math.round(r.latency_ms),
    ttftMs: r.ttft_ms === null ? null : Math.round(r.ttft_ms),
    stream: r.stream === 1,
    session: r.session,
    rule: r.rule,
    tokens: {
      input: r.input_tokens,
      output: r.output_tokens,
      cacheRead: r.cache_read_tokens,
      cacheWrite: r.cache_write_tokens,
      reasoning: r.reasoning_tokens,
    },
    trail: r.trail ? JSON.parse(r.trail) : null,
  }));
}

/** A row not (yet) in a database, as `latest` would show it: the in-memory ring's rows. */
export function rowView(r: LogRow, id: number): RowView {
  const u = r.usage ?? {};
  const round = (v: number | undefined) => (v === undefined ? null : Math.round(v));
  return {
    id,
    time: new Date(r.time).toISOString(),
    client: r.client,
    route: r.route ?? null,
    group: r.group ?? null,
    model: r.model ?? null,
    target: r.target ?? null,
    keyLabel: r.keyLabel ?? null,
    attempts: r.attempts,
    failovers: Math.max(0, r.attempts - 1),
    status: r.status ?? null,
    error: r.error ?? null,
    latencyMs: round(r.latencyMs),
    ttftMs: round(r.ttftMs),
    stream: r.stream,
    session: r.session ?? null,
    rule: r.rule ?? null,
    tokens: { input: u.input ?? null, output: u.output ?? null, cacheRead: u.cacheRead ?? null, cacheWrite: u.cacheWrite ?? null, reasoning: u.reasoning ?? null },
    trail: r.trail ?? null,
  };
}

export interface StatsView {
  model: string | null;
  target: string | null;
  keyLabel: string | null;
  requests: number;
  errors: number;
  failovers: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
}

export function stats(db: Database, f: Filter): StatsView[] {
  const w = where(f);
  const rows = db
    .query(
      `SELECT model, target, key_label, count(*) AS requests,
         sum(error IS NOT NULL OR status >= 400) AS errors, sum(max(attempts - 1, 0)) AS failovers,
         total(input_tokens) AS input, total(output_tokens) AS output, total(cache_read_tokens) AS cache_read,
         total(cache_write_tokens) AS cache_write, total(reasoning_tokens) AS reasoning
       FROM requests ${w.sql} GROUP BY model, target, key_label ORDER BY requests DESC, model, target, key_label`,
    )
    .all(...w.args) as any[];
  return rows.map((r) => ({
    model: r.model,
    target: r.target,
    keyLabel: r.key_label,
    requests: r.requests,
    errors: r.errors,
    failovers: r.failovers,
    tokens: { input: r.input, output: r.output, cacheRead: r.cache_read, cacheWrite: r.cache_write, reasoning: r.reasoning },
  }));
}

/** Rows the proxy dropped: its log queue was full, or the database did not take them (a full disk). */
export function dropped(db: Database): number {
  return (db.query("SELECT value FROM counters WHERE name = 'dropped'").get() as { value: number } | null)?.value ?? 0;
}

// `ccproxy logs`: the latest requests from the log database the config names, as a table or JSON
// lines; `--follow` keeps printing, `--stats` sums requests and tokens per model, target and key.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import type { Database } from "bun:sqlite";
import { loadConfigParts } from "../config/load.ts";
import { openStore } from "../log/store.ts";
import { dropped, latest, stats, type Filter, type RowView, type StatsView } from "../log/query.ts";
import type { ParsedArgs } from "./args.ts";
import { printErrors } from "./start.ts";
import { printable } from "./console.ts";

export interface LogsIO {
  out: (line: string) => void;
  env: Record<string, string | undefined>;
  /** Ends --follow */
  signal?: AbortSignal;
  followEveryMs?: number;
  now?: number;
}

export async function logs(args: ParsedArgs, given: LogsIO = { out: (l) => console.log(l), env: process.env }): Promise<number> {
  // Rows hold what clients and upstreams said: every line is printed with its control characters escaped.
  const io = { ...given, out: (line: string) => given.out(printable(line)) };
  // Only the log's part of the config is read: a provider key set only where the proxy runs is not needed here.
  const cfg = loadConfigParts({ flag: args.config, env: io.env, cwd: process.cwd(), home: io.env.HOME ?? homedir() }, ["logging"]);
  if (!cfg.config) return printErrors(cfg.errors), 1;
  if (!cfg.config.logging.enabled) {
    console.error(`ccproxy: logging is off in ${cfg.path ?? "the built-in default"} (logging: { enabled: false }), so there is no request log to show`);
    return 1;
  }
  const path = cfg.config.logging.path;
  if (!existsSync(path)) {
    console.error(`ccproxy: no log database at ${path} (logging.path); the proxy creates it on its first request`);
    return 1;
  }
  const since = parseSince(args.since, io.now ?? Date.now());
  if (since === null) {
    console.error(`ccproxy: --since takes a period (30m, 24h, 7d) or a date (2026-01-31), not "${args.since}"`);
    return 2;
  }
  let db: Database;
  try {
    db = openStore(path, { create: false });
  } catch (e) {
    console.error(`ccproxy: cannot read the log at ${path}: ${(e as Error).message}`);
    return 1;
  }
  try {
    if (args.stats) {
      const from = since ?? (io.now ?? Date.now()) - 86_400_000;
      printStats(stats(db, { model: args.model, since: from }), dropped(db), from, !!args.json, io.out);
      return 0;
    }
    const filter: Filter = { model: args.model, errors: args.onlyErrors, since, limit: args.limit };
    let rows = latest(db, filter);
    printRows(rows, !!args.json, true, io.out);
    let last = rows.at(-1)?.id ?? (db.query("SELECT max(id) AS id FROM requests").get() as { id: number | null }).id ?? 0;
    while (args.follow && !io.signal?.aborted) {
      await Bun.sleep(io.followEveryMs ?? 500);
      rows = latest(db, { ...filter, afterId: last, limit: 1000 });
      if (rows.length) printRows(rows, !!args.json, false, io.out), (last = rows.at(-1)!.id);
    }
    return 0;
  } finally {
    db.close();
  }
}

/** "30m", "24h", "7d" back from now, or a date; undefined when not given, null when not understood. */
export function parseSince(s: string | undefined, now: number): number | undefined | null {
  if (s === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(s);
  if (m) return now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as "s" | "m" | "h" | "d"];
  const t = /^\d{4}-\d\d-\d\d/.test(s) ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? null : t;
}

const n = (v: number | null | undefined) => (v === null || v === undefined ? "-" : String(Math.round(v)));

function printRows(rows: RowView[], json: boolean, header: boolean, out: (l: string) => void) {
  if (json) return rows.forEach((r) => out(JSON.stringify(r)));
  const table = rows.map((r) => [
    localTime(r.time), r.client, r.model ?? "-", r.target ?? "-", r.keyLabel ?? "-", n(r.status), n(r.latencyMs),
    r.stream ? n(r.ttftMs) : "-", n(r.tokens.input), n(r.tokens.output),
    r.tokens.cacheRead || r.tokens.cacheWrite ? `${n(r.tokens.cacheRead)}/${n(r.tokens.cacheWrite)}` : "-",
    [r.failovers ? `${r.failovers} failover${r.failovers > 1 ? "s" : ""}` : "", r.error ? clip(r.error, 80) : ""].filter(Boolean).join("; "),
  ]);
  const head = ["TIME", "CLIENT", "MODEL", "TARGET", "KEY", "STATUS", "MS", "TTFT", "IN", "OUT", "CACHE R/W", "NOTE"];
  if (header && !rows.length) return out("no requests logged yet that match");
  for (const line of columns(header ? [head, ...table] : table, header ? undefined : head)) out(line);
}

function printStats(rows: StatsView[], droppedRows: number, from: number, json: boolean, out: (l: string) => void) {
  if (json) return rows.forEach((r) => out(JSON.stringify(r)));
  out(`since ${localTime(new Date(from).toISOString())}`);
  const t = (k: keyof StatsView["tokens"]) => rows.reduce((s, r) => s + r.tokens[k], 0);
  const body = rows.map((r) => [
    r.model ?? "-", r.target ?? "-", r.keyLabel ?? "-", String(r.requests), String(r.errors), String(r.failovers),
    String(r.tokens.input), String(r.tokens.output), String(r.tokens.cacheRead), String(r.tokens.cacheWrite), String(r.tokens.reasoning),
  ]);
  const total = ["total", "", "", ...(["requests", "errors", "failovers"] as const).map((k) => String(rows.reduce((s, r) => s + r[k], 0))),
    String(t("input")), String(t("output")), String(t("cacheRead")), String(t("cacheWrite")), String(t("reasoning"))];
  const head = ["MODEL", "TARGET", "KEY", "REQUESTS", "ERRORS", "FAILOVERS", "IN", "OUT", "CACHE READ", "CACHE WRITE", "REASONING"];
  for (const line of columns([head, ...body, total])) out(line);
  if (droppedRows) out(`${droppedRows} log rows were dropped (the log queue was full, or the disk)`);
}

/** Left-aligned columns, at least as wide as `head` (which follow lines line up under). */
export function columns(rows: string[][], head?: string[]): string[] {
  const sized = head ? [head, ...rows] : rows;
  const widths = sized[0]!.map((_, i) => Math.max(...sized.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (x: number) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s).replace(/\s+/g, " ");

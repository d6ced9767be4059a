// What the request log costs: three ccproxy processes (the built binary) with the log off, rows
// only, and rows with bodies, in front of an emulator of their own; wrk at concurrency 1 through
// each and straight to the emulator, interleaved in rounds so drift on a shared machine falls on all
// alike. Every figure is an added latency (proxied − direct of the same round), plain and streamed
// (claude→openai, the conversion a coding session sends); then the database size per 1,000 requests.
// A fourth process, the log off again, is the control: how far two identical proxies read apart is
// the noise any difference from off has to clear. Streams are also sent 1 ms apart ("paced"): a
// client of a real model sends requests seconds apart, so the log's batches then meet a process
// that is mostly idle rather than one kept busy back to back.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { stringify } from "yaml";
import { BINARY, CACHE } from "./setup.ts";
import { start, stop, type Proc } from "./procs.ts";
import { call, type Ports } from "./targets.ts";
import { wrk } from "./wrk.ts";
import { median } from "./stats.ts";

export const LOG_MODES = ["off", "rows", "bodies"] as const;
export type LogMode = (typeof LOG_MODES)[number];
/** The processes measured: each mode, and the control (the log off, a second time) */
export const LOG_TARGETS = [...LOG_MODES, "control"] as const;
export type LogTarget = (typeof LOG_TARGETS)[number];
const SETTINGS: Record<LogTarget, object> = { off: { enabled: false }, rows: { bodies: false }, bodies: { bodies: true }, control: { enabled: false } };

/** plain and streamed back to back; streamed with a pause between requests */
export const LOG_KINDS = ["plain", "stream", "paced"] as const;
export type LogKind = (typeof LOG_KINDS)[number];
export const PACED_DELAY_MS = 1;
export const LOG_KIND_NAMES: Record<LogKind, string> = { plain: "plain", stream: "stream", paced: `stream, ${PACED_DELAY_MS} ms apart` };

export interface LogCost {
  rounds: number;
  seconds: number;
  /** Added p50 (ms) per round, by kind and process */
  added: Record<LogKind, Record<LogTarget, number[]>>;
  /** Database KiB per 1,000 requests */
  kibPer1000: Record<"rows" | "bodies", number>;
}

/** A process's median added p50 over the log off's, in % (one kind's figures) */
export function percentOverOff(added: Record<LogTarget, number[]>, m: LogTarget): number {
  const off = median(added.off);
  return (100 * (median(added[m]) - off)) / off;
}

/** Runs the measurement on ports base … base+4; the binary must be built. */
export async function measureLog(o: { rounds: number; seconds: number; base: number }): Promise<LogCost> {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-bench-log-"));
  const logs = join(CACHE, "logs");
  mkdirSync(logs, { recursive: true });
  const portOf: Record<LogTarget, number> = { off: o.base + 1, rows: o.base + 2, bodies: o.base + 3, control: o.base + 4 };
  const ports = (proxy: number): Ports => ({ emulator: o.base, floor: 0, ccproxy: proxy, ccr: 0, portkey: 0 });
  const procs: Proc[] = [];
  try {
    procs.push(await start({ name: "log-emulator", cmd: ["bun", join(import.meta.dir, "emulator.ts"), String(o.base)], port: o.base }, logs));
    for (const mode of LOG_TARGETS) {
      const config = join(dir, `${mode}.yaml`);
      writeFileSync(
        config,
        stringify({
          listen: `127.0.0.1:${portOf[mode]}`,
          logging: { path: join(dir, `${mode}.db`), ...SETTINGS[mode] },
          providers: { emuo: { protocol: "openai", baseUrl: `http://127.0.0.1:${o.base}/v1`, keys: ["sk-bench"] } },
          models: { "claude-*": { targets: ["emuo/*"] } },
        }),
      );
      procs.push(await start({ name: `log-${mode}`, cmd: [BINARY, "--config", config], port: portOf[mode], env: { HOME: dir } }, logs));
    }

    const targets = ["direct", ...LOG_TARGETS] as const;
    const callOf = (t: (typeof targets)[number], kind: LogKind) => {
      const stream = kind !== "plain";
      return t === "direct" ? call("direct", "claude→openai", "fast", ports(0), stream) : call("ccproxy", "claude→openai", "fast", ports(portOf[t]), stream);
    };
    for (const kind of ["plain", "stream"] as const)
      for (const t of targets)
        for (let i = 0; i < 200; i++) {
          const c = callOf(t, kind);
          await (await fetch(c.url, { method: "POST", headers: c.headers, body: c.body })).text();
        }
    const p50: Record<string, number[]> = {};
    for (let r = 0; r < o.rounds; r++)
      for (const kind of LOG_KINDS)
        for (let k = 0; k < targets.length; k++) {
          const t = targets[(k + r) % targets.length]!;
          const delayMs = kind === "paced" ? PACED_DELAY_MS : undefined;
          const w = await wrk(callOf(t, kind), { seconds: o.seconds, connections: 1, threads: 1, check: kind === "plain", dir: CACHE, tag: "log", delayMs });
          if (w.errors || w.bad) throw new Error(`log ${t}: ${w.errors} errors, ${w.bad} bad replies`);
          (p50[`${t} ${kind}`] ??= []).push(w.pct["50"]! / 1000);
        }

    const added = (kind: LogKind) =>
      Object.fromEntries(LOG_TARGETS.map((m) => [m, p50[`${m} ${kind}`]!.map((x, i) => x - p50[`direct ${kind}`]![i]!)])) as Record<LogTarget, number[]>;
    await Bun.sleep(200); // the writers' last batches
    const kib = (m: "rows" | "bodies") => {
      const path = join(dir, `${m}.db`);
      const db = new Database(path);
      db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      const n = (db.query("SELECT count(*) AS n FROM requests").get() as { n: number }).n;
      db.close();
      return ((statSync(path).size / n) * 1000) / 1024;
    };
    return { rounds: o.rounds, seconds: o.seconds, added: { plain: added("plain"), stream: added("stream"), paced: added("paced") }, kibPer1000: { rows: kib("rows"), bodies: kib("bodies") } };
  } finally {
    for (const p of procs.reverse()) await stop(p.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

// What the request log costs: three ccproxy processes (the built binary), log off, rows only, rows
// and bodies, in front of the bench's emulator; wrk at concurrency 1 through each and straight to
// the emulator, interleaved in rounds so drift on a shared machine falls on all alike. Every figure
// is an added latency (proxied − direct of the same round); then the database size per 1,000
// requests. Run: bun bench/log.ts [--rounds N] [--seconds S]
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { stringify } from "yaml";
import { BINARY, CACHE, buildProxy, ensureTools } from "./setup.ts";
import { start, stop, type Proc } from "./procs.ts";
import { call, type Ports } from "./targets.ts";
import { wrk } from "./wrk.ts";
import { median } from "./stats.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg("--rounds", 8);
const SECONDS = arg("--seconds", 2);
const BASE = Number(process.env.BENCH_PORT ?? 18400) + 50;
const MODES = { off: { enabled: false }, rows: { bodies: false }, bodies: { bodies: true } } as const;
type Mode = keyof typeof MODES;

await ensureTools();
await buildProxy();
const dir = mkdtempSync(join(tmpdir(), "ccproxy-bench-log-"));
const logs = join(CACHE, "logs");
mkdirSync(logs, { recursive: true });
const ports = (proxy: number): Ports => ({ emulator: BASE, floor: 0, ccproxy: proxy, ccr: 0, portkey: 0 });
const portOf: Record<Mode, number> = { off: BASE + 1, rows: BASE + 2, bodies: BASE + 3 };

const procs: Proc[] = [];
try {
  procs.push(await start({ name: "log-emulator", cmd: ["bun", join(import.meta.dir, "emulator.ts"), String(BASE)], port: BASE }, logs));
  for (const mode of Object.keys(MODES) as Mode[]) {
    const config = join(dir, `${mode}.yaml`);
    writeFileSync(
      config,
      stringify({
        listen: `127.0.0.1:${portOf[mode]}`,
        logging: { path: join(dir, `${mode}.db`), ...MODES[mode] },
        providers: { emuo: { protocol: "openai", baseUrl: `http://127.0.0.1:${BASE}/v1`, keys: ["sk-bench"] } },
        models: { "claude-*": { targets: ["emuo/*"] } },
      }),
    );
    procs.push(await start({ name: `log-${mode}`, cmd: [BINARY, "--config", config], port: portOf[mode], env: { HOME: dir } }, logs));
  }

  // Claude client → OpenAI upstream: the conversion a coding session sends, plain and streamed.
  const targets: ("direct" | Mode)[] = ["direct", ...(Object.keys(MODES) as Mode[])];
  const callOf = (t: (typeof targets)[number], stream: boolean) =>
    t === "direct" ? call("direct", "claude→openai", "fast", ports(0), stream) : call("ccproxy", "claude→openai", "fast", ports(portOf[t]), stream);
  const p50: Record<string, number[]> = {};
  const requests: Record<string, number> = {};
  for (const stream of [false, true]) for (const t of targets) for (let i = 0; i < 200; i++) await (await fetch(callOf(t, stream).url, { method: "POST", headers: callOf(t, stream).headers, body: callOf(t, stream).body })).text();
  for (let r = 0; r < ROUNDS; r++)
    for (const stream of [false, true])
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(k + r) % targets.length]!;
        const w = await wrk(callOf(t, stream), { seconds: SECONDS, connections: 1, threads: 1, check: !stream, dir: CACHE, tag: "log" });
        if (w.errors || w.bad) throw new Error(`${t}: ${w.errors} errors, ${w.bad} bad replies`);
        (p50[`${t} ${stream}`] ??= []).push(w.pct["50"]! / 1000);
        requests[t] = (requests[t] ?? 0) + w.requests;
      }

  console.log(`ccproxy binary, claude→openai, wrk -c1, ${ROUNDS} rounds × ${SECONDS} s per target and kind`);
  console.log("kind    log      added p50 ms (min…max)      vs off");
  for (const stream of [false, true]) {
    const added = (m: Mode) => p50[`${m} ${stream}`]!.map((x, i) => x - p50[`direct ${stream}`]![i]!);
    const off = median(added("off"));
    for (const m of Object.keys(MODES) as Mode[]) {
      const a = added(m);
      const rel = m === "off" ? "" : `${median(a) >= off ? "+" : ""}${(((median(a) - off) / off) * 100).toFixed(1)}%`;
      console.log(`${stream ? "stream" : "plain "}  ${m.padEnd(7)}  ${median(a).toFixed(4)} (${Math.min(...a).toFixed(4)}…${Math.max(...a).toFixed(4)})   ${rel}`);
    }
  }
  for (const m of ["rows", "bodies"] as const) {
    const path = join(dir, `${m}.db`);
    await Bun.sleep(200); // the writer's last batch
    const db = new Database(path);
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const n = (db.query("SELECT count(*) AS n FROM requests").get() as { n: number }).n;
    db.close();
    const bytes = statSync(path).size;
    console.log(`${m}: ${n} rows (${requests[m]} sent), ${(bytes / 1024).toFixed(0)} KiB: ${((bytes / n) * 1000 / 1024).toFixed(0)} KiB per 1,000 requests`);
  }
} finally {
  for (const p of procs.reverse()) await stop(p.child);
  rmSync(dir, { recursive: true, force: true });
}

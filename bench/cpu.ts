// CPU per request, added latency and time to first token of one or more ccproxy binaries against
// the floor, in interleaved rounds: a narrower, faster A/B than `bun run bench` for work on the
// request path. Each binary runs the bench's config with its own port.
// Usage: bun bench/cpu.ts [--rounds N] [--seconds S] [--only claude→openai,…] [NAME=BINARY[|YAML] …]
// (YAML: a flow mapping merged over the bench's config, e.g. 'nolog=bench/.cache/ccproxy|{logging: {enabled: false}}')
// (no NAME=BINARY: builds this checkout into bench/.cache/ccproxy-cpu and measures it alone)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { CACHE } from "./setup.ts";
import { call, specs, FETCH_LIMIT, type Ports } from "./targets.ts";
import { cpuUs, start, stop, type Proc } from "./procs.ts";
import { DIRECTIONS, streams, type Direction } from "./payloads.ts";
import { pooled, wrk, type WrkResult } from "./wrk.ts";
import { timeStream } from "./stream.ts";
import { median } from "./stats.ts";

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const ROUNDS = opt("--rounds", 3);
const SECONDS = opt("--seconds", 2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1]!.split(",") : undefined;
const directions = DIRECTIONS.filter((d) => !only || only.includes(d));
const LOGS = join(CACHE, "logs");
mkdirSync(LOGS, { recursive: true });

let bins = args.filter((a) => a.includes("=") && !a.startsWith("--")).map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] as [string, string]);
if (!bins.length) {
  const out = join(CACHE, "ccproxy-cpu");
  const b = Bun.spawnSync(["bun", "run", "build.ts", out], { cwd: join(import.meta.dir, ".."), stdout: "inherit", stderr: "inherit" });
  if (b.exitCode !== 0) process.exit(1);
  bins = [["ccproxy", out]];
}

const base = Number(process.env.BENCH_PORT ?? 18600);
const ports: Ports = { emulator: base, floor: base + 1, ccproxy: base + 2, ccr: 0, portkey: 0 };
const spec = specs(ports);
const config = readFileSync(join(CACHE, "ccproxy.bench.yaml"), "utf8");

type Target = "direct" | "floor" | string;
const targets: Target[] = ["direct", "floor", ...bins.map(([n]) => n)];
const procs: Record<string, Proc> = {};
const portOf: Record<string, number> = {};

function callOf(t: Target, d: Direction, mode: "fast" | "paced", stream?: boolean) {
  if (t === "direct" || t === "floor") return call(t, d, mode, ports, stream);
  const c = call("ccproxy", d, mode, ports, stream);
  return { ...c, url: c.url.replace(`:${ports.ccproxy}/`, `:${portOf[t]}/`) };
}

interface Row {
  p50: number[];
  lats: WrkResult[];
  cpu: number[];
  cpuStream: number[];
  ttft: number[];
}
const rows: Record<string, Row> = {};
const row = (t: Target, d: Direction) => (rows[`${d} ${t}`] ??= { p50: [], lats: [], cpu: [], cpuStream: [], ttft: [] });
const rotate = <T>(xs: T[], r: number) => xs.map((_, i) => xs[(i + r) % xs.length]!);

// A health check a second to each binary: its turns come 15-20 s apart, and a ccproxy left alone
// for 5 s throws its compiled code away (src/server/idle.ts), so each turn would time the JIT
// compiling again: 2.8x the floor's CPU against 2.0x for the same build with no idle collector.
let poke: ReturnType<typeof setInterval> | undefined;
try {
  procs.emulator = await start(spec.emulator, LOGS);
  procs.floor = await start({ ...spec.floor, env: FETCH_LIMIT }, LOGS);
  for (const [i, [name, bin]] of bins.entries()) {
    const port = base + 3 + i;
    portOf[name] = port;
    const file = join(CACHE, `ccproxy.cpu-${name}.yaml`);
    const [path, overlay] = bin.split("|") as [string, string | undefined];
    const mine = { ...parse(config), ...(overlay ? parse(overlay) : {}), listen: `127.0.0.1:${port}` };
    writeFileSync(file, stringify(mine));
    const home = join(CACHE, `cpu-home-${name}`);
    rmSync(home, { recursive: true, force: true }); // a fresh log each run: rows of earlier runs would weigh on this one's
    procs[name] = await start({ name: `cpu-${name}`, cmd: [path, "--config", file], port, env: { HOME: home } }, LOGS);
  }
  poke = setInterval(() => {
    for (const [name] of bins) fetch(`http://127.0.0.1:${portOf[name]}/health`).catch(() => {});
  }, 1000);
  const pid = (t: Target) => procs[t === "direct" ? "emulator" : t]!.child.pid;
  // Every path warmed under load, as `bun run bench` does: until the JIT has compiled what is timed.
  for (const d of directions)
    for (const t of targets)
      for (const stream of streams(d) ? [false, true] : [false])
        await wrk(callOf(t, d, "fast", stream), { seconds: 2, connections: 8, threads: 1, check: false, dir: CACHE, tag: "cpu-warm" });

  for (let r = 0; r < ROUNDS; r++) {
    console.error(`round ${r + 1}/${ROUNDS}`);
    for (const d of directions)
      for (const t of rotate(targets, r)) {
        const x = row(t, d);
        const fast = callOf(t, d, "fast");
        const lat = await wrk(fast, { seconds: SECONDS / 2, connections: 1, threads: 1, check: true, dir: CACHE, tag: "cpu-lat" });
        if (lat.bad || lat.errors) throw new Error(`${t} ${d}: ${lat.bad} bad, ${lat.errors} errors`);
        x.p50.push(lat.pct["50"]! / 1000);
        x.lats.push(lat);
        for (const [stream, into] of [[false, x.cpu], [true, x.cpuStream]] as const) {
          const c = callOf(t, d, "fast", stream);
          const c0 = cpuUs(pid(t));
          const w = await wrk(c, { seconds: SECONDS, connections: 32, threads: 1, check: false, dir: CACHE, tag: "cpu-tp" });
          into.push((cpuUs(pid(t)) - c0) / w.requests);
        }
        if (!streams(d)) continue; // embeddings: no stream, no TTFT
        const paced = callOf(t, d, "paced");
        // a few paced streams staggered 40 ms apart: each first delta arrives on a quiet proxy
        const ts = await Promise.all(Array.from({ length: 8 }, (_, i) => Bun.sleep(i * 40).then(() => timeStream(paced))));
        x.ttft.push(median(ts.map((s) => s.ttftMs)));
      }
  }
} finally {
  clearInterval(poke);
  for (const p of Object.values(procs)) await stop(p.child);
}

const f = (n: number, dp = 3) => (Number.isFinite(n) ? n.toFixed(dp) : "–");
console.log(`\n${ROUNDS} rounds × ${SECONDS} s; medians over rounds; added = target − direct of the same round (p99: the requests' own, pooled over rounds)`);
console.log("| direction | target | added p50 ms | added p99 ms | added TTFT ms | CPU µs/req | × floor | CPU µs/stream | × floor |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const d of directions) {
  const dir = row("direct", d);
  const fl = row("floor", d);
  const added = (xs: number[], ys: number[]) => median(xs.map((v, i) => v - ys[i]!));
  for (const t of targets.slice(1)) {
    const x = row(t, d);
    console.log(
      `| ${d} | ${t} | ${f(added(x.p50, dir.p50))} | ${f(pooled(x.lats, 99).ms - pooled(dir.lats, 99).ms)} | ${f(added(x.ttft, dir.ttft))} | ${f(median(x.cpu), 1)} | ${f(median(x.cpu.map((v, i) => v / fl.cpu[i]!)), 2)} | ${f(median(x.cpuStream), 1)} | ${f(median(x.cpuStream.map((v, i) => v / fl.cpuStream[i]!)), 2)} |`,
    );
  }
}

// `bun run bench [--quick] [--no-peers]`: builds ccproxy, starts the emulator, the floor, ccproxy and
// the peers, measures them in interleaved rounds against direct calls to the emulator, and writes
// bench/results/latest.md and bench/results/latency.png.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CACHE, buildProxy, ensurePeers, ensureTools } from "./setup.ts";
import { call, specs, targetsFor, PROXIES, type Ports, type TargetName } from "./targets.ts";
import { cpuUs, rssMb, start, stop, type Proc } from "./procs.ts";
import { holdStreams, mixedLoad } from "./memory.ts";
import { DIRECTIONS, streams, type Direction } from "./payloads.ts";
import { wrk } from "./wrk.ts";
import { timeStream } from "./stream.ts";
import { median } from "./stats.ts";
import { QUIET_MS, writeReport, type Results, type Slot } from "./report.ts";
import { routerCost } from "./router.ts";
import { rulesCost } from "./rules.ts";
import { measureLog } from "./logcost.ts";
import { measureMetricsAndShare } from "./sharecost.ts";

const quick = process.argv.includes("--quick");
const withPeers = !process.argv.includes("--no-peers");
// ttftStreams: unpaced streams per round and slot, timed to their first delta beside the paced ones;
// growth1, growth2: the request counts RSS is read after (mixed directions, plain and streamed, from
// start-up, growthConcurrency at a time);
// burstSeconds: wrk at TP_CONNECTIONS on fresh processes, before the held streams.
export const PLAN = quick
  ? { startRounds: 3, warmSeconds: 1, latRounds: 3, latSeconds: 1, tpRounds: 2, tpSeconds: 1, streamRounds: 3, streamsPerRound: 1, ttftStreams: 30, idleMs: 20, idleRequests: 10, hold: 1000, growth1: 1000, growth2: 10000, growthConcurrency: 4, burstSeconds: 2, logRounds: 2, logSeconds: 1, shareRounds: 4, shareSeconds: 1, shareEvents: 50 }
  : { startRounds: 5, warmSeconds: 2, latRounds: 5, latSeconds: 2, tpRounds: 3, tpSeconds: 3, streamRounds: 5, streamsPerRound: 3, ttftStreams: 60, idleMs: 20, idleRequests: 20, hold: 1000, growth1: 1000, growth2: 10000, growthConcurrency: 4, burstSeconds: 5, logRounds: 8, logSeconds: 2, shareRounds: 8, shareSeconds: 2, shareEvents: 200 };
const TP_CONNECTIONS = 32;
const WARM_REQUESTS = 200;
/** Connections of the warm-up under load: enough to run every path many thousand times */
const WARM_CONNECTIONS = 8;
const WARM_STREAMS = 100;
const LOGS = join(CACHE, "logs");

async function freePorts(): Promise<Ports> {
  for (let base = Number(process.env.BENCH_PORT ?? 18400), i = 0; i < 50; i++, base += 15) {
    try {
      // base+5 … base+9: the request log's phase (bench/logcost.ts), its emulator and four proxies;
      // base+10 … base+14: the metrics and sharing phase's (bench/sharecost.ts)
      for (let p = base; p < base + 15; p++) Bun.listen({ hostname: "127.0.0.1", port: p, socket: { data() {} } }).stop(true);
      return { emulator: base, floor: base + 1, ccproxy: base + 2, ccr: base + 3, portkey: base + 4 };
    } catch {
      // taken: try the next block
    }
  }
  throw new Error("no 15 free ports found from BENCH_PORT (default 18400)");
}

const rotate = <T>(xs: T[], by: number) => xs.map((_, i) => xs[(i + by) % xs.length]!);
const T0 = performance.now();
const log = (s: string) => console.log(`bench: ${((performance.now() - T0) / 1000).toFixed(0).padStart(4)} s  ${s}`);

async function main() {
  await ensureTools();
  const peerProblem = withPeers ? await ensurePeers() : "skipped (--no-peers)";
  if (peerProblem) log(`peers not measured: ${peerProblem}`);
  await buildProxy();
  mkdirSync(LOGS, { recursive: true });
  const ports = await freePorts();
  const spec = specs(ports);
  let proxies = PROXIES.filter((p) => !peerProblem || (p !== "ccr" && p !== "portkey"));
  let slots: Slot[] = DIRECTIONS.flatMap((d) => targetsFor(d, !peerProblem).map((t) => ({ direction: d, target: t })));
  const results: Results = { plan: PLAN, ports, slots, startup: {}, latency: {}, idle: {}, throughput: {}, streams: {}, memory: {}, broken: {}, peerProblem };
  const key = (s: Slot) => `${s.direction} ${s.target}`;

  // A peer that will not start is left out of the run (and named in the report); ccproxy must start.
  const drop = (name: TargetName, why: string) => {
    if (name === "ccproxy" || name === "floor") throw new Error(`${name}: ${why}`);
    results.broken[name] = why;
    proxies = proxies.filter((p) => p !== name);
    slots = slots.filter((s) => s.target !== name);
    results.slots = slots;
  };

  log("router: plan + succeed per request, in process");
  results.router = routerCost();
  log("when rules: routeByRule per request, in process");
  results.rules = rulesCost();

  log("start-up: exec → first answered request");
  for (let r = 0; r < PLAN.startRounds; r++)
    for (const name of rotate(proxies, r)) {
      try {
        const p = await start(spec[name], LOGS);
        (results.startup[name] ??= []).push(p.startMs);
        await stop(p.child);
      } catch (e) {
        drop(name, (e as Error).message);
      }
    }

  const running: Partial<Record<TargetName | "emulator", Proc>> = {};
  try {
    running.emulator = await start(spec.emulator, LOGS);
    for (const name of proxies) running[name] = await start(spec[name], LOGS).catch((e) => void drop(name, e.message));
    const pidOf = (t: TargetName) => (t === "direct" ? running.emulator! : running[t]!).child.pid;

    log("warm-up and reply check");
    for (const s of slots) {
      const c = call(s.target, s.direction, "fast", ports);
      for (let i = 0; i < WARM_REQUESTS; i++) {
        const res = await fetch(c.url, { method: "POST", headers: c.headers, body: c.body });
        const text = await res.text();
        const missing = c.markers.filter((m) => !text.includes(m));
        if (res.status !== 200 || missing.length) {
          results.broken[key(s)] = `HTTP ${res.status}, missing ${missing.join(", ")}: ${text.slice(0, 200)}`;
          break;
        }
      }
      // Streams too, so the stream path is as warm as the plain one when it is timed.
      if (!streams(s.direction)) continue;
      const burst = call(s.target, s.direction, "fast", ports, true);
      for (let i = 0; i < WARM_STREAMS && !results.broken[key(s)]; i++)
        await timeStream(burst).catch((e) => (results.broken[key(s)] = `stream: ${e.message}`));
      await timeStream(call(s.target, s.direction, "paced", ports)).catch((e) => (results.broken[key(s)] = `stream: ${e.message}`));
    }
    const live = slots.filter((s) => !results.broken[key(s)]);
    // Then under load, until the JIT has compiled what the timed phases run: a young ccproxy spends
    // ~1.4 s of CPU compiling over its first ~10,000 requests (bench/README.md), which is not a cost
    // per request and, on two cores, would otherwise land in the first phases' tails.
    log(`warm-up under load: ${live.length} slots × ${PLAN.warmSeconds} s plain and streamed at ${WARM_CONNECTIONS} connections`);
    for (const s of live)
      for (const stream of streams(s.direction) ? [false, true] : [false]) {
        const c = call(s.target, s.direction, "fast", ports, stream);
        await wrk(c, { seconds: PLAN.warmSeconds, connections: WARM_CONNECTIONS, threads: 1, check: false, dir: CACHE, tag: "warm" });
      }
    await Bun.sleep(1000);
    for (const name of proxies) results.memory[name] = { idle: rssMb(running[name]!.child.pid) };

    log(`latency at concurrency 1: ${PLAN.latRounds} rounds × ${live.length} slots × ${PLAN.latSeconds} s`);
    for (let r = 0; r < PLAN.latRounds; r++)
      for (const s of rotate(live, r)) {
        const c = call(s.target, s.direction, "fast", ports);
        const w = await wrk(c, { seconds: PLAN.latSeconds, connections: 1, threads: 1, check: true, dir: CACHE, tag: "latency" });
        (results.latency[key(s)] ??= []).push(w);
      }

    log(`throughput at ${TP_CONNECTIONS} connections: ${PLAN.tpRounds} rounds × ${live.length} slots × ${PLAN.tpSeconds} s`);
    for (let r = 0; r < PLAN.tpRounds; r++)
      for (const s of rotate(live, r)) {
        const c = call(s.target, s.direction, "fast", ports);
        const pid = pidOf(s.target);
        const cpu0 = cpuUs(pid);
        const w = await wrk(c, { seconds: PLAN.tpSeconds, connections: TP_CONNECTIONS, threads: 1, check: false, dir: CACHE, tag: "throughput" });
        const cpu = cpuUs(pid) - cpu0;
        (results.throughput[key(s)] ??= []).push({ rps: w.requests / (w.durationUs / 1e6), cpuUsPerReq: cpu / w.requests, errors: w.errors });
      }

    log(`latency after idle: ${PLAN.streamRounds} rounds × ${live.length} slots × ${PLAN.idleRequests} requests, ${PLAN.idleMs} ms apart`);
    for (let r = 0; r < PLAN.streamRounds; r++)
      for (const s of rotate(live, r)) {
        const c = call(s.target, s.direction, "fast", ports);
        const ms: number[] = [];
        for (let i = 0; i < PLAN.idleRequests; i++) {
          await Bun.sleep(PLAN.idleMs);
          const t = performance.now();
          const text = await (await fetch(c.url, { method: "POST", headers: c.headers, body: c.body })).text();
          ms.push(c.markers.every((m) => text.includes(m)) ? performance.now() - t : NaN);
        }
        (results.idle[key(s)] ??= []).push({ p50: median(ms.filter(Number.isFinite)), bad: ms.filter((x) => !Number.isFinite(x)).length });
      }

    const streamed = live.filter((s) => streams(s.direction));
    log(`streams: ${PLAN.streamRounds} rounds × ${streamed.length} slots × ${PLAN.streamsPerRound} paced streams`);
    for (let r = 0; r < PLAN.streamRounds; r++)
      for (const s of rotate(streamed, r)) {
        const c = call(s.target, s.direction, "paced", ports);
        const runs = [];
        for (let i = 0; i < PLAN.streamsPerRound; i++) runs.push(await timeStream(c));
        // More first deltas than paced streams give: an unpaced stream's first delta leaves the
        // emulator as a paced one's does, and costs a millisecond, not 320.
        const fast = call(s.target, s.direction, "fast", ports, true);
        const ttft = runs.map((x) => x.ttftMs);
        for (let i = 0; i < PLAN.ttftStreams; i++) ttft.push((await timeStream(fast)).ttftMs);
        (results.streams[key(s)] ??= []).push({
          ttftMs: median(ttft),
          ttftN: ttft.length,
          transitMs: median(runs.flatMap((x) => x.transitMs)),
          gapMs: median(runs.flatMap((x) => x.gapMs)),
          chunks: Math.min(...runs.map((x) => x.chunks)),
          upstream: runs[0]!.upstream,
        });
      }

    // Memory over time, on fresh processes: RSS at rest after start-up, after PLAN.growth1 and
    // growth2 requests of every direction the proxy serves (plain and streamed), after a burst at
    // TP_CONNECTIONS, with PLAN.hold held streams, after they end, and after a quiet spell.
    log(`memory: fresh processes; ${PLAN.growth1} and ${PLAN.growth2} mixed requests, a ${PLAN.burstSeconds} s burst, ${PLAN.hold} held streams`);
    const emu = running.emulator.url;
    for (const name of proxies) await stop(running[name]!.child);
    const fresh: typeof proxies = [];
    for (const name of proxies) {
      // A peer that will not start again is left out of this phase; ccproxy and the floor must start.
      const p = await start(spec[name], LOGS).catch((e) => {
        if (name === "ccproxy" || name === "floor") throw e;
        results.broken[`${name} memory`] = e.message;
      });
      if (p) (running[name] = p), fresh.push(name);
      else delete running[name];
    }
    await Bun.sleep(1000);
    const pid = (name: TargetName) => running[name]!.child.pid;
    for (const name of fresh) Object.assign(results.memory[name]!, { fresh: rssMb(pid(name)), bad: 0 });
    const mix = (name: TargetName) =>
      DIRECTIONS.filter((d) => slots.some((s) => s.direction === d && s.target === name)).flatMap((d) =>
        [call(name, d, "fast", ports), ...(streams(d) ? [call(name, d, "fast", ports, true)] : [])],
      );
    let sent = 0;
    for (const [upto, field] of [[PLAN.growth1, "after1"], [PLAN.growth2, "after2"]] as const) {
      for (const name of fresh) {
        results.memory[name]!.bad! += await mixedLoad(mix(name), upto - sent, PLAN.growthConcurrency, sent);
      }
      // Read at rest, as the quiet figure is: growth is about what stays, not garbage not yet collected.
      await Bun.sleep(QUIET_MS);
      for (const name of fresh) results.memory[name]![field] = rssMb(pid(name));
      sent = upto;
    }
    const own = (name: TargetName): Direction => (name === "portkey" ? "openai→claude" : "claude→openai");
    for (const name of fresh) {
      const w = await wrk(call(name, own(name), "fast", ports), { seconds: PLAN.burstSeconds, connections: TP_CONNECTIONS, threads: 1, check: false, dir: CACHE, tag: "burst" });
      await Bun.sleep(1000);
      Object.assign(results.memory[name]!, { burst: rssMb(pid(name)), burstRequests: w.requests });
    }
    for (const name of fresh) {
      const d = own(name);
      await fetch(`${emu}/_hold`, { method: "POST" });
      const held = await holdStreams(JSON.stringify(call(name, d, "hold", ports)), PLAN.hold, pid(name), emu);
      Object.assign(results.memory[name]!, held, { direction: d });
    }
    // A proxy at rest: long after the last request, as between a user's sessions.
    await Bun.sleep(QUIET_MS);
    for (const name of fresh) results.memory[name]!.quiet = rssMb(pid(name));
  } finally {
    for (const p of Object.values(running)) await stop(p.child);
  }
  // Alone, once everything else has stopped: four ccproxy processes of its own (bench/logcost.ts).
  log(`request log: off, rows, bodies, control: ${PLAN.logRounds} rounds × 5 targets × 3 kinds × ${PLAN.logSeconds} s`);
  results.log = await measureLog({ rounds: PLAN.logRounds, seconds: PLAN.logSeconds, base: ports.emulator + 5 });
  // Then, alone too: a redis-server and four more ccproxy processes (bench/sharecost.ts).
  log(`metrics and shared pair health: ${PLAN.shareEvents} cool events; base, metrics, metrics + redis, control: ${PLAN.shareRounds} rounds × 5 targets × 2 kinds × ${PLAN.shareSeconds} s`);
  results.share = await measureMetricsAndShare({ rounds: PLAN.shareRounds, seconds: PLAN.shareSeconds, base: ports.emulator + 10, events: PLAN.shareEvents });
  results.seconds = (performance.now() - T0) / 1000;
  const out = await writeReport(results);
  log(`wrote ${out.join(" and ")} in ${results.seconds.toFixed(0)} s`);
}

await main();

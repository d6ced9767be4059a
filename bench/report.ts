// The run's figures as bench/results/latest.md (every figure against the direct call of the same
// round: median of round medians, min…max over rounds) and the latency chart as SVG → PNG.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { BINARY, CACHE, PEERS, PEERS_DIR, ROOT } from "./setup.ts";
import { DIRECTIONS, PACED_DELTAS, PACED_GAP_MS, streams as streamed, type Direction } from "./payloads.ts";
import type { RouterCost } from "./router.ts";
import type { RulesCost } from "./rules.ts";
import { LOG_KINDS, LOG_KIND_NAMES, LOG_TARGETS, PACED_DELAY_MS, percentOverOff, type LogCost } from "./logcost.ts";
import { SHARE_KINDS, SHARE_TARGETS, SHARE_TARGET_NAMES, percentOverBase, type Propagation, type ShareCost } from "./sharecost.ts";
import type { Ports, TargetName } from "./targets.ts";
import { PERCENTILES, pooled, type WrkResult } from "./wrk.ts";
import { summarize, median, type Summary } from "./stats.ts";
import { added, f, key, own, ratio, sum, table } from "./rounds.ts";
import { floorRatios, pooledAdded } from "./ratios.ts";
import { chartSvg } from "./chart.ts";

export interface Slot {
  direction: Direction;
  target: TargetName;
}
export interface Memory {
  /** 1 s after start-up and the warm-up (the processes of the latency, throughput and stream phases) */
  idle: number;
  /** the memory phase's own processes: 1 s after start-up, no request yet */
  fresh?: number;
  /** 1 s after PLAN.growth1 and after PLAN.growth2 requests since start-up, mixed directions, plain and streamed */
  after1?: number;
  after2?: number;
  /** mixed requests that failed their check */
  bad?: number;
  /** 1 s after a burst at 32 connections of `burstRequests` requests */
  burst?: number;
  burstRequests?: number;
  held?: number;
  heldStreams?: number;
  completed?: number;
  chunks?: number;
  after?: number;
  /** RSS after QUIET_MS without a request */
  quiet?: number;
  direction?: Direction;
}
export interface Results {
  plan: Record<string, number>;
  ports: Ports;
  slots: Slot[];
  startup: Partial<Record<TargetName, number[]>>;
  latency: Record<string, WrkResult[]>;
  /** per round: median latency (ms) of requests sent after a pause, and replies that failed the check */
  idle: Record<string, { p50: number; bad: number }[]>;
  throughput: Record<string, { rps: number; cpuUsPerReq: number; errors: number }[]>;
  /** per round: ttftMs is the median over ttftN streams (paced and unpaced) */
  streams: Record<string, { ttftMs: number; ttftN?: number; transitMs: number; gapMs: number; chunks: number; upstream?: string }[]>;
  memory: Partial<Record<TargetName, Memory>>;
  broken: Record<string, string>;
  peerProblem?: string;
  seconds?: number;
  /** ns per request the router takes in process (bench/router.ts) */
  router?: RouterCost;
  /** ns per request `when` rules take in process (bench/rules.ts) */
  rules?: RulesCost;
  /** The request log off, rows only, with bodies (bench/logcost.ts) */
  log?: LogCost;
  /** Metrics off and on, Redis sharing up, and shared health's propagation (bench/sharecost.ts) */
  share?: { propagation: Propagation; cost: ShareCost };
}

const RESULTS = join(import.meta.dir, "results");
/** How long the proxies rest before the last memory figure */
export const QUIET_MS = 12_000;
const sh = (cmd: string[]) => {
  try {
    const p = Bun.spawnSync(cmd, { cwd: ROOT, stderr: "pipe" });
    return (p.stdout.toString() || p.stderr.toString()).trim().split("\n")[0]!;
  } catch {
    return "–";
  }
};
const pkgVersion = (pkg: string) => {
  const file = join(PEERS_DIR, "node_modules", pkg, "package.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : "–";
};

function header(r: Results): string[] {
  const dirty = sh(["git", "status", "--porcelain", "--", ".", ":!bench/results"]) ? " (uncommitted changes)" : "";
  return [
    "# ccproxy benchmark",
    "",
    `Run ${new Date().toISOString()}, ${f(r.seconds ?? NaN, 0)} s, commit \`${sh(["git", "rev-parse", "--short", "HEAD"])}\`${dirty}.`,
    "",
    "| | |",
    "| --- | --- |",
    `| hardware | ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()} |`,
    `| versions | ccproxy ${sh([BINARY, "--version"])}, Bun ${Bun.version}, ${sh(["node", "--version"])} (peers), ${sh(["wrk", "-v"]).split(" [")[0]}, claude-code-router ${pkgVersion(PEERS.ccr.pkg)}, Portkey gateway ${pkgVersion(PEERS.portkey.pkg)} with @hono/node-server ${pkgVersion("@hono/node-server")} |`,
    `| emulator | zero delay (pre-serialised replies); paced streams ${PACED_DELTAS} deltas × ${PACED_GAP_MS} ms; held streams wait for a release |`,
    `| plan | ${Object.entries(r.plan).map(([k, v]) => `${k} ${v}`).join(", ")} |`,
    "",
    "Figures: median over rounds of each round's median, (min…max over rounds). Direct and proxied calls are interleaved in every round, " +
      "and every added figure is proxied minus direct **of the same round**. The machine is shared, so absolute figures are noisy; the deltas and ratios are what to read.",
    ...(r.peerProblem ? ["", `Peers not measured: ${r.peerProblem}.`] : []),
    ...Object.entries(r.broken).map(([k, why]) => `\n**${k} excluded**: ${why}`),
  ];
}

interface Check {
  what: string;
  value: string;
  met: boolean | undefined;
}

export async function writeReport(r: Results): Promise<string[]> {
  mkdirSync(RESULTS, { recursive: true });
  const proxied = (d: Direction) => [...new Set(r.slots.filter((s) => s.direction === d && s.target !== "direct").map((s) => s.target))];
  const lat = (p: string) => (w: WrkResult) => w.pct[p]! / 1000;
  const checks: Check[] = [];
  const check = (what: string, s: Summary | number, ok: (x: number) => boolean, digits = 3) => {
    const x = typeof s === "number" ? s : s.median;
    checks.push({ what, value: f(x, digits), met: Number.isFinite(x) ? ok(x) : undefined });
  };

  const latency = DIRECTIONS.flatMap((d) =>
    ["direct" as TargetName, ...proxied(d)].map((t) => {
      const ws = r.latency[key(d, t)] ?? [];
      const bad = ws.reduce((a, w) => a + w.bad + w.errors, 0);
      const n = ws.reduce((a, w) => a + w.requests, 0);
      const p99 = pooled(ws, 99);
      return [d, t, sum(own(r.latency, d, t, lat("50"))), t === "direct" ? "" : sum(added(r.latency, d, t, lat("50"))),
        `${f(p99.ms)} (n = ${p99.n})`, t === "direct" ? "" : f(pooledAdded(r, d, t).ms),
        sum(own(r.latency, d, t, lat("99"))), t === "direct" ? "" : sum(added(r.latency, d, t, lat("99"))), `${bad} / ${n}`];
    }),
  );
  const idle = DIRECTIONS.flatMap((d) =>
    ["direct" as TargetName, ...proxied(d)].map((t) => [
      d, t, sum(own(r.idle, d, t, (x) => x.p50)), t === "direct" ? "" : sum(added(r.idle, d, t, (x) => x.p50)),
      String((r.idle[key(d, t)] ?? []).reduce((a, x) => a + x.bad, 0)),
    ]),
  );
  const tp = DIRECTIONS.flatMap((d) =>
    ["direct" as TargetName, ...proxied(d)].map((t) => [
      d, t, sum(own(r.throughput, d, t, (x) => x.rps), 0),
      t === "direct" ? "" : sum(ratio(r.throughput, d, t, "floor", (x) => x.rps), 2),
      sum(own(r.throughput, d, t, (x) => x.cpuUsPerReq), 1),
      t === "direct" ? "(emulator)" : sum(ratio(r.throughput, d, t, "floor", (x) => x.cpuUsPerReq), 2),
      String((r.throughput[key(d, t)] ?? []).reduce((a, x) => a + x.errors, 0)),
    ]),
  );
  const streams = DIRECTIONS.filter(streamed).flatMap((d) =>
    ["direct" as TargetName, ...proxied(d)].map((t) => {
      const rounds = r.streams[key(d, t)] ?? [];
      const chunks = rounds.map((x) => x.chunks);
      return [d, t, `${sum(own(r.streams, d, t, (x) => x.ttftMs))} n = ${rounds.reduce((a, x) => a + (x.ttftN ?? 1), 0)}`, t === "direct" ? "" : sum(added(r.streams, d, t, (x) => x.ttftMs)),
        t === "direct" ? "" : sum(added(r.streams, d, t, (x) => x.transitMs), 0, 1000),
        t === "direct" ? sum(own(r.streams, d, t, (x) => x.gapMs), 0, 1000) : sum(added(r.streams, d, t, (x) => x.gapMs), 0, 1000),
        chunks.length ? `${Math.min(...chunks)}–${Math.max(...chunks)}` : "–"];
    }),
  );
  const memNames = Object.keys(r.memory) as TargetName[];
  const memory = memNames.map((t) => {
    const m = r.memory[t]!;
    return [t, f(m.fresh ?? NaN, 1), f(m.after1 ?? NaN, 1), f(m.after2 ?? NaN, 1), f((m.after2 ?? NaN) / (m.after1 ?? NaN), 3), String(m.bad ?? "–"),
      `${f(m.burst ?? NaN, 1)} (${m.burstRequests ?? 0} requests)`, `${f(m.held ?? NaN, 1)} (${m.heldStreams ?? 0} held, ${m.direction ?? ""})`, f(m.after ?? NaN, 1),
      f(m.quiet ?? NaN, 1), `${m.completed ?? 0} / ${m.chunks ?? 0}`, f(m.idle, 1),
      f(median(r.startup[t] ?? []), 1) + ` (${f(Math.min(...(r.startup[t] ?? [NaN])), 1)}…${f(Math.max(...(r.startup[t] ?? [NaN])), 1)})`];
  });

  // The issue's targets, for ccproxy.
  for (const d of DIRECTIONS) {
    check(`added latency p50 ≤ 0.1 ms, ${d}`, added(r.latency, d, "ccproxy", lat("50")), (x) => x <= 0.1);
    check(`added latency p99 ≤ 0.5 ms, ${d}`, added(r.latency, d, "ccproxy", lat("99")), (x) => x <= 0.5);
  }
  for (const d of DIRECTIONS.filter(streamed)) {
    check(`added time to first token ≤ 0.5 ms, ${d}`, added(r.streams, d, "ccproxy", (x) => x.ttftMs), (x) => x <= 0.5);
    check(`added per-chunk gap p50 ≤ 30 µs, ${d}`, added(r.streams, d, "ccproxy", (x) => x.gapMs * 1000), (x) => x <= 30, 0);
    const ch = (t: TargetName) => (r.streams[key(d, t)] ?? []).map((x) => x.chunks);
    const mine = ch("ccproxy");
    checks.push({ what: `equal chunk counts, ${d}`, value: `${mine.join(",")} vs ${ch("direct").join(",")}`, met: mine.length ? mine.every((c, i) => c === ch("direct")[i]) : undefined });
  }
  for (const d of DIRECTIONS) {
    check(`throughput ≥ 0.7 × floor, ${d}`, ratio(r.throughput, d, "ccproxy", "floor", (x) => x.rps), (x) => x >= 0.7, 2);
    check(`CPU per request ≤ 1.5 × floor, ${d}`, ratio(r.throughput, d, "ccproxy", "floor", (x) => x.cpuUsPerReq), (x) => x <= 1.5, 2);
  }
  if (r.throughput[key("claude→openai", "ccr")]) {
    check("throughput ≥ 30 × claude-code-router (claude→openai)", ratio(r.throughput, "claude→openai", "ccproxy", "ccr", (x) => x.rps), (x) => x >= 30, 1);
    check("CPU per request ≤ 1/30 of claude-code-router (ratio shown)", ratio(r.throughput, "claude→openai", "ccr", "ccproxy", (x) => x.cpuUsPerReq), (x) => x >= 30, 1);
  }
  if (r.throughput[key("openai→claude", "portkey")]) {
    check("throughput ≥ 10 × Portkey (openai→claude)", ratio(r.throughput, "openai→claude", "ccproxy", "portkey", (x) => x.rps), (x) => x >= 10, 1);
    check("CPU per request ≤ 1/10 of Portkey (ratio shown)", ratio(r.throughput, "openai→claude", "portkey", "ccproxy", (x) => x.cpuUsPerReq), (x) => x >= 10, 1);
  }
  const cm = r.memory.ccproxy;
  if (cm) {
    check("RSS idle ≤ 30 MB (after the warm-up)", cm.idle, (x) => x <= 30, 1);
    check(`RSS with ${r.plan.hold} streams ≤ 100 MB`, cm.held ?? NaN, (x) => x <= 100 && cm.heldStreams === r.plan.hold, 1);
  }
  check("start-up ≤ 150 ms", median(r.startup.ccproxy ?? []), (x) => x <= 150, 1);
  // The router's share of what the proxy adds: its in-process cost over ccproxy's added p50.
  const addedUs = added(r.latency, "openai→openai", "ccproxy", lat("50")).median * 1000;
  if (r.router) {
    check("router, one pair: % of added p50 (openai→openai) ≤ 5", (100 * r.router.single) / 1000 / addedUs, (x) => x <= 5, 2);
    check("router, 16 pairs, 4 cooling: % of added p50 ≤ 5", (100 * r.router.pool) / 1000 / addedUs, (x) => x <= 5, 2);
  }
  if (r.rules) check("when rules, 8 tested, none matching: % of added p50 (openai→openai) ≤ 2", (100 * r.rules.miss) / 1000 / addedUs, (x) => x <= 2, 2);

  // The request log: its added p50 over the log's off, per kind, within 5%.
  const logRows: string[][] = [];
  if (r.log) {
    for (const kind of LOG_KINDS) {
      const a = r.log.added[kind];
      for (const m of ["rows", "bodies"] as const)
        check(`log ${m === "rows" ? "on" : "with bodies"}: added p50 ≤ 1.05 × log off, ${LOG_KIND_NAMES[kind]} (% over off)`, percentOverOff(a, m), (x) => x <= 5, 1);
      for (const m of LOG_TARGETS)
        logRows.push([LOG_KIND_NAMES[kind], m === "control" ? "off, again (control)" : m, sum(summarize(a[m].map((x) => x * 1000)), 1), m === "off" ? "" : `${f(percentOverOff(a, m), 1)}%`]);
    }
  }

  // Metrics and Redis sharing: added p50 and CPU per request over the base's, each within 5%, beside the control's.
  const shareRows: string[][] = [];
  if (r.share) {
    const c = r.share.cost;
    for (const kind of SHARE_KINDS) {
      for (const [figure, xs] of [["added p50", c.added[kind]], ["CPU per request", c.cpu[kind]]] as const)
        for (const t of ["metrics", "redis"] as const) {
          const x = percentOverBase(xs, t);
          checks.push({
            what: `${t === "metrics" ? "metrics on" : "metrics + redis up"}: ${figure} ≤ 1.05 × metrics off, ${kind} (% over off; the control's beside it)`,
            value: `${f(x, 1)} (control ${f(percentOverBase(xs, "control"), 1)})`,
            met: Number.isFinite(x) ? x <= 5 : undefined,
          });
        }
      for (const t of SHARE_TARGETS)
        shareRows.push([
          kind, SHARE_TARGET_NAMES[t],
          sum(summarize(c.added[kind][t].map((x) => x * 1000)), 1), t === "off" ? "" : `${f(percentOverBase(c.added[kind], t), 1)}%`,
          sum(summarize(c.cpu[kind][t]), 1), t === "off" ? "" : `${f(percentOverBase(c.cpu[kind], t), 1)}%`,
        ]);
    }
    check("shared pair health on another replica within 200 ms, p99 (ms)", r.share.propagation.p99, (x) => x <= 200, 2);
  }

  const peers = peerRatios(r);
  const md = [
    ...header(r),
    "",
    "## Floor ratios: the done-when of issue 21, per leg (ccproxy against the hand-written floor, same run)",
    "",
    "Added figures are over the direct call of the same round. The requests' p99 pools every round's requests of the slot into one distribution (n requests for ccproxy / the floor); " +
      "wrk's own p99 counts the extra samples wrk adds for coordinated omission (a stall of s ms at concurrency 1 weighs like s ÷ the mean interval requests), so it measures time spent stalled more than slow requests. " +
      "TTFT compares ccproxy's and the floor's time to the first text delta round by round. RSS rows are the memory phase's fresh processes (section 4–5).",
    "",
    ...floorRatios(r),
    "",
    "## Targets (ccproxy)",
    "",
    ...table(["target", "measured", "met"], checks.map((c) => [c.what, c.value, c.met === undefined ? "–" : c.met ? "yes" : "**no**"])),
    "",
    ...(r.router
      ? [`The router (bench/router.ts, in process): plan + succeed take ${f(r.router.single, 0)} ns a request for one pair and ${f(r.router.pool, 0)} ns for a pool of 4 targets × 4 keys with weights and 4 pairs cooling.`, ""]
      : []),
    ...(r.rules
      ? [`When rules (bench/rules.ts, in process, on a decoded 20 kB Claude Code turn): ${f(r.rules.none, 0)} ns a request for an entry with no rules, ${f(r.rules.miss, 0)} ns for eight rules none of which matches (every trait tested, the input estimate made), ${f(r.rules.hit, 0)} ns when the first matches.`, ""]
      : []),
    "## 1. Latency at concurrency 1 (ms; every reply body checked)",
    "",
    `p50 and wrk's p99: median over rounds of each round's figure. The requests' p99 pools the rounds' requests (wrk's histogram with its coordinated-omission samples taken out; n = requests), and its added figure is minus the direct call's pooled the same way.`,
    "",
    ...table(["direction", "target", "p50", "added p50", "p99 of the requests (pooled)", "added", "p99, wrk's", "added p99, wrk's", "bad or failed / requests"], latency),
    "",
    `## 1b. Latency of a request sent after a ${r.plan.idleMs} ms pause (ms; fetch from the bench process, body checked)`,
    "",
    `Each round's median of ${r.plan.idleRequests} requests, median over ${r.plan.streamRounds} rounds (${r.plan.idleRequests * r.plan.streamRounds} requests a slot: a p50, too few for a p99). ` +
      "wrk above sends each request the moment the last one ends, which keeps every process hot. In a coding session requests come seconds apart, and after a pause every process here runs its request path several times slower (caches and predictors gone cold), so this is the figure a user feels.",
    "",
    ...table(["direction", "target", "p50", "added p50", "failed checks"], idle),
    "",
    "## 2. Throughput at saturation (wrk, 1 thread, 32 connections) and CPU per request (user+sys of the target's processes ÷ requests)",
    "",
    ...table(["direction", "target", "req/s", "× floor", "CPU µs/req", "CPU × floor", "errors"], tp),
    "",
    `## 3. Streams (emulator paced ${PACED_DELTAS} deltas × ${PACED_GAP_MS} ms)`,
    "",
    `Time to first token is request sent → first text delta read: each round's median over its ${r.plan.streamsPerRound} paced and ${r.plan.ttftStreams ?? 0} unpaced streams (8 deltas at once; the first leaves the emulator as a paced stream's does). Embeddings have no stream.`,
    "",
    "The rest is of the paced streams alone. Per-chunk transit is read time − the emulator's send stamp inside the delta, per delta; gap is the time between consecutive deltas as read.",
    "",
    ...table(["direction", "target", "TTFT ms (n streams)", "added TTFT ms", "added transit per chunk µs (p50)", "gap p50 µs (direct) / added gap µs", "text deltas per stream"], streams),
    "",
    `## 4–5. Memory (RSS MB, whole process tree) and start-up (exec → first answered request, ms, ${r.plan.startRounds} starts)`,
    "",
    `Fresh processes of their own, in this order, each figure 1 s after its step (after the two counts, ${QUIET_MS / 1000} s: growth is about what stays, not garbage not yet collected): at rest after start-up (no request yet); after ${r.plan.growth1} and ${r.plan.growth2} requests since start-up, ` +
      `cycling through every direction the process serves, plain and streamed (8 unpaced deltas), ${r.plan.growthConcurrency} at a time, every reply checked (failed: how many did not pass); ` +
      `after a ${r.plan.burstSeconds} s burst of wrk at 32 connections (claude→openai plain; Portkey's openai→claude); with ${r.plan.hold} streams held open at once; after they end; and after ${QUIET_MS / 1000} s quiet, with no request since ` +
      "(ccproxy collects its heap 1–2 s after a burst of 2,000 requests or more ends, and shrinks it, which costs it its compiled code, once it has been quiet for 5 s). Growth is RSS after the second count ÷ after the first. " +
      "After warm-up is the other phases' processes, 1 s after a warm-up, per direction, of 200 plain requests, 100 streams of 8 unpaced deltas and one paced stream, then plain and streamed requests at 8 connections for the plan's warmSeconds each.",
    "",
    ...table(["target", "fresh", `after ${r.plan.growth1} requests`, `after ${r.plan.growth2}`, "growth", "failed", "after a burst", `with ${r.plan.hold} held streams`, "after they end", `after ${QUIET_MS / 1000} s quiet`, "streams completed / deltas", "after warm-up", "start-up ms"], memory),
    "",
    "## 6. Side by side: the peer ÷ ccproxy (higher = ccproxy better)",
    "",
    ...table(["figure", "claude-code-router (claude→openai)", "Portkey (openai→claude)", "floor ÷ ccproxy (same directions)"], peers),
    "",
    ...(r.log
      ? [
          `## 7. The request log (claude→openai, ${r.log.rounds} rounds × ${r.log.seconds} s, wrk -c1, four ccproxy processes of their own)`,
          "",
          `Added p50 in µs over the direct call of the same round; the log's whole cost is the difference from off. The control is a second process with the log off: how far it reads from off is this measurement's own noise, which any cost below it cannot be told from. Plain and stream send each request the moment the last one ends; the paced streams wait ${PACED_DELAY_MS} ms after each reply (wrk's delay(), not counted in the latency), so the log's batches meet a process that is mostly idle, as with a client of a real model.`,
          "",
          ...table(["kind", "log", "added p50 µs", "vs off"], logRows),
          "",
          `Database per 1,000 requests (plain and streamed alike): ${f(r.log.kibPer1000.rows, 0)} KiB rows only, ${f(r.log.kibPer1000.bodies, 0)} KiB with bodies.`,
          "",
        ]
      : []),
    ...(r.share
      ? [
          `## 8. Metrics and shared pair health (claude→openai, ${r.share.cost.rounds} rounds × ${r.share.cost.seconds} s, wrk -c1, four ccproxy processes of their own, the log off in all)`,
          "",
          "Added p50 in µs over the direct call of the same round, and CPU µs per request (user + sys of the proxy's processes ÷ requests; redis-server's own not counted). " +
            "The base has metrics off and no redis; metrics on records every request's row (nothing scrapes meanwhile); metrics + redis up adds a redis-server the bench started, " +
            "with the subscription and heartbeat sharing keeps (healthy traffic sends no news). The control is a second base process: how far it reads from the base is this measurement's own noise.",
          "",
          ...table(["kind", "process", "added p50 µs", "vs base", "CPU µs/req", "vs base"], shareRows),
          "",
          `Shared pair health's propagation over ${r.share.propagation.events} cool events (router A's fail() until router B has applied the news, each with its own connections to a redis-server on loopback, in one process): ` +
            `p50 ${f(r.share.propagation.p50)} ms, p90 ${f(r.share.propagation.p90)} ms, p99 ${f(r.share.propagation.p99)} ms, max ${f(r.share.propagation.max)} ms.`,
          "",
        ]
      : []),
    "![latency distributions](latency.png)",
    "",
  ];
  const mdFile = join(RESULTS, "latest.md");
  writeFileSync(mdFile, md.join("\n"));

  const svg = chartSvg(
    DIRECTIONS.map((d) => ({
      title: d,
      series: ["direct" as TargetName, ...proxied(d)].map((t) => ({
        name: t,
        points: PERCENTILES.map((p) => ({ p, ms: pooled(r.latency[key(d, t)] ?? [], p).ms })),
      })),
    })),
  );
  const svgFile = join(CACHE, "latency.svg");
  const pngFile = join(RESULTS, "latency.png");
  writeFileSync(svgFile, svg);
  const conv = Bun.spawnSync(["rsvg-convert", "-o", pngFile, svgFile]);
  if (conv.exitCode !== 0) console.error(`bench: rsvg-convert failed: ${conv.stderr.toString()}`);
  return [mdFile, pngFile];
}

function peerRatios(r: Results): string[][] {
  const lat = (p: string) => (w: WrkResult) => w.pct[p]! / 1000;
  const pairs: [Direction, TargetName][] = [["claude→openai", "ccr"], ["openai→claude", "portkey"]];
  const cell = (fn: (d: Direction, peer: TargetName) => Summary, digits = 1) =>
    pairs.map(([d, peer]) => (r.latency[key(d, peer)] || r.memory[peer] ? sum(fn(d, peer), digits) : "–"));
  const floorCell = (fn: (d: Direction, peer: TargetName) => Summary) => pairs.map(([d]) => f(fn(d, "floor").median, 2)).join(" / ");
  const byRound = <T>(rec: Record<string, T[]>, get: (x: T) => number, invert = false) => (d: Direction, peer: TargetName) => {
    const a = rec[key(d, peer)] ?? [];
    const c = rec[key(d, "ccproxy")] ?? [];
    const base = rec[key(d, "direct")] ?? [];
    return summarize(a.map((x, i) => {
      if (!c[i]) return NaN;
      const sub = base[i] && !invert ? get(base[i]!) : 0;
      return invert ? get(c[i]!) / get(x) : (get(x) - sub) / (get(c[i]!) - sub);
    }));
  };
  const mem = (field: "idle" | "held") => (_d: Direction, peer: TargetName) => {
    const p = r.memory[peer]?.[field];
    const c = r.memory.ccproxy?.[field];
    return summarize(p !== undefined && c !== undefined ? [p / c] : []);
  };
  const rows: [string, (d: Direction, peer: TargetName) => Summary][] = [
    ["added latency p50", byRound(r.latency, lat("50"))],
    ["added latency p99", byRound(r.latency, lat("99"))],
    ["throughput (ccproxy ÷ peer)", byRound(r.throughput, (x) => x.rps, true)],
    ["CPU per request", (d, peer) => summarize((r.throughput[key(d, peer)] ?? []).map((x, i) => x.cpuUsPerReq / (r.throughput[key(d, "ccproxy")]?.[i]?.cpuUsPerReq ?? NaN)))],
    ["added time to first token", byRound(r.streams, (x) => x.ttftMs)],
    ["added transit per chunk", byRound(r.streams, (x) => x.transitMs)],
    ["RSS idle", mem("idle")],
    [`RSS with ${r.plan.hold} streams`, mem("held")],
  ];
  return rows.map(([name, fn]) => [name, ...cell(fn), floorCell(fn)]);
}

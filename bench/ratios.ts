// The done-when, per leg: ccproxy against the hand-written floor of the same run, each row
// measured, its target and whether it is met.
import { DIRECTIONS, streams, type Direction } from "./payloads.ts";
import type { Results } from "./report.ts";
import { added, between, f, key, ratio, table } from "./rounds.ts";
import type { TargetName } from "./targets.ts";
import { pooled, type WrkResult } from "./wrk.ts";
import { median } from "./stats.ts";

export const P99_FLOOR_MS = 0.5;
export const TTFT_OVER_FLOOR_MS = 0.25;
export const IDLE_RSS_MB = 30;
export const HELD_RSS_MB = 100;
export const GROWTH = 1.1;

const yes = (met: boolean | undefined) => (met === undefined ? "–" : met ? "yes" : "**no**");
const ok = (x: number, test: (x: number) => boolean) => (Number.isFinite(x) ? test(x) : undefined);

/** The requests' own p99 pooled over every round, minus the direct call's pooled the same way. */
export function pooledAdded(r: Results, d: Direction, t: TargetName, p = 99) {
  const mine = pooled(r.latency[key(d, t)] ?? [], p);
  const direct = pooled(r.latency[key(d, "direct")] ?? [], p);
  return { ms: mine.ms - direct.ms, n: mine.n, directN: direct.n };
}

export function floorRatios(r: Results): string[] {
  const rows: string[][] = [];
  const lat = (p: string) => (w: WrkResult) => w.pct[p]! / 1000;
  const has = (d: Direction) => r.latency[key(d, "ccproxy")]?.length && r.latency[key(d, "floor")]?.length;
  for (const d of DIRECTIONS.filter(has)) {
    const p50 = { c: added(r.latency, d, "ccproxy", lat("50")).median, fl: added(r.latency, d, "floor", lat("50")).median };
    rows.push([d, "added p50, ms (wrk -c1, median of rounds)", f(p50.c), f(p50.fl), `${f(p50.c / p50.fl, 2)}×`, `≤ 2× floor = ${f(2 * p50.fl)}`, yes(ok(p50.c, (x) => x <= 2 * p50.fl))]);
    const c99 = pooledAdded(r, d, "ccproxy");
    const f99 = pooledAdded(r, d, "floor");
    const bound = Math.max(2 * f99.ms, P99_FLOOR_MS);
    rows.push([d, `added p99, ms (the requests', pooled over rounds: n = ${c99.n} / ${f99.n}, direct ${c99.directN})`, f(c99.ms), f(f99.ms), `${f(c99.ms / f99.ms, 2)}×`, `≤ max(2× floor, ${P99_FLOOR_MS}) = ${f(bound)}`, yes(ok(c99.ms, (x) => x <= bound))]);
    const w99 = { c: added(r.latency, d, "ccproxy", lat("99")).median, fl: added(r.latency, d, "floor", lat("99")).median };
    const wBound = Math.max(2 * w99.fl, P99_FLOOR_MS);
    rows.push([d, "added p99, ms (wrk's, corrected for coordinated omission; median of rounds)", f(w99.c), f(w99.fl), `${f(w99.c / w99.fl, 2)}×`, `≤ max(2× floor, ${P99_FLOOR_MS}) = ${f(wBound)}`, yes(ok(w99.c, (x) => x <= wBound))]);
    if (streams(d)) {
      const tt = between(r.streams, d, "ccproxy", "floor", (x) => x.ttftMs).median;
      const n = (t: TargetName) => (r.streams[key(d, t)] ?? []).reduce((a, x) => a + (x.ttftN ?? 1), 0);
      const addedTt = (t: TargetName) => added(r.streams, d, t, (x) => x.ttftMs).median;
      rows.push([d, `added TTFT, ms (n = ${n("ccproxy")} / ${n("floor")} streams)`, f(addedTt("ccproxy")), f(addedTt("floor")), `+${f(tt)} ms`, `≤ floor + ${TTFT_OVER_FLOOR_MS} ms`, yes(ok(tt, (x) => x <= TTFT_OVER_FLOOR_MS))]);
    }
    const cpu = ratio(r.throughput, d, "ccproxy", "floor", (x) => x.cpuUsPerReq).median;
    const cpuOf = (t: TargetName) => (r.throughput[key(d, t)] ?? []).map((x) => x.cpuUsPerReq);
    rows.push([d, "CPU per request, µs (wrk -c32)", f(median(cpuOf("ccproxy")), 1), f(median(cpuOf("floor")), 1), `${f(cpu, 2)}×`, "≤ 1.5× floor", yes(ok(cpu, (x) => x <= 1.5))]);
  }
  const c = r.memory.ccproxy;
  const fl = r.memory.floor;
  if (c && fl) {
    const growth = (m: typeof c) => (m.after2 ?? NaN) / (m.after1 ?? NaN);
    rows.push(["all", "RSS idle, MB (fresh: 1 s after start-up, no request yet)", f(c.fresh ?? NaN, 1), f(fl.fresh ?? NaN, 1), `${f((c.fresh ?? NaN) / (fl.fresh ?? NaN), 2)}×`, `≤ ${IDLE_RSS_MB} MB`, yes(ok(c.fresh ?? NaN, (x) => x <= IDLE_RSS_MB))]);
    rows.push(["all", `RSS with ${r.plan.hold} held streams, MB (${c.direction ?? ""} / ${fl.direction ?? ""}; ${c.heldStreams ?? 0} / ${fl.heldStreams ?? 0} held)`, f(c.held ?? NaN, 1), f(fl.held ?? NaN, 1), `${f((c.held ?? NaN) / (fl.held ?? NaN), 2)}×`, `≤ ${HELD_RSS_MB} MB`, yes(ok(c.held ?? NaN, (x) => x <= HELD_RSS_MB && c.heldStreams === r.plan.hold))]);
    rows.push(["all", `RSS after ${r.plan.growth2} requests ÷ after ${r.plan.growth1} (MB: ${f(c.after2 ?? NaN, 1)} / ${f(c.after1 ?? NaN, 1)}; floor ${f(fl.after2 ?? NaN, 1)} / ${f(fl.after1 ?? NaN, 1)})`, f(growth(c), 3), f(growth(fl), 3), "", `≤ ${GROWTH}`, yes(ok(growth(c), (x) => x <= GROWTH))]);
  }
  return table(["leg", "figure", "ccproxy", "floor", "ccproxy vs floor", "target", "met"], rows);
}

// wrk driven by a generated Lua script: fixed request, optional per-reply body check, and a JSON
// summary line with the latency percentiles and the whole latency histogram (µs; wrk keeps one
// bucket per µs), so the rounds' samples can be pooled into one distribution.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Call } from "./targets.ts";

export const PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9] as const;

export interface WrkResult {
  requests: number;
  durationUs: number;
  /** connect/read/write/timeout errors and non-2xx replies */
  errors: number;
  /** replies that lacked a marker (only counted with check) */
  bad: number;
  /** percentile → latency µs */
  pct: Record<string, number>;
  /** the latency histogram wrk reports, [µs, count][] ascending: the requests' own latencies plus the
   *  samples wrk adds for coordinated omission (below); `raw` undoes them */
  hist: [number, number][];
  connections: number;
}

/**
 * The requests' own latencies, [µs, count][] ascending. After a run wrk "corrects" its histogram for
 * coordinated omission: with e = duration ÷ (requests ÷ connections), every request that took n ≥ 2e
 * adds a sample at each n − k·e above e, as if a client had kept sending every e µs (wrk's
 * stats_correct). At concurrency 1, one 5 ms stall then weighs like seventy slow requests, so wrk's
 * p99 is a share of time spent stalled, not of requests. This undoes it exactly, from the top down.
 * @see https://github.com/wg/wrk/blob/master/src/stats.c (stats_correct) and src/wrk.c (its call)
 */
export function raw(w: WrkResult): [number, number][] {
  const perConnection = Math.floor(w.requests / w.connections);
  if (!perConnection) return w.hist;
  const e = Math.floor(w.durationUs / perConnection);
  const own = new Map<number, number>();
  const fromAbove = new Map<number, number>(); // at m: Σ own[m + k·e], k ≥ 1 (a bucket wrk did not list held none of either)
  for (let i = w.hist.length - 1; i >= 0; i--) {
    const [m, count] = w.hist[i]!;
    const above = (own.get(m + e) ?? 0) + (fromAbove.get(m + e) ?? 0);
    fromAbove.set(m, above);
    own.set(m, m > e ? count - above : count);
  }
  return w.hist.map(([us]) => [us, own.get(us)!] as [number, number]).filter(([, c]) => c > 0);
}
/** The rounds' requests as one sample: how many, and the latency (ms) at percentile `p` of them all
 *  (the smallest latency with at least p% of the requests at or below it). */
export function pooled(ws: WrkResult[], p: number): { ms: number; n: number } {
  const counts = new Map<number, number>();
  for (const w of ws) for (const [us, c] of raw(w)) counts.set(us, (counts.get(us) ?? 0) + c);
  const sorted = [...counts].sort((a, b) => a[0] - b[0]);
  const n = sorted.reduce((a, [, c]) => a + c, 0);
  const want = (p / 100) * n;
  let seen = 0;
  for (const [us, c] of sorted) if ((seen += c) >= want) return { ms: us / 1000, n };
  return { ms: NaN, n };
}

const long = (s: string) => `[==[${s}]==]`;

function script(c: Call, check: boolean, delayMs?: number): string {
  const headers = Object.entries(c.headers).map(([k, v]) => `wrk.headers[ ${long(k)} ] = ${long(v)}`).join("\n");
  const checkFns = `
local markers = {${c.markers.map(long).join(", ")}}
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 return end
  for _, m in ipairs(markers) do
    if not string.find(body, m, 1, true) then bad = bad + 1 return end
  end
end`;
  return `wrk.method = "POST"
wrk.body = ${long(c.body)}
${headers}
local threads = {}
function setup(thread) table.insert(threads, thread) end
${check ? checkFns : ""}
${delayMs ? `function delay() return ${delayMs} end` : ""}
function done(summary, latency, requests)
  local bad = 0
  ${check ? 'for _, t in ipairs(threads) do bad = bad + t:get("bad") end' : ""}
  local p = {}
  for _, q in ipairs({${PERCENTILES.join(", ")}}) do
    table.insert(p, string.format('"%s":%d', q, latency:percentile(q)))
  end
  local h = {}
  for i = 1, #latency do
    local us, count = latency(i)
    table.insert(h, string.format("[%d,%d]", us, count))
  end
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"durationUs":%d,"errors":%d,"bad":%d,"pct":{%s},"hist":[%s]}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status, bad, table.concat(p, ","), table.concat(h, ",")))
end
`;
}

/** `delayMs`: a pause after each reply before the next request (wrk's delay(); latency excludes it) */
export async function wrk(
  c: Call,
  o: { seconds: number; connections: number; threads: number; check: boolean; dir: string; tag: string; delayMs?: number },
): Promise<WrkResult> {
  const file = join(o.dir, `wrk-${o.tag}.lua`);
  writeFileSync(file, script(c, o.check, o.delayMs));
  const p = Bun.spawn(["wrk", `-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, "--timeout", "10s", "-s", file, c.url], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  const line = out.split("\n").find((l) => l.startsWith("BENCH "));
  if (!line) throw new Error(`wrk gave no summary for ${c.url}: ${err || out}`);
  return { ...(JSON.parse(line.slice(6)) as Omit<WrkResult, "connections">), connections: o.connections };
}

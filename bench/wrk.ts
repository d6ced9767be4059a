// wrk driven by a generated Lua script: fixed request, optional per-reply body check, and a JSON
// summary line with the latency percentiles (µs, from wrk's HdrHistogram).
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
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"durationUs":%d,"errors":%d,"bad":%d,"pct":{%s}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status, bad, table.concat(p, ",")))
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
  return JSON.parse(line.slice(6)) as WrkResult;
}

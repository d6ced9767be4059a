// `bun bench/log.ts [--rounds N] [--seconds S]`: the request log's cost alone (logcost.ts), printed;
// `bun run bench` measures the same in its last stage and reports it in its section 7.
import { buildProxy, ensureTools } from "./setup.ts";
import { measureLog, percentOverOff, LOG_KINDS, LOG_KIND_NAMES, LOG_TARGETS } from "./logcost.ts";
import { median } from "./stats.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg("--rounds", 8);
const seconds = arg("--seconds", 2);

await ensureTools();
await buildProxy();
const cost = await measureLog({ rounds, seconds, base: Number(process.env.BENCH_PORT ?? 18400) + 50 });
console.log(`ccproxy binary, claude→openai, wrk -c1, ${rounds} rounds × ${seconds} s per target and kind`);
console.log(`${"kind".padEnd(20)}log      added p50 ms (min…max)      vs off`);
for (const kind of LOG_KINDS) {
  for (const m of LOG_TARGETS) {
    const a = cost.added[kind][m];
    const pct = percentOverOff(cost.added[kind], m);
    const rel = m === "off" ? "" : `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
    console.log(`${LOG_KIND_NAMES[kind].padEnd(20)}${m.padEnd(7)}  ${median(a).toFixed(4)} (${Math.min(...a).toFixed(4)}…${Math.max(...a).toFixed(4)})   ${rel}`);
  }
}
console.log(`database per 1,000 requests: ${cost.kibPer1000.rows.toFixed(0)} KiB rows only, ${cost.kibPer1000.bodies.toFixed(0)} KiB with bodies`);

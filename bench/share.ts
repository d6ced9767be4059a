// `bun bench/share.ts [--events N] [--rounds N] [--seconds S] [--no-cost]`: the propagation of
// shared pair health and what metrics and Redis sharing cost a request (sharecost.ts), printed;
// `bun run bench` measures the same in its last stage and reports it in its section 8.
import { startRedis } from "../test/support/redis.ts";
import { buildProxy, ensureTools } from "./setup.ts";
import { measureShare, percentOverBase, propagation, SHARE_KINDS, SHARE_TARGETS, SHARE_TARGET_NAMES } from "./sharecost.ts";
import { median } from "./stats.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

const events = arg("--events", 200);
const redis = await startRedis();
try {
  const p = await propagation(redis, events);
  const f = (x: number) => x.toFixed(3);
  console.log(`propagation, ${events} cool events (A.fail → B applied, through redis-server on loopback, one process):`);
  console.log(`  p50 ${f(p.p50)} ms, p90 ${f(p.p90)} ms, p99 ${f(p.p99)} ms, max ${f(p.max)} ms`);
  if (!process.argv.includes("--no-cost")) {
    const rounds = arg("--rounds", 8);
    const seconds = arg("--seconds", 2);
    await ensureTools();
    await buildProxy();
    const c = await measureShare(redis, { rounds, seconds, base: Number(process.env.BENCH_PORT ?? 18400) + 60 });
    console.log(`cost: ccproxy binary, claude→openai, wrk -c1, ${rounds} rounds × ${seconds} s per target and kind`);
    console.log(`  ${"kind".padEnd(7)}${"process".padEnd(30)}added p50 ms (min…max)      vs base   CPU µs/req   vs base`);
    const pct = (xs: Record<(typeof SHARE_TARGETS)[number], number[]>, t: (typeof SHARE_TARGETS)[number]) => {
      const x = percentOverBase(xs, t);
      return t === "off" ? "" : `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
    };
    for (const kind of SHARE_KINDS)
      for (const t of SHARE_TARGETS) {
        const a = c.added[kind][t];
        console.log(
          `  ${kind.padEnd(7)}${SHARE_TARGET_NAMES[t].padEnd(30)}${median(a).toFixed(4)} (${Math.min(...a).toFixed(4)}…${Math.max(...a).toFixed(4)})   ${pct(c.added[kind], t).padEnd(8)}  ${median(c.cpu[kind][t]).toFixed(1).padStart(6)}       ${pct(c.cpu[kind], t)}`,
        );
      }
  }
} finally {
  await redis.close();
}

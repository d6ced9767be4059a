// `bun run fuzz [--n 10000] [--seed 1] [--concurrency 4] [--only INDEX]`: the long fuzz run against
// the real proxy in a child process. Prints the table per route and mutation, the statuses, /health's
// record and the proxy's RSS after a warm-up and after the run (each after an idle collection), and
// exits non-zero on any violation.
import { parseArgs } from "node:util";
import { startFuzzed } from "./setup.ts";
import { makeCase, runCase, runCases, watchHealth, type Result } from "./runner.ts";
import { statuses, table, violations } from "./report.ts";
import type { Violation } from "./oracle.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "4" },
    only: { type: "string" },
  },
});
const n = Number(values.n);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);

/** RSS may grow this much from the warmed-up proxy to the end of the run, both after a collection. */
const RSS_MARGIN_MB = 32;
/** The proxy collects once a 5 s period passes with no request: two periods and a little more. */
const IDLE_MS = 11_000;

const fuzzed = await startFuzzed();
const alive = () => fuzzed.served.proc.exitCode === null;
let exit = 0;
try {
  if (values.only !== undefined) {
    const c = makeCase(fuzzed.target, seed, Number(values.only));
    const size = c.body === undefined ? 0 : typeof c.body === "string" ? Buffer.byteLength(c.body) : c.body.length;
    console.log(`#${c.index} ${c.method} ${c.path.slice(0, 200)} → ${c.upstream}; ${c.mutation.name}: ${c.change.note}; body ${size} bytes`);
    if (size && size < 2000) console.log(typeof c.body === "string" ? c.body : Buffer.from(c.body!).toString("latin1"));
    const r = await runCase(fuzzed.target, c);
    console.log(`status ${r.status}`, r.violations.length ? r.violations : "no violation");
    exit = r.violations.length ? 1 : 0;
  } else {
    const warm = Math.min(n, Math.max(200, Math.floor(n / 20)));
    const t0 = performance.now();
    let done = 0;
    const progress = () => {
      if (++done % 500 === 0) console.error(`… ${done}/${n} cases, ${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${fuzzed.rssMb().toFixed(0)} MB`);
    };
    const results: Result[] = [];
    const health = { polls: 0, failures: [] as Violation[] };
    const phase = async (from: number, to: number) => {
      const watch = watchHealth(fuzzed.target.url);
      results.push(...(await runCases(fuzzed.target, { seed, from, to, concurrency, alive, onResult: progress })));
      const h = await watch.stop();
      health.polls += h.polls;
      health.failures.push(...h.failures);
    };
    const idleRss = async () => (await Bun.sleep(IDLE_MS), fuzzed.rssMb());

    const startRss = fuzzed.rssMb();
    await phase(0, warm);
    const before = alive() ? await idleRss() : NaN;
    await phase(warm, n);
    const seconds = (performance.now() - t0) / 1000;
    const peak = alive() ? fuzzed.rssMb() : NaN;
    const after = alive() ? await idleRss() : NaN;

    const bad = results.filter((r) => r.violations.length).length;
    const grew = after - before;
    const rssBad = !(grew <= RSS_MARGIN_MB);
    console.log(`fuzz: seed ${seed}, ${results.length} cases in ${seconds.toFixed(0)} s (${concurrency} in flight), upstream served ${JSON.stringify(fuzzed.upstream.served)}\n`);
    console.log(table(results));
    console.log(`\nstatuses: ${statuses(results)}`);
    console.log(`/health: ${health.polls} polls, ${health.failures.length} failed${health.failures.length ? ": " + health.failures.slice(0, 5).map((f) => f.detail).join("; ") : ""}`);
    console.log(`proxy: ${alive() ? "alive" : `DIED (exit ${fuzzed.served.proc.exitCode})`}; stderr lines: ${fuzzed.served.stderr().split("\n").filter(Boolean).length}`);
    console.log(`RSS (MB): at start ${startRss.toFixed(1)}, after ${warm} warm-up cases and an idle collection ${before.toFixed(1)}, at the end ${peak.toFixed(1)}, after an idle collection ${after.toFixed(1)} (${grew >= 0 ? "+" : ""}${grew.toFixed(1)}, margin ${RSS_MARGIN_MB})${rssBad ? " GREW" : ""}`);
    const list = violations(results, seed);
    if (list) console.log(`\nviolations:\n${list}`);
    const total = bad + health.failures.length + (alive() ? 0 : 1) + (rssBad ? 1 : 0);
    console.log(`\n${total} violation(s)`);
    if (!alive()) console.log(`proxy stderr (tail):\n${fuzzed.served.stderr().slice(-2000)}`);
    exit = total ? 1 : 0;
  }
} finally {
  await fuzzed.close();
}
process.exit(exit);

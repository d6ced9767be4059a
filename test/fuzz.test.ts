// The fuzzer's short run inside `bun test`: a few hundred mutated requests over every client route
// against the real proxy in a child process, none of which may get a 5xx, a hang, a body outside the
// caller's error shape, a stack trace or a key; /health answers throughout and the proxy lives.
// `bun run fuzz --n 10000` is the long run (test/fuzz/main.ts).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startFuzzed, type Fuzzed } from "./fuzz/setup.ts";
import { runCases, watchHealth } from "./fuzz/runner.ts";
import { violations } from "./fuzz/report.ts";
import { ROUTES } from "./fuzz/routes.ts";
import { MUTATIONS } from "./fuzz/mutations.ts";

const SEED = 15;
const CASES = 360;

let fuzzed: Fuzzed;
beforeAll(async () => {
  fuzzed = await startFuzzed();
});
afterAll(() => fuzzed.close());

test(`${CASES} fuzzed requests (seed ${SEED}) over every route and mutation: no violation`, async () => {
  const health = watchHealth(fuzzed.target.url);
  const alive = () => fuzzed.served.proc.exitCode === null;
  const results = await runCases(fuzzed.target, { seed: SEED, from: 0, to: CASES, concurrency: 4, alive });
  const h = await health.stop();
  expect(new Set(results.map((r) => r.route))).toEqual(new Set(ROUTES.map((r) => r.name)));
  expect(new Set(results.map((r) => r.mutation))).toEqual(new Set(MUTATIONS.map((m) => m.name)));
  expect(violations(results, SEED)).toBe("");
  expect(h.failures).toEqual([]);
  expect(alive()).toBe(true);
}, 60_000);

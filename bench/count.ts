// What local token counting costs: the proxy's idle RSS, the first count's latency and RSS, and how
// long /health waits while a hostile count (1 MB without a space, `--hostile-kb`) and a 25 MB count run.
// Not part of `bun test`: `bun bench/count.ts [--runs N] [--port P] [--cold]`.
// By default a Claude request comes first, as from Claude Code, which starts the counter (the proxy
// loads the tokenizer then); `--cold` makes the count the proxy's very first request.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rssMb, start, stop } from "./procs.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg("--runs", 3);
const PORT = arg("--port", 18490);
const HOSTILE_KB = arg("--hostile-kb", 1024); // before the fix, 1 MB took minutes
const COLD = process.argv.includes("--cold");
const IDLE_MS = 3000; // long enough for anything started at boot to settle

const dir = mkdtempSync(join(tmpdir(), "ccproxy-count-"));
const config = join(dir, "ccproxy.yaml");
// An OpenAI upstream that is never called: a count for it is always made here.
writeFileSync(
  config,
  `listen: 127.0.0.1:${PORT}\nlogging: { enabled: false }\n` +
    `providers: { oa: { protocol: openai, baseUrl: "http://127.0.0.1:9/v1", keys: [sk-none] } }\n` +
    `models: { "*": { targets: [oa/gpt] } }\n`,
);

const url = `http://127.0.0.1:${PORT}`;
const count = (content: string) =>
  fetch(`${url}/v1/messages/count_tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", max_tokens: 5, messages: [{ role: "user", content }] }),
  }).then(async (r) => ((await r.json()) as { input_tokens: number }).input_tokens);

/** Runs `work` while /health is asked every 20 ms: the work's ms and result, and the slowest /health. */
async function underLoad(work: () => Promise<number>): Promise<{ ms: number; tokens: number; healthMaxMs: number; healths: number }> {
  let done = false;
  let healthMaxMs = 0;
  let healths = 0;
  const pinger = (async () => {
    while (!done) {
      const t = performance.now();
      await fetch(`${url}/health`);
      healthMaxMs = Math.max(healthMaxMs, performance.now() - t);
      healths++;
      await Bun.sleep(20);
    }
  })();
  const t0 = performance.now();
  const tokens = await work();
  const ms = performance.now() - t0;
  done = true;
  await pinger;
  return { ms, tokens, healthMaxMs, healths };
}

const PROSE = "The quick brown fox jumps over the lazy dog, and then it counts its tokens again.\n";
const rows: string[] = [];
for (let run = 0; run < RUNS; run++) {
  const p = await start({ name: `ccproxy-${run}`, cmd: ["bun", "src/main.ts", "serve", "--config", config], port: PORT }, dir);
  try {
    await Bun.sleep(IDLE_MS);
    const idle = rssMb(p.child.pid);
    let warmed = NaN;
    if (!COLD) {
      // Its upstream is unreachable: the request fails fast, and still shows a Claude client is here.
      await fetch(`${url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
      });
      await Bun.sleep(IDLE_MS);
      warmed = rssMb(p.child.pid);
    }
    let t = performance.now();
    const first = await count("How many tokens is this sentence, exactly?");
    const firstMs = performance.now() - t;
    const afterFirst = rssMb(p.child.pid);
    t = performance.now();
    await count("And a second one, to compare with the first.");
    const secondMs = performance.now() - t;
    const hostile = await underLoad(() => count("a".repeat(HOSTILE_KB * 1024)));
    const big = await underLoad(() => count(PROSE.repeat(Math.ceil(25_000_000 / PROSE.length))));
    const afterAll = rssMb(p.child.pid);
    rows.push(
      `| ${run + 1} | ${idle.toFixed(0)} | ${warmed.toFixed(0)} | ${firstMs.toFixed(0)} (${first}) | ${afterFirst.toFixed(0)} | ${secondMs.toFixed(1)} | ` +
        `${hostile.ms.toFixed(0)} (${hostile.tokens}) / ${hostile.healthMaxMs.toFixed(0)} | ${big.ms.toFixed(0)} (${big.tokens}) / ${big.healthMaxMs.toFixed(0)} | ${afterAll.toFixed(0)} |`,
    );
    console.error(rows.at(-1));
  } finally {
    await stop(p.child);
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(
  [
    COLD ? "The count is the proxy's first request." : "A Claude request comes first, then the count.",
    "",
    `| run | idle RSS MB | RSS after a Claude request MB | first count ms (tokens) | RSS after first MB | second count ms | ${HOSTILE_KB} KB 'a' count ms (tokens) / slowest /health ms | 25 MB prose count ms (tokens) / slowest /health ms | RSS at end MB |`,
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n"),
);

// The tokenizer (seconds to load, ~60 MB) is loaded in the count worker at the first request of a
// client whose counts are made here, so the first count does not wait for it, and never by a proxy
// that no such client uses.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { countsHere } from "../src/convert/count.ts";
import type { ResolvedConfig } from "../src/config/schema.ts";

const providers = (...protocols: string[]) =>
  ({ providers: Object.fromEntries(protocols.map((p, i) => [`p${i}`, { name: `p${i}`, protocol: p }])) }) as unknown as ResolvedConfig;

describe("counts are made here", () => {
  test("for a Claude or Gemini client when some provider speaks another protocol", () => {
    expect(countsHere(providers("claude", "openai"), "claude")).toBe(true);
    expect(countsHere(providers("ollama"), "gemini")).toBe(true);
    expect(countsHere(providers("claude"), "gemini")).toBe(true);
  });
  test("never for a client whose protocol has no count route, nor when every provider counts for it", () => {
    expect(countsHere(providers("openai", "claude"), "openai")).toBe(false);
    expect(countsHere(providers("openai"), "ollama")).toBe(false);
    expect(countsHere(providers("claude"), "claude")).toBe(false);
    expect(countsHere(providers("gemini"), "gemini")).toBe(false);
  });
});

// In a process of its own: the counter is one per process, and other test files count.
const SCRIPT = `
import { startProxy } from ${JSON.stringify(join(import.meta.dir, "support/proxy.ts"))};
import { startUpstream } from ${JSON.stringify(join(import.meta.dir, "support/upstream.ts"))};
import { openaiCompletion } from ${JSON.stringify(join(import.meta.dir, "support/wire.ts"))};
import { counterReady } from ${JSON.stringify(join(import.meta.dir, "../src/convert/counter.ts"))};
const oa = await startUpstream("openai");
const proxy = await startProxy({ providers: { oa: { protocol: "openai", baseUrl: oa.url, keys: ["sk"] } }, models: { "*": { targets: ["oa/gpt"] } } });
oa.script({ json: openaiCompletion({ content: "one" }) }, { json: openaiCompletion({ content: "two" }) });
const post = (path, headers, body) => fetch(proxy.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const ask = { model: "m", max_tokens: 5, messages: [{ role: "user", content: "How many tokens is this sentence, exactly?" }] };
await post("/v1/chat/completions", {}, ask);
const afterOpenai = counterReady() !== undefined;
await post("/v1/messages", { "anthropic-version": "2023-06-01" }, ask);
const ready = counterReady();
await ready; // loaded with no count asked
const counted = await (await post("/v1/messages/count_tokens", { "anthropic-version": "2023-06-01" }, ask)).json();
await proxy.close();
await oa.close();
console.log(JSON.stringify({ afterOpenai, afterClaude: ready !== undefined, counted }));
`;

test("a Claude request loads the tokenizer before any count; OpenAI requests do not", async () => {
  const child = Bun.spawn(["bun", "-e", SCRIPT], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  expect(await child.exited, err).toBe(0);
  const got = JSON.parse(out.trim().split("\n").at(-1)!);
  expect(got).toMatchObject({ afterOpenai: false, afterClaude: true });
  expect(got.counted.input_tokens).toBeGreaterThan(10);
}, 30_000);

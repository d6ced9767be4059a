// A token count made here used to run on the request path with a cost that grows with the square of
// a run without spaces: one count_tokens holding 1 MB of "a" pinned the proxy for minutes, /health
// included. Counts now run in a worker, in bounded pieces, within a time budget.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Upstream } from "./support/upstream.ts";
import { proxyOverOpenaiAndClaude, type Proxy } from "./support/proxy.ts";
import { openaiCompletion } from "./support/wire.ts";

let oa: Upstream, cl: Upstream, proxy: Proxy;
const KEY = "proxy-key";
const MB = 1 << 20;

beforeAll(async () => {
  ({ oa, cl, proxy } = await proxyOverOpenaiAndClaude({ key: KEY, models: { "m": { targets: ["oa/gpt-small"] } } }));
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), cl.close()]));

/** Claude's count_tokens for a model counted here (its target speaks OpenAI). */
async function claudeCount(body: unknown): Promise<number> {
  const res = await fetch(`${proxy.url}/v1/messages/count_tokens`, {
    method: "POST",
    headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { input_tokens: number }).input_tokens;
}

/** Random CJK: the tokenizer's slowest text per character, far past the time budget at 1M characters. */
function cjk(chars: number, seed: number): string {
  const alphabet = "的一是不了人我在有他这中大来上们到说国和地也子时道出而要于就下得可你年生";
  const out = new Array<string>(chars);
  for (let i = 0, x = seed; i < chars; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = alphabet[x % alphabet.length]!;
  }
  return out.join("");
}

describe("a token count of hostile text answers, and stalls nothing", () => {
  test("1 MB without a space, as content, as a role, and through Gemini's :countTokens, each a sane count", async () => {
    const a = "a".repeat(MB);
    // o200k reads a long run of "a" as about one token per 8 characters
    const sane = (n: number) => (expect(n).toBeGreaterThan(MB / 16), expect(n).toBeLessThan(MB / 4));
    sane(await claudeCount({ model: "m", max_tokens: 5, messages: [{ role: "user", content: a }] }));
    sane(await claudeCount({ model: "m", max_tokens: 5, messages: [{ role: a, content: "hi" }] }));
    const res = await fetch(`${proxy.url}/v1beta/models/m:countTokens`, {
      method: "POST",
      headers: { "x-goog-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: a }] }] }),
    });
    expect(res.status).toBe(200);
    sane(((await res.json()) as { totalTokens: number }).totalTokens);
  });

  test("a prompt that quotes a special token is counted as text, not a 500", async () => {
    const n = await claudeCount({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "what does <|endoftext|> mean?" }] });
    expect(n).toBeGreaterThan(5);
  });

  test("while counts run, /health and a chat request are answered before the last count", async () => {
    oa.script({ json: openaiCompletion({ content: "still here" }) });
    const order: string[] = [];
    // Three counts, each past the time budget; the worker takes them one after another.
    const texts = [cjk(MB, 1), cjk(MB, 2), cjk(MB, 3)];
    const counts = texts.map((content, i) =>
      claudeCount({ model: "m", max_tokens: 5, messages: [{ role: "user", content }] }).then((n) => (order.push(`count ${i}`), n)),
    );
    // Once one count has answered, the other two are queued in the worker or being counted.
    await Promise.race(counts);
    const health = fetch(`${proxy.url}/health`).then(async (r) => (order.push("health"), r.status));
    const chat = fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    }).then(async (r) => (order.push("chat"), ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content));

    expect(await health).toBe(200);
    expect(await chat).toBe("still here");
    const tokens = await Promise.all(counts);
    expect(order).toHaveLength(5);
    expect(order.at(-1)).toMatch(/^count/); // health and chat both came first
    // Random CJK is about 0.9 tokens a character; a count scaled up from a sample stays near it.
    for (const n of tokens) {
      expect(n).toBeGreaterThan(MB * 0.6);
      expect(n).toBeLessThan(MB * 1.2);
    }
  }, 30_000);
});

// /health, /admin/status and the request-size limit, through the running server.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { openaiCompletion } from "./support/wire.ts";

let oa: Upstream, proxy: Proxy;
const KEY = "admin-test-key";

beforeAll(async () => {
  oa = await startUpstream("openai");
  proxy = await startProxy({
    accessKeys: [KEY],
    limits: { maxBodyBytes: 2000 },
    providers: { oa: { protocol: "openai", baseUrl: oa.url, keys: ["sk-secret-one", "sk-secret-two"] } },
    models: { pooled: { targets: ["oa/m"] } },
  });
});
afterAll(async () => Promise.all([proxy.close(), oa.close()]));

test("/admin/status shows each pair by key label, cooling after a 429 with its retry-after", async () => {
  expect((await fetch(`${proxy.url}/admin/status`)).status).toBe(401);
  oa.script({ error: 429, headers: { "retry-after": "30" } }, { json: openaiCompletion({ content: "second key" }) });
  const c = await new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 }).chat.completions.create({
    model: "pooled",
    messages: [{ role: "user", content: "hi" }],
  });
  expect(c.choices[0]!.message.content).toBe("second key");
  const r = await fetch(`${proxy.url}/admin/status`, { headers: { authorization: `Bearer ${KEY}` } });
  const text = await r.text();
  expect(text).not.toContain("sk-secret");
  const status = JSON.parse(text);
  const cooling = status.pairs.filter((p: any) => p.state === "cooling");
  expect(cooling).toHaveLength(1);
  expect(cooling[0]).toMatchObject({ provider: "oa", model: "m", failures: 1, lastError: { status: 429 } });
  expect(Date.parse(cooling[0].coolingUntil) - Date.now()).toBeGreaterThan(25_000);
  expect(status.pairs.filter((p: any) => p.state === "healthy")).toHaveLength(1);
});

test("/health needs no key", async () => {
  expect(await (await fetch(`${proxy.url}/health`)).json()).toMatchObject({ status: "ok" });
});

test("a body over maxBodyBytes is a 413 in the caller's shape, with or without a content-length", async () => {
  const big = "x".repeat(5000);
  const err = await new Anthropic({ apiKey: KEY, baseURL: proxy.url, maxRetries: 0 }).messages
    .create({ model: "pooled", max_tokens: 5, messages: [{ role: "user", content: big }] })
    .catch((e) => e);
  expect(err.status).toBe(413);
  expect(err.error.error.type).toBe("request_too_large");
  const chunked = new ReadableStream({
    start(c) {
      for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode(big.slice(0, 1000)));
      c.close();
    },
  });
  const r = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}` }, body: chunked });
  expect(r.status).toBe(413);
  expect(((await r.json()) as any).error.message).toContain("2000 bytes");
});

// Upstream faults on the data path: timeouts and broken streams are told to the client in its shape.
import { afterAll, beforeAll, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { openaiChunks, readSse } from "./support/wire.ts";

let oa: Upstream, proxy: Proxy;

beforeAll(async () => {
  oa = await startUpstream("openai");
  proxy = await startProxy({
    providers: { slow: { protocol: "openai", baseUrl: oa.url, limits: { firstByteTimeoutMs: 300, idleTimeoutMs: 300 } } },
    models: { "*": { targets: ["slow/m"] } },
  });
});
afterAll(async () => Promise.all([proxy.close(), oa.close()]));

const anthropic = () => new Anthropic({ apiKey: "x", baseURL: proxy.url, maxRetries: 0 });
const ask = { model: "m", max_tokens: 10, messages: [{ role: "user" as const, content: "hi" }] };

test("no answer within the first-byte timeout is a 504 timeout in Claude shape", async () => {
  oa.script(async () => {
    await Bun.sleep(1500);
    return { json: {} };
  });
  const t0 = performance.now();
  const err = await anthropic().messages.create(ask).catch((e) => e);
  expect(performance.now() - t0).toBeLessThan(1200);
  expect(err.status).toBe(504);
  expect(err.error.error.type).toBe("timeout_error");
});

test("a stream that stalls past the idle timeout ends with a Claude error event, not a clean finish", async () => {
  const chunks = openaiChunks({ content: ["one", "two"] });
  oa.script({ sse: chunks, delayMs: 800 });
  const res = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ ...ask, stream: true }),
  });
  expect(res.status).toBe(200);
  const events = await readSse(res);
  const names = events.map((e) => e.event);
  expect(names.at(-1)).toBe("error");
  expect(names).not.toContain("message_stop");
  expect(JSON.parse(events.at(-1)!.data).error.type).toBe("timeout_error");
});

test("a stream cut before [DONE] makes the Anthropic SDK throw instead of finishing", async () => {
  oa.script({ sse: openaiChunks({ content: ["partial ", "answer"], done: false, includeUsage: false }).slice(0, 3), cut: true });
  const stream = anthropic().messages.stream(ask);
  const err = await stream.finalMessage().catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  expect(String(err.message ?? err)).toMatch(/upstream/);
});

// Upstream answers that are no answer: a 200 of another protocol, a body past the size limit. Each
// is a 502 in the client's shape that fails over to the next target, like any upstream fault.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { startUpstream, type Protocol, type Reply, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { claudeMessage, openaiCompletion } from "./support/wire.ts";
import { geminiResponse } from "./support/wire-gemini.ts";
import { ollamaChat } from "./support/wire-ollama.ts";

const MAX_BODY = 1 << 20;
const PROTOCOLS: Protocol[] = ["openai", "claude", "gemini", "ollama"];
const PROVIDER: Record<Protocol, string> = { openai: "oa", claude: "cl", gemini: "gm", ollama: "ol" };
const NAME: Record<Protocol, string> = { openai: "an OpenAI", claude: "a Claude", gemini: "a Gemini", ollama: "an Ollama" };
const ANSWER: Record<Protocol, unknown> = {
  openai: openaiCompletion({ content: "ok" }),
  claude: claudeMessage({ content: "ok" }),
  gemini: geminiResponse({ text: "ok" }),
  ollama: ollamaChat({ content: "ok" }),
};

/** A scripted upstream streaming `total` bytes of one JSON body in 64 KiB chunks, counting what it was asked for. */
function bigUpstream(total: number, status = 200) {
  const chunk = new Uint8Array(64 << 10).fill(0x61); // "aaaa…"
  const enc = new TextEncoder();
  let pulled = 0;
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch() {
      pulled = 0;
      const head = enc.encode('{"choices":[{"index":0,"message":{"role":"assistant","content":"');
      const tail = enc.encode('"},"finish_reason":"stop"}]}');
      let i = 0;
      const n = Math.ceil(total / chunk.length);
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (i === 0) c.enqueue(head);
          if (i < n) (c.enqueue(chunk), (pulled += chunk.length));
          else (c.enqueue(tail), c.close());
          i++;
        },
      });
      return new Response(body, { status, headers: { "content-type": "application/json" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/v1`, pulled: () => pulled, close: () => server.stop(true) };
}

let ups: Record<Protocol, Upstream>;
let big: ReturnType<typeof bigUpstream>, bigError: ReturnType<typeof bigUpstream>;
let proxy: Proxy;

beforeAll(async () => {
  ups = Object.fromEntries(await Promise.all(PROTOCOLS.map(async (p) => [p, await startUpstream(p)]))) as Record<Protocol, Upstream>;
  big = bigUpstream(64 << 20);
  bigError = bigUpstream(64 << 20, 500);
  proxy = await startProxy({
    limits: { maxBodyBytes: MAX_BODY },
    providers: {
      ...Object.fromEntries(PROTOCOLS.map((p) => [PROVIDER[p], { protocol: p, baseUrl: ups[p].url }])),
      big: { protocol: "openai", baseUrl: big.url },
      bigError: { protocol: "openai", baseUrl: bigError.url },
    },
    models: {
      ...Object.fromEntries(PROTOCOLS.map((p) => [`${p}-then-openai`, { targets: [`${PROVIDER[p]}/first`, "oa/second"] }])),
      "big-then-openai": { targets: ["big/first", "oa/second"] },
      "big-error-then-openai": { targets: ["bigError/first", "oa/second"] },
    },
  });
});
afterAll(async () => Promise.all([proxy.close(), big.close(), bigError.close(), ...PROTOCOLS.map((p) => ups[p].close())]));

async function ask(model: string, stream = false) {
  const res = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    body: JSON.stringify({ model, max_tokens: 5, stream, messages: [{ role: "user", content: "hi" }] }),
  });
  return { status: res.status, text: await res.text() };
}

describe("an upstream 200 of another protocol", () => {
  for (const p of PROTOCOLS) {
    const other = p === "openai" ? "claude" : "openai";
    test(`${p}: a 502 in the client's shape saying so, then the next target`, async () => {
      ups[p].script({ json: ANSWER[other] });
      const alone = await ask(`${PROVIDER[p]}/m`);
      expect(alone.status).toBe(502);
      const j = JSON.parse(alone.text);
      expect(j.type).toBe("error");
      expect(j.error.message).toContain(`upstream answered with something that is not ${NAME[p]} response`);

      ups[p].script({ json: ANSWER[other] });
      ups.openai.script({ json: ANSWER.openai });
      const failedOver = await ask(`${p}-then-openai`);
      expect(failedOver.status).toBe(200);
      expect(JSON.parse(failedOver.text).content).toEqual([{ type: "text", text: "ok" }]);
    });
  }

  test("asked to stream, answered whole with another protocol's body: the same", async () => {
    ups.claude.script({ json: ANSWER.openai });
    const r = await ask("cl/m", true);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).error.message).toContain("not a Claude response");
  });

  test("a Gemini prompt blocked before any candidate is still an answer", async () => {
    ups.gemini.script({ json: { promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } } });
    const r = await ask("gm/m");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).content).toEqual([]);
  });
});

describe("an upstream body past the limit", () => {
  test("a streamed 64 MiB JSON is a 502 once past limits.maxBodyBytes, read no further, and fails over", async () => {
    const alone = await ask("big/m");
    expect(alone.status).toBe(502);
    expect(JSON.parse(alone.text).error.message).toContain(`larger than ${MAX_BODY} bytes`);
    // What the upstream was asked for is the limit plus what socket buffers hold, not the body.
    expect(big.pulled()).toBeLessThan(32 << 20);

    ups.openai.script({ json: ANSWER.openai });
    const failedOver = await ask("big-then-openai");
    expect(failedOver.status).toBe(200);
  });

  test("a body whose content-length is past the limit is refused unread", async () => {
    ups.openai.script({ raw: JSON.stringify(openaiCompletion({ content: "a".repeat(2 * MAX_BODY) })), status: 200, contentType: "application/json" } as Reply);
    const r = await ask("oa/m");
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).error.message).toContain(`larger than ${MAX_BODY} bytes`);
  });

  test("a 64 MiB error body is read only as far as an error needs, and fails over", async () => {
    ups.openai.script({ json: ANSWER.openai });
    const r = await ask("big-error-then-openai");
    expect(r.status).toBe(200);
    expect(bigError.pulled()).toBeLessThan(32 << 20);
  });
});

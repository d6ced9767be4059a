// What the fuzzer (test/fuzz) found, each with the body it sent: the proxy answers in the caller's
// shape, and /health answers while it works.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startFuzzUpstream, type FuzzUpstream } from "./fuzz/upstream.ts";
import { WEATHER, TIME } from "./conformance/cases.ts";

let up: FuzzUpstream, proxy: Proxy;

beforeAll(async () => {
  up = await startFuzzUpstream();
  proxy = await startProxy({
    providers: {
      oa: { protocol: "openai", baseUrl: `${up.url}/v1` },
      cl: { protocol: "claude", baseUrl: up.url },
      gm: { protocol: "gemini", baseUrl: up.url },
      ol: { protocol: "ollama", baseUrl: up.url },
    },
    models: {},
  });
});
afterAll(async () => Promise.all([proxy.close(), up.close()]));

async function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(proxy.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: res.status, text: await res.text() };
}

/** `send`'s answer, and whether /health answered while it was being worked on. */
async function withHealth<T>(send: Promise<T>): Promise<{ answer: T; healthy: boolean }> {
  let done = false;
  const answer = send.finally(() => (done = true));
  await Bun.sleep(5);
  const health = done ? Promise.resolve(true) : fetch(`${proxy.url}/health`).then((r) => r.ok);
  return { answer: await answer, healthy: await health };
}

describe("bodies the fuzzer sent", () => {
  test("69,905 user messages in a row (3.7 MB) to /compat/api/chat answer, and /health with them", async () => {
    const message = { role: "user", content: "Weather and time in Oslo?" };
    const tools = [WEATHER, TIME].map((t) => ({ type: "function", function: t }));
    const body = JSON.stringify({ model: "oa/m", messages: Array(69_905).fill(message), tools, stream: true });
    const { answer, healthy } = await withHealth(post("/compat/api/chat", body));
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"done":true');
    expect(healthy).toBe(true);
  });

  test("a count whose tools[0].name is 524,288 spaces answers, and the count after it too", async () => {
    const body = {
      model: "oa/m",
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "call_r1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_r1", content: "18°C and sunny" }] },
      ],
      tools: [{ name: " ".repeat(524_288), description: WEATHER.description, input_schema: WEATHER.parameters }],
    };
    const { answer, healthy } = await withHealth(post("/compat/v1/messages/count_tokens", JSON.stringify(body)));
    expect(answer.status).toBe(200);
    expect(healthy).toBe(true);
    const next = await post("/v1/messages/count_tokens", JSON.stringify({ model: "oa/m", messages: [{ role: "user", content: "hi" }] }));
    expect(next.status).toBe(200);
    expect(JSON.parse(next.text).input_tokens).toBeGreaterThan(0);
  });

  test("Ollama's format holding a key named toString answers 200, on /api/generate and /api/chat", async () => {
    const format = '{"toString":[[]],"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}';
    const generate = `{"model":"cl/m","prompt":"Say hello.","format":${format},"options":{"temperature":0.2,"num_predict":64},"stream":true}`;
    const chat = `{"model":"oa/m","messages":[{"role":"user","content":"hi"}],"format":${format},"stream":false}`;
    for (const [path, body] of [["/api/generate", generate], ["/api/chat", chat]] as const) {
      const r = await post(path, body);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expect(r.text).toContain('"done":true');
    }
  });

  test("count_tokens bounds nesting as /v1/messages does: 100,000 levels in a text, or in a tool schema, are a 400 naming the field", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const text = `{"model":"gm/m","messages":[{"role":"user","content":[{"type":"text","text":${deep}},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"${png}"}}]}]}`;
    const schema = '{"type":"object","properties":{"a":'.repeat(50_000) + '{"type":"string"}' + "}}".repeat(50_000);
    const tool = `{"model":"cl/m","messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t","input_schema":${schema}}]}`;
    for (const [body, field] of [[text, "messages[0].content[0].text"], [tool, "tools[0].input_schema"]] as const) {
      const r = await post("/compat/v1/messages/count_tokens", body);
      const j = JSON.parse(r.text);
      expect({ status: r.status, type: j.type, kind: j.error?.type }).toEqual({ status: 400, type: "error", kind: "invalid_request_error" });
      expect(j.error.message).toStartWith(field);
    }
  });

  test('"stream": "" is a 400 naming stream on every route that takes the flag, not a 502 from an upstream that read it otherwise', async () => {
    const generate = '{"model":"ol/m","prompt":"Why is the sky blue?","system":"You answer briefly.","options":{"temperature":0.2,"num_predict":64},"stream":""}';
    const chat = '{"model":"ol/m","messages":[{"role":"user","content":"hi"}],"stream":""}';
    const claude = '{"model":"ol/m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"stream":""}';
    for (const [path, body] of [["/compat/api/generate", generate], ["/api/chat", chat], ["/v1/chat/completions", chat], ["/v1/messages", claude]] as const) {
      const r = await post(path, body);
      expect({ path, status: r.status, text: r.text }).toEqual({ path, status: 400, text: expect.stringContaining("stream: must be of type boolean") });
    }
  });
});

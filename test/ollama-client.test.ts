// The ollama npm client against the proxy, with OpenAI and Claude upstreams: chat (plain and
// streamed), generate, the model routes, and errors in Ollama's shape.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import type { Upstream } from "./support/upstream.ts";
import { proxyOverOpenaiAndClaude, type Proxy } from "./support/proxy.ts";
import { claudeEvents, claudeMessage, openaiChunks, openaiCompletion } from "./support/wire.ts";
import { parseNdjson } from "./support/wire-ollama.ts";

let oa: Upstream, cl: Upstream, proxy: Proxy;
const KEY = "proxy-key";
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

beforeAll(async () => {
  ({ oa, cl, proxy } = await proxyOverOpenaiAndClaude({
    key: KEY,
    models: { "gpt-local": { targets: ["oa/gpt-4o-mini"] }, "claude-local": { targets: ["cl/claude-small"] } },
  }));
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), cl.close()]));

const ollama = (key = KEY, host = proxy.url) => new Ollama({ host, headers: { Authorization: `Bearer ${key}` } });
const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather of a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("chat, OpenAI upstream", () => {
  test("plain: text, options and system as the upstream received them, usage and durations back", async () => {
    oa.script({ json: openaiCompletion({ content: "Hello there", usage: { prompt: 12, completion: 3 } }) });
    const r = await ollama().chat({
      model: "gpt-local",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
      options: { temperature: 0.2, top_p: 0.9, num_predict: 50, stop: ["###"], seed: 7, num_ctx: 4096 },
    });
    expect(r.message).toEqual({ role: "assistant", content: "Hello there" });
    expect(r.done).toBe(true);
    expect(r.done_reason).toBe("stop");
    expect(r.prompt_eval_count).toBe(12);
    expect(r.eval_count).toBe(3);
    expect(r.total_duration).toBeGreaterThan(0);
    expect(r.model).toBe("gpt-local");
    const got = oa.received.at(-1)!;
    expect(got.headers.authorization).toBe("Bearer sk-oa");
    expect(got.body).toMatchObject({
      model: "gpt-4o-mini",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ["###"],
      seed: 7,
    });
    expect(got.body.stream).toBe(false); // the SDK sends stream: false
    expect(got.body.num_ctx).toBeUndefined(); // Ollama-only options stay with Ollama
  });

  test("stream is the default when the request leaves it out: NDJSON ending with a done line", async () => {
    oa.script({ sse: openaiChunks({ content: ["Hel", "lo"], usage: { prompt: 8, completion: 2 } }) });
    const res = await fetch(`${proxy.url}/api/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: "gpt-local", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = parseNdjson(await res.text());
    expect(lines.slice(0, -1).map((l) => l.message.content)).toEqual(["Hel", "lo"]);
    expect(lines.slice(0, -1).every((l) => l.done === false && typeof l.created_at === "string")).toBe(true);
    const last = lines.at(-1);
    expect(last).toMatchObject({ model: "gpt-local", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 8, eval_count: 2 });
    for (const k of ["total_duration", "load_duration", "prompt_eval_duration", "eval_duration"]) expect(typeof last[k]).toBe("number");
    expect(oa.received.at(-1)!.body.stream).toBe(true);
  });

  test("streamed with the SDK: tool call arrives whole, final line says stop", async () => {
    oa.script({ sse: openaiChunks({ toolCalls: [{ id: "call_a", name: "get_weather", arguments: ['{"ci', 'ty":"Tokyo"}'] }] }) });
    const parts = [];
    for await (const p of await ollama().chat({ model: "gpt-local", messages: [{ role: "user", content: "Weather?" }], tools: [weather], stream: true })) parts.push(p);
    const calls = parts.flatMap((p) => p.message.tool_calls ?? []);
    expect(calls).toEqual([{ function: { name: "get_weather", arguments: { city: "Tokyo" } } }]);
    expect(parts.at(-1)!.done_reason).toBe("stop");
    expect(oa.received.at(-1)!.body.tools).toEqual([weather]);
  });

  test("tool round trip: calls without ids and results by tool_name reach OpenAI paired", async () => {
    oa.script({ json: openaiCompletion({ content: "11 degrees in Tokyo, 20 in Paris" }) });
    const r = await ollama().chat({
      model: "gpt-local",
      tools: [weather],
      messages: [
        { role: "user", content: "Weather in Tokyo and Paris?" },
        { role: "assistant", content: "", tool_calls: [
          { function: { name: "get_weather", arguments: { city: "Tokyo" } } },
          { function: { name: "get_weather", arguments: { city: "Paris" } } },
        ] },
        { role: "tool", content: "11 degrees", tool_name: "get_weather" },
        { role: "tool", content: "20 degrees", tool_name: "get_weather" },
      ],
    });
    expect(r.message.content).toBe("11 degrees in Tokyo, 20 in Paris");
    const msgs = oa.received.at(-1)!.body.messages;
    expect(msgs[1].tool_calls.map((c: any) => [c.id, c.function.arguments])).toEqual([
      ["call_0", '{"city":"Tokyo"}'],
      ["call_1", '{"city":"Paris"}'],
    ]);
    expect(msgs.slice(2)).toEqual([
      { role: "tool", tool_call_id: "call_0", content: "11 degrees" },
      { role: "tool", tool_call_id: "call_1", content: "20 degrees" },
    ]);
  });

  test("results in another order than their calls pair by tool_name, and a tool_call_id wins when given", async () => {
    oa.script({ json: openaiCompletion({ content: "ok" }) }, { json: openaiCompletion({ content: "ok" }) });
    const call = (name: string) => ({ function: { name, arguments: { city: "Oslo" } } });
    const history = (results: any[]) => [
      { role: "user", content: "Time and weather?" },
      { role: "assistant", content: "", tool_calls: [call("get_weather"), call("get_time")] },
      ...results,
    ];
    await ollama().chat({ model: "gpt-local", messages: history([
      { role: "tool", content: "12:00", tool_name: "get_time" },
      { role: "tool", content: "rain", tool_name: "get_weather" },
    ]) });
    const byId = (msgs: any[]) => msgs.filter((m) => m.role === "tool").map((m) => [m.tool_call_id, m.content]);
    expect(byId(oa.received.at(-1)!.body.messages)).toEqual([["call_1", "12:00"], ["call_0", "rain"]]);
    await ollama().chat({ model: "gpt-local", messages: history([
      { role: "tool", content: "rain", tool_name: "get_weather" },
      { role: "tool", content: "12:00", tool_call_id: "call_1" },
    ]) as any });
    expect(byId(oa.received.at(-1)!.body.messages)).toEqual([["call_0", "rain"], ["call_1", "12:00"]]);
  });

  test("an image goes as a data URL with its sniffed media type", async () => {
    oa.script({ json: openaiCompletion({ content: "a pixel" }) });
    await ollama().chat({ model: "gpt-local", messages: [{ role: "user", content: "What is it?", images: [PNG] }] });
    expect(oa.received.at(-1)!.body.messages[0].content).toEqual([
      { type: "text", text: "What is it?" },
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
    ]);
  });

  test("length maps to done_reason length", async () => {
    oa.script({ json: openaiCompletion({ content: "cut", finish: "length" }) });
    const r = await ollama().chat({ model: "gpt-local", messages: [{ role: "user", content: "Hi" }] });
    expect(r.done_reason).toBe("length");
  });
});

describe("chat, Claude upstream", () => {
  test("plain: think and thinking, system and max tokens as Claude received them", async () => {
    cl.script({
      json: claudeMessage({
        content: [{ type: "thinking", thinking: "Let me see.", signature: "sig" }, { type: "text", text: "Four." }],
        usage: { input_tokens: 20, output_tokens: 6 },
      }),
    });
    const r = await ollama().chat({
      model: "claude-local",
      think: true,
      messages: [{ role: "system", content: "Be exact." }, { role: "user", content: "2+2?" }],
      options: { num_predict: 2000, top_k: 5 },
    });
    expect(r.message).toEqual({ role: "assistant", content: "Four.", thinking: "Let me see." });
    expect(r.prompt_eval_count).toBe(20);
    expect(r.eval_count).toBe(6);
    const got = cl.received.at(-1)!.body;
    expect(got).toMatchObject({ model: "claude-small", system: [{ type: "text", text: "Be exact." }], max_tokens: 2000, top_k: 5, thinking: { type: "adaptive" } });
  });

  test("streamed: thinking then text, tool call whole, and usage on the done line", async () => {
    cl.script({
      sse: claudeEvents({
        blocks: [
          { type: "thinking", pieces: ["Hmm", "."], signature: "s1" },
          { type: "text", pieces: ["Checking"] },
          { type: "tool_use", id: "toolu_1", name: "get_weather", jsonPieces: ['{"city":', '"Oslo"}'] },
        ],
        stop_reason: "tool_use",
        usage: { input_tokens: 30, output_tokens: 12 },
      }),
    });
    const parts = [];
    const stream = await ollama().chat({ model: "claude-local", messages: [{ role: "user", content: "Oslo?" }], tools: [weather], stream: true });
    for await (const p of stream) parts.push(p);
    expect(parts.map((p) => p.message.thinking ?? "").join("")).toBe("Hmm.");
    expect(parts.map((p) => p.message.content).join("")).toBe("Checking");
    expect(parts.flatMap((p) => p.message.tool_calls ?? [])).toEqual([{ function: { name: "get_weather", arguments: { city: "Oslo" } } }]);
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 30, eval_count: 12 });
  });

  test("tool round trip: results become one user turn of tool_result blocks with the call ids", async () => {
    cl.script({ json: claudeMessage({ content: "Sunny." }) });
    await ollama().chat({
      model: "claude-local",
      tools: [weather],
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Rome" } } }] },
        { role: "tool", content: "sunny", tool_name: "get_weather" },
      ],
    });
    const msgs = cl.received.at(-1)!.body.messages;
    expect(msgs[1]).toEqual({ role: "assistant", content: [{ type: "tool_use", id: "call_0", name: "get_weather", input: { city: "Rome" } }] });
    expect(msgs[2]).toEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: "call_0", content: [{ type: "text", text: "sunny" }] }] });
  });

  test("an image becomes a base64 block with its media type", async () => {
    cl.script({ json: claudeMessage({ content: "ok" }) });
    await ollama().chat({ model: "claude-local", messages: [{ role: "user", content: "See", images: [PNG] }] });
    expect(cl.received.at(-1)!.body.messages[0].content).toEqual([
      { type: "text", text: "See" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
    ]);
  });
});

describe("generate", () => {
  test("prompt, system and images reach the upstream as one user turn; the reply has response", async () => {
    oa.script({ json: openaiCompletion({ content: "Blue.", usage: { prompt: 5, completion: 1 } }) });
    const r = await ollama().generate({ model: "gpt-local", prompt: "Sky colour?", system: "One word.", images: [PNG] });
    expect(r.response).toBe("Blue.");
    expect(r.done).toBe(true);
    expect(r.done_reason).toBe("stop");
    expect(r.eval_count).toBe(1);
    expect((r as any).message).toBeUndefined();
    expect(oa.received.at(-1)!.body.messages).toEqual([
      { role: "system", content: "One word." },
      { role: "user", content: [{ type: "text", text: "Sky colour?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
    ]);
  });

  test("streamed: response pieces then a done line", async () => {
    cl.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["Once", " upon"] }], usage: { input_tokens: 4, output_tokens: 2 } }) });
    const parts = [];
    for await (const p of await ollama().generate({ model: "claude-local", prompt: "Start a story", stream: true })) parts.push(p);
    expect(parts.map((p) => p.response).join("")).toBe("Once upon");
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 4, eval_count: 2 });
  });

  test("a missing prompt is a 400 naming it", async () => {
    const err = await ollama().generate({ model: "gpt-local" } as any).catch((e) => e);
    expect(err.status_code).toBe(400);
    expect(err.error).toContain("prompt");
  });
});

describe("model routes", () => {
  test("list: proxy models with tools capability", async () => {
    const r = await ollama().list();
    const names = r.models.map((m) => m.name);
    expect(names).toContain("gpt-local");
    expect(names).toContain("oa/gpt-4o-mini");
    const m = r.models.find((x) => x.name === "gpt-local")! as any;
    expect(m.model).toBe("gpt-local");
    expect(m.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(m.capabilities).toContain("tools");
    expect(typeof m.details.family).toBe("string");
  });
  test("show: a served model, and 404 for one that is not", async () => {
    const r = await ollama().show({ model: "claude-local" });
    expect(r.capabilities).toContain("tools");
    expect(r.details).toBeDefined();
    const err = await ollama().show({ model: "nope" }).catch((e) => e);
    expect(err.status_code).toBe(404);
    expect(err.error).toBe("model 'nope' not found");
  });
  test("version", async () => {
    const r = await ollama().version();
    expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
  test("under a group prefix, with the group's key and models", async () => {
    oa.script({ json: openaiCompletion({ content: "team" }) });
    const r = await ollama("team-key", `${proxy.url}/team`).chat({ model: "anything", messages: [{ role: "user", content: "hi" }] });
    expect(r.message.content).toBe("team");
    expect(oa.received.at(-1)!.body.model).toBe("team-model");
  });
});

describe("errors in Ollama's shape", () => {
  const post = (path: string, body: string, key = KEY) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body });

  test("malformed JSON is a 400 with an error string", async () => {
    const res = await post("/api/chat", "{nope");
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toContain("not valid JSON");
  });
  test("missing model, missing messages", async () => {
    for (const [body, field] of [[{ messages: [] }, "model"], [{ model: "gpt-local" }, "messages"]] as const) {
      const res = await post("/api/chat", JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error).toContain(field);
    }
  });
  test("wrong key is a 401", async () => {
    const err = await ollama("wrong").chat({ model: "gpt-local", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err.status_code).toBe(401);
    expect(err.error).toContain("access key");
  });
  test("an unknown model is a 404", async () => {
    const err = await ollama().chat({ model: "nope", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err.status_code).toBe(404);
    expect(err.error).toContain("nope");
  });
  test("an upstream error status comes back with its message", async () => {
    oa.script({ error: 400, body: { error: { message: "bad temperature", type: "invalid_request_error", param: "temperature", code: null } } });
    const err = await ollama().chat({ model: "gpt-local", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err.status_code).toBe(400);
    expect(err.error).toContain("bad temperature");
  });
  test("a stream cut mid-way ends with an error line, and the SDK throws", async () => {
    oa.script({ sse: openaiChunks({ content: ["partial", " answer"], done: false }).slice(0, 2), cut: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const p of await ollama().chat({ model: "gpt-local", messages: [{ role: "user", content: "hi" }], stream: true })) seen.push(p.message.content);
    })().catch((e) => e);
    expect(seen).toEqual(["partial"]);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain("upstream");
  });
});

// The @google/genai SDK against the proxy, with OpenAI and Claude upstreams: what the client got
// and what the upstream received, plain and streamed, and errors in Gemini's shape.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { GoogleGenAI, FunctionCallingConfigMode, type Content } from "@google/genai";
import type { Upstream } from "./support/upstream.ts";
import { proxyOverOpenaiAndClaude, type Proxy } from "./support/proxy.ts";
import { claudeEvents, claudeMessage, openaiChunks, openaiCompletion } from "./support/wire.ts";

let oa: Upstream, cl: Upstream, proxy: Proxy;
const KEY = "proxy-key";

beforeAll(async () => {
  ({ oa, cl, proxy } = await proxyOverOpenaiAndClaude({
    key: KEY,
    models: { "to-openai": { targets: ["oa/gpt-up"] }, "to-claude": { targets: ["cl/claude-up"] } },
  }));
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), cl.close()]));

const genai = (o: { key?: string; base?: string; apiVersion?: string } = {}) =>
  new GoogleGenAI({ apiKey: o.key ?? KEY, httpOptions: { baseUrl: o.base ?? proxy.url, apiVersion: o.apiVersion } });
const lastBody = (u: Upstream) => u.received.at(-1)!.body;

const weatherTool = {
  name: "get_weather",
  description: "Weather for a city",
  parametersJsonSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("text", () => {
  test("generateContent via OpenAI: system instruction and generationConfig as the upstream received them", async () => {
    oa.script({ json: openaiCompletion({ content: "Bonjour", usage: { prompt: 12, completion: 3 } }) });
    const r = await genai().models.generateContent({
      model: "to-openai",
      contents: "Say hello in French",
      config: { systemInstruction: "Be terse.", maxOutputTokens: 50, temperature: 0.2, topP: 0.9, stopSequences: ["END"], seed: 7 },
    });
    expect(r.text).toBe("Bonjour");
    expect(r.candidates![0]!.finishReason).toBe("STOP" as any);
    expect(r.usageMetadata).toMatchObject({ promptTokenCount: 12, candidatesTokenCount: 3, totalTokenCount: 15 });
    expect(r.modelVersion).toBe("to-openai");
    const got = oa.received.at(-1)!;
    expect(got.headers.authorization).toBe("Bearer sk-oa");
    expect(got.body).toMatchObject({
      model: "gpt-up",
      messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "Say hello in French" }],
      max_tokens: 50, temperature: 0.2, top_p: 0.9, stop: ["END"], seed: 7, stream: false,
    });
  });

  test("generateContent via Claude: topK and a default max_tokens reach it", async () => {
    cl.script({ json: claudeMessage({ content: "Hi", usage: { input: 8, output: 2 } }) });
    const r = await genai().models.generateContent({ model: "to-claude", contents: "hello", config: { topK: 40 } });
    expect(r.text).toBe("Hi");
    const body = lastBody(cl);
    expect(body).toMatchObject({ model: "claude-up", top_k: 40, messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }] });
    expect(typeof body.max_tokens).toBe("number");
  });

  test("generateContentStream via Claude: SSE chunks of text, then the finish reason and usage", async () => {
    cl.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["Hel", "lo", "!"] }], usage: { input: 9, output: 4 } }) });
    const chunks = [];
    for await (const c of await genai().models.generateContentStream({ model: "to-claude", contents: "hi" })) chunks.push(c);
    expect(chunks.map((c) => c.text ?? "").join("")).toBe("Hello!");
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(chunks.at(-1)!.candidates![0]!.finishReason).toBe("STOP" as any);
    expect(chunks.at(-1)!.usageMetadata).toMatchObject({ promptTokenCount: 9, candidatesTokenCount: 4 });
    expect(lastBody(cl).stream).toBe(true);
    expect(cl.received.at(-1)!.path).toBe("/v1/messages");
  });

  // LangChain's ChatGoogleGenerativeAI drops a chunk whose candidate has no content, and with it the
  // finish reason and usage; the API's own last chunk carries an empty text part.
  test("the last streamed chunk carries content (an empty text part) beside the finish reason and usage", async () => {
    oa.script({ sse: openaiChunks({ content: ["a", "b"], usage: { prompt: 7, completion: 2 } }) });
    const res = await fetch(`${proxy.url}/v1beta/models/to-openai:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": KEY },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "x" }] }] }),
    });
    const last = JSON.parse((await res.text()).trim().split("\n").filter((l) => l.startsWith("data: ")).at(-1)!.slice(6));
    expect(last.candidates).toEqual([{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP", index: 0 }]);
    expect(last.usageMetadata).toMatchObject({ promptTokenCount: 7, candidatesTokenCount: 2, totalTokenCount: 9 });
  });

  test("streamGenerateContent without alt=sse is one JSON array, with ?key= as the key", async () => {
    oa.script({ sse: openaiChunks({ content: ["a", "b"] }) });
    const res = await fetch(`${proxy.url}/v1beta/models/to-openai:streamGenerateContent?key=${KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "x" }] }] }),
    });
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const arr = (await res.json()) as any[];
    expect(arr.map((c) => c.candidates[0].content?.parts[0].text ?? "").join("")).toBe("ab");
    expect(arr.at(-1).candidates[0].finishReason).toBe("STOP");
  });
});

describe("tools", () => {
  test("a function call comes back whole with an id; the functionResponse pairs with it by name", async () => {
    oa.script({ json: openaiCompletion({ toolCalls: [{ id: "call_up1", name: "get_weather", arguments: '{"city":"Paris"}' }] }) });
    const ai = genai();
    const config = { tools: [{ functionDeclarations: [weatherTool] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ["get_weather"] } } };
    const r = await ai.models.generateContent({ model: "to-openai", contents: "Weather in Paris?", config });
    expect(r.functionCalls).toEqual([{ id: "call_up1", name: "get_weather", args: { city: "Paris" } }]);
    expect(r.candidates![0]!.finishReason).toBe("STOP" as any);
    expect(lastBody(oa).tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: weatherTool.parametersJsonSchema } }]);
    expect(lastBody(oa).tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });

    // The client sends history without ids (as Gemini allows): ids are made and results paired by name.
    oa.script({ json: openaiCompletion({ content: "Sunny in Paris." }) });
    const history: Content[] = [
      { role: "user", parts: [{ text: "Weather in Paris and Rome?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }, { functionCall: { name: "lookup", args: { q: "Rome" } } }] },
      { role: "user", parts: [{ functionResponse: { name: "lookup", response: { output: "Rome: rain" } } }, { functionResponse: { name: "get_weather", response: { output: "sunny" } } }] },
    ];
    const r2 = await ai.models.generateContent({ model: "to-openai", contents: history, config: { tools: config.tools } });
    expect(r2.text).toBe("Sunny in Paris.");
    const msgs = lastBody(oa).messages;
    expect(msgs[1].tool_calls.map((t: any) => [t.id, t.function.name, t.function.arguments])).toEqual([
      ["call_1_0", "get_weather", '{"city":"Paris"}'],
      ["call_1_1", "lookup", '{"q":"Rome"}'],
    ]);
    expect(msgs.slice(2)).toEqual([
      { role: "tool", tool_call_id: "call_1_1", content: "Rome: rain" },
      { role: "tool", tool_call_id: "call_1_0", content: "sunny" },
    ]);
  });

  test("a streamed call via Claude arrives as one whole functionCall", async () => {
    cl.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["Checking."] }, { type: "tool_use", id: "toolu_1", name: "get_weather", jsonPieces: ['{"ci', 'ty":"Oslo"}'] }] }) });
    const chunks = [];
    for await (const c of await genai().models.generateContentStream({ model: "to-claude", contents: "Oslo?", config: { tools: [{ functionDeclarations: [weatherTool] }] } })) chunks.push(c);
    const calls = chunks.flatMap((c) => c.functionCalls ?? []);
    expect(calls).toEqual([{ id: "toolu_1", name: "get_weather", args: { city: "Oslo" } }]);
    expect(chunks.at(-1)!.candidates![0]!.finishReason).toBe("STOP" as any);
    expect(lastBody(cl).tools[0]).toMatchObject({ name: "get_weather", input_schema: weatherTool.parametersJsonSchema });
  });
});

test("an inlineData image reaches OpenAI as a data URL and Claude as base64", async () => {
  const image = { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } };
  oa.script({ json: openaiCompletion({ content: "a dot" }) });
  cl.script({ json: claudeMessage({ content: "a dot" }) });
  for (const model of ["to-openai", "to-claude"])
    await genai().models.generateContent({ model, contents: [{ role: "user", parts: [{ text: "What is this?" }, image] }] });
  expect(lastBody(oa).messages[0].content[1]).toEqual({ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } });
  expect(lastBody(cl).messages[0].content[1]).toEqual({ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } });
});

describe("stop reasons and usage", () => {
  test("cached and reasoning tokens become cachedContentTokenCount and thoughtsTokenCount", async () => {
    oa.script({ json: openaiCompletion({ content: "x", usage: { prompt: 100, completion: 30, cached: 40, reasoning: 20 } }) });
    const r = await genai().models.generateContent({ model: "to-openai", contents: "q" });
    expect(r.usageMetadata).toMatchObject({ promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 10, thoughtsTokenCount: 20, totalTokenCount: 130 });
  });
  for (const [finish, expected] of [["length", "MAX_TOKENS"], ["content_filter", "SAFETY"]] as const)
    test(`OpenAI ${finish} → ${expected}`, async () => {
      oa.script({ json: openaiCompletion({ content: "cut", finish }) });
      const r = await genai().models.generateContent({ model: "to-openai", contents: "q" });
      expect(r.candidates![0]!.finishReason).toBe(expected as any);
    });
});

describe("routes around generation", () => {
  test("countTokens is counted here for a non-Gemini upstream", async () => {
    const before = oa.received.length;
    const r = await genai().models.countTokens({ model: "to-openai", contents: "How many tokens is this?" });
    expect(r.totalTokens).toBeGreaterThan(5);
    expect(oa.received.length).toBe(before);
  });
  test("models.list and models.get speak Gemini, with models/ names", async () => {
    const names: string[] = [];
    for await (const m of await genai().models.list()) names.push(m.name!);
    expect(names).toContain("models/to-openai");
    const m = await genai().models.get({ model: "to-claude" });
    expect(m.name).toBe("models/to-claude");
    expect(m.supportedActions).toContain("generateContent");
  });
  test("the SDK under /v1 and under a group prefix works too", async () => {
    oa.script({ json: openaiCompletion({ content: "v1 ok" }) }, { json: openaiCompletion({ content: "team ok" }) });
    expect((await genai({ apiVersion: "v1" }).models.generateContent({ model: "to-openai", contents: "q" })).text).toBe("v1 ok");
    const names: string[] = [];
    for await (const m of await genai({ apiVersion: "v1" }).models.list()) names.push(m.name!);
    expect(names).toContain("models/to-claude");
    expect((await genai({ key: "team-key", base: `${proxy.url}/team` }).models.generateContent({ model: "any", contents: "q" })).text).toBe("team ok");
    expect(lastBody(oa).model).toBe("team-model");
  });
});

describe("errors in Gemini's shape", () => {
  const post = (path: string, body: string, key = KEY) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-goog-api-key": key }, body });
  const expectError = async (res: Response, code: number, status: string, message: RegExp) => {
    expect(res.status).toBe(code);
    const body = (await res.json()) as any;
    expect(body).toEqual({ error: { code, message: expect.stringMatching(message), status } });
  };

  test("malformed JSON", async () => {
    await expectError(await post("/v1beta/models/to-openai:generateContent", "{not json"), 400, "INVALID_ARGUMENT", /not valid JSON/);
  });
  test("missing contents names the field", async () => {
    await expectError(await post("/v1beta/models/to-openai:generateContent", "{}"), 400, "INVALID_ARGUMENT", /^contents: field required/);
  });
  test("a wrong key, through the SDK", async () => {
    const err = await genai({ key: "wrong" }).models.generateContent({ model: "to-openai", contents: "q" }).catch((e) => e);
    expect(err.status).toBe(401);
    expect(JSON.parse(err.message).error.status).toBe("UNAUTHENTICATED");
  });
  test("an unknown model", async () => {
    const err = await genai().models.generateContent({ model: "no-such-model", contents: "q" }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(JSON.parse(err.message).error).toMatchObject({ code: 404, status: "NOT_FOUND" });
  });
  test("an upstream's 429 keeps its status", async () => {
    cl.script({ error: 429 });
    const err = await genai().models.generateContent({ model: "to-claude", contents: "q" }).catch((e) => e);
    expect(err.status).toBe(429);
    expect(JSON.parse(err.message).error).toMatchObject({ status: "RESOURCE_EXHAUSTED", message: expect.stringContaining("cl/claude-up") });
  });
  test("a stream cut mid-way makes the SDK throw instead of ending cleanly", async () => {
    oa.script({ sse: openaiChunks({ content: ["partial ", "answer"], done: false, includeUsage: false }).slice(0, 3), cut: true });
    const texts: string[] = [];
    const err = await (async () => {
      for await (const c of await genai().models.generateContentStream({ model: "to-openai", contents: "q" })) texts.push(c.text ?? "");
    })().catch((e) => e);
    expect(texts.join("")).toBe("partial answer");
    expect(err?.status).toBe(502);
    expect(err.message).toMatch(/upstream/);
  });
});

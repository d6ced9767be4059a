// Client bodies that crashed or stalled the proxy: each gets a 400 in the caller's shape naming the
// field, on every client route, plain and streamed; what the protocol allows still goes through.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { openaiChunks, openaiCompletion } from "./support/wire.ts";
import { ollamaChat } from "./support/wire-ollama.ts";
import { geminiResponse } from "./support/wire-gemini.ts";

let oa: Upstream, ol: Upstream, gm: Upstream, proxy: Proxy;

beforeAll(async () => {
  [oa, ol, gm] = await Promise.all([startUpstream("openai"), startUpstream("ollama"), startUpstream("gemini")]);
  proxy = await startProxy({
    providers: { oa: { protocol: "openai", baseUrl: oa.url }, ol: { protocol: "ollama", baseUrl: ol.url }, gm: { protocol: "gemini", baseUrl: gm.url } },
    models: {},
  });
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), ol.close(), gm.close()]));

type Client = "openai" | "claude" | "gemini" | "ollama";

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(proxy.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The error's message as each protocol shapes it; throws when the body is not that shape. */
function errorMessage(client: Client, text: string): string {
  const j = JSON.parse(text);
  const m = client === "ollama" ? j.error : j.error?.message;
  if (typeof m !== "string") throw new Error(`not a ${client} error: ${text.slice(0, 200)}`);
  if (client === "claude") expect(j.type).toBe("error");
  if (client === "gemini") expect(j.error.status).toBe("INVALID_ARGUMENT");
  return m;
}

async function expect400(client: Client, path: string, body: unknown, field: string) {
  const before = oa.received.length + ol.received.length + gm.received.length;
  const r = await post(path, body);
  expect({ status: r.status, message: errorMessage(client, r.text) }).toEqual({ status: 400, message: expect.stringContaining(field) });
  if (client === "openai") expect(JSON.parse(r.text).error.param).toStartWith(field);
  expect(oa.received.length + ol.received.length + gm.received.length).toBe(before); // refused before any upstream was asked
}

describe("a message without content", () => {
  for (const stream of [false, true]) {
    const how = stream ? "streamed" : "plain";
    test(`OpenAI, ${how}: a user message without content is a 400 naming messages[1].content`, async () => {
      const body = { model: "oa/m", stream, messages: [{ role: "user", content: "hi" }, { role: "user" }] };
      await expect400("openai", "/v1/chat/completions", body, "messages[1].content");
    });
    test(`OpenAI, ${how}: a tool message without content is a 400`, async () => {
      const body = { model: "oa/m", stream, messages: [{ role: "user", content: "hi" }, { role: "tool", tool_call_id: "c" }] };
      await expect400("openai", "/v1/chat/completions", body, "messages[1].content");
    });
    test(`Claude, ${how}: a message without content is a 400 naming messages[0].content`, async () => {
      const body = { model: "oa/m", max_tokens: 5, stream, messages: [{ role: "user" }] };
      await expect400("claude", "/v1/messages", body, "messages[0].content");
    });
    test(`Gemini, ${how}: a turn without parts is a 400 naming contents[0].parts`, async () => {
      const path = stream ? "/v1beta/models/oa/m:streamGenerateContent?alt=sse" : "/v1beta/models/oa/m:generateContent";
      await expect400("gemini", path, { contents: [{ role: "user" }] }, "contents[0].parts");
    });
  }

  test("a message that is not an object is a 400 naming it", async () => {
    await expect400("openai", "/v1/chat/completions", { model: "oa/m", messages: [{ role: "user", content: "hi" }, 7] }, "messages[1]");
    await expect400("claude", "/v1/messages", { model: "oa/m", max_tokens: 5, messages: ["hi"] }, "messages[0]");
  });

  test("an OpenAI assistant turn with tool calls and null content is accepted, streamed", async () => {
    oa.script({ sse: openaiChunks({ content: "done" }) });
    const r = await post("/v1/chat/completions", {
      model: "oa/m",
      stream: true,
      messages: [
        { role: "user", content: "read a" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "read", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "A" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.text).toContain("done");
    expect(oa.received.at(-1)!.body.messages[1].tool_calls[0].id).toBe("c1");
  });

  test("Ollama takes a message without content as empty, for every role", async () => {
    for (const role of ["system", "user", "assistant", "tool"]) {
      ol.script({ json: ollamaChat({ content: "ok" }) });
      const r = await post("/api/chat", { model: "ol/m", stream: false, messages: [{ role }, { role: "user", content: "go" }] });
      expect({ role, status: r.status }).toEqual({ role, status: 200 });
    }
  });

  test("a Claude tool_result without content (allowed) is converted and counted", async () => {
    const messages = [
      { role: "user", content: "hi" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1" }] },
    ];
    oa.script({ json: openaiCompletion({ content: "ok" }) });
    const r = await post("/v1/messages", { model: "oa/m", max_tokens: 5, messages });
    expect(r.status).toBe(200);
    expect(oa.received.at(-1)!.body.messages[2]).toMatchObject({ role: "tool", tool_call_id: "t1" });
    const counted = await post("/v1/messages/count_tokens", { model: "oa/m", messages });
    expect(counted.status).toBe(200);
    expect(JSON.parse(counted.text).input_tokens).toBeGreaterThan(0);
  }, 20_000); // the first count loads the tokenizer
});

describe("deep nesting is refused before anything walks it", () => {
  // The fuzzer's body: 10,000 nested arrays in messages[1].content, 20 KB.
  const deep = "[".repeat(10_000) + "]".repeat(10_000);
  const chat = (model: string) => `{"model":"${model}","max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"user","content":${deep}}]}`;

  test("OpenAI /v1/chat/completions", () => expect400("openai", "/v1/chat/completions", chat("oa/m"), "messages[1].content"));
  test("Claude /v1/messages", () => expect400("claude", "/v1/messages", chat("oa/m"), "messages[1].content"));
  test("Ollama /api/chat", () => expect400("ollama", "/api/chat", chat("ol/m"), "messages[1].content"));
  test("Ollama /api/generate", () => expect400("ollama", "/api/generate", `{"model":"ol/m","prompt":"hi","images":${deep}}`, "images"));
  test("Gemini :generateContent and :streamGenerateContent", async () => {
    const body = `{"contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"user","parts":${deep}}]}`;
    await expect400("gemini", "/v1beta/models/oa/m:generateContent", body, "contents[1].parts");
    await expect400("gemini", "/v1beta/models/oa/m:streamGenerateContent?alt=sse", body, "contents[1].parts");
  });

  test("a 100,000-deep tool input (a stack overflow when encoded) is a 400 naming it", async () => {
    const input = '{"x":'.repeat(100_000) + "1" + "}".repeat(100_000);
    const body = `{"model":"oa/m","max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":${input}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]}`;
    await expect400("claude", "/v1/messages", body, "messages[1].content[0].input");
  });

  test("a 10,000-level Gemini tool schema (a stack overflow when converted) is a 400 naming it", async () => {
    const schema = '{"type":"OBJECT","properties":{"a":'.repeat(10_000) + '{"type":"STRING"}' + "}}".repeat(10_000);
    const body = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":${schema}}]}]}`;
    await expect400("gemini", "/v1beta/models/oa/m:generateContent", body, "tools[0].functionDeclarations[0].parameters");
  });

  test("a body as deep as real clients nest still goes through", async () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 20; i++) schema = { type: "object", properties: { a: schema } };
    oa.script({ json: openaiCompletion({ content: "ok" }) });
    const r = await post("/v1/chat/completions", {
      model: "oa/m",
      messages: [{ role: "user", content: "hi" }],
      tools: [{ type: "function", function: { name: "f", parameters: schema } }],
    });
    expect(r.status).toBe(200);
    expect(oa.received.at(-1)!.body.tools[0].function.parameters).toEqual(schema);
  });
});

describe("tool schemas a Gemini upstream cannot take whole", () => {
  // The fuzzer's schema: a $ref back to itself, twice per level. Inlined to the old depth cap of 32
  // it is 2^32 nodes: the proxy's memory grew by gigabytes until it was killed.
  const bomb = { $defs: { n: { type: "object", properties: { a: { $ref: "#/$defs/n" }, b: { $ref: "#/$defs/n" } } } }, type: "object", properties: { n: { $ref: "#/$defs/n" } } };
  const cyclic = { $defs: { a: { allOf: [{ $ref: "#/$defs/a" }] } }, $ref: "#/$defs/a" };
  const openaiBody = (parameters: unknown) => ({ model: "gm/g", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "f", parameters } }] });

  test("a $ref to itself twice per level is inlined a few levels deep and sent", async () => {
    gm.script({ json: geminiResponse({ text: "ok" }) });
    const r = await post("/v1/chat/completions", openaiBody(bomb));
    expect(r.status).toBe(200);
    const sent = gm.received.at(-1)!.body.tools[0].functionDeclarations[0].parameters;
    expect(JSON.stringify(sent).length).toBeLessThan(2_000);
    expect(sent.properties.n.properties.a.type).toBe("object");
  });

  test("a cyclic $ref/allOf is a 400 naming the tool's schema in each client's terms", async () => {
    await expect400("openai", "/v1/chat/completions", openaiBody(cyclic), "tools[0].function.parameters");
    await expect400("claude", "/v1/messages", { model: "gm/g", max_tokens: 5, messages: [{ role: "user", content: "hi" }], tools: [{ name: "f", input_schema: cyclic }] }, "tools[0].input_schema");
    await expect400("ollama", "/api/chat", { model: "gm/g", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "f", parameters: cyclic } }] }, "tools[0].function.parameters");
    const gemini = { contents: [{ role: "user", parts: [{ text: "hi" }] }], tools: [{ functionDeclarations: [{ name: "e", parameters: { type: "object", properties: { x: { type: "string" } } } }, { name: "f", parametersJsonSchema: cyclic }] }] };
    await expect400("gemini", "/v1beta/models/gm/g:generateContent", gemini, "tools[0].functionDeclarations[1].parametersJsonSchema");
    await expect400("gemini", "/v1beta/models/gm/g:countTokens", gemini, "tools[0].functionDeclarations[1].parametersJsonSchema");
  });

  test("a cyclic schema bound for an upstream that takes $ref as it is goes through", async () => {
    oa.script({ json: openaiCompletion({ content: "ok" }) });
    const r = await post("/v1/chat/completions", { ...openaiBody(cyclic), model: "oa/m" });
    expect(r.status).toBe(200);
  });
});

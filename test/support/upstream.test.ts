// Proves the scripted upstream + builders speak the exact wire formats: the official SDKs must
// accept everything they produce.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startUpstream, type Upstream } from "./upstream.ts";
import {
  claudeErrorEvent, claudeEvents, claudeMessage, openaiChunks, openaiCompletion, readSse, readSseText, sseJson,
} from "./wire.ts";

let oa: Upstream;
let cl: Upstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  [oa, cl] = await Promise.all([startUpstream("openai"), startUpstream("claude")]);
  openai = new OpenAI({ apiKey: "sk-test", baseURL: oa.url, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-ant-test", baseURL: cl.url, maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all([oa.close(), cl.close()]);
});
beforeEach(() => {
  oa.received.length = 0;
  cl.received.length = 0;
});

const userMsg = [{ role: "user" as const, content: "hi" }];

describe("openai upstream", () => {
  test("text completion and request recording", async () => {
    oa.script({ json: openaiCompletion({ content: "Hello!", usage: { prompt: 7, completion: 3, cached: 2 } }) });
    const res = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: userMsg });
    expect(res.choices[0]!.message).toEqual({ role: "assistant", content: "Hello!", refusal: null });
    expect(res.choices[0]!.finish_reason).toBe("stop");
    expect(res.usage?.total_tokens).toBe(10);
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(2);
    const [req] = oa.received;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/v1/chat/completions");
    expect(req!.headers.authorization).toBe("Bearer sk-test");
    expect(req!.body).toEqual({ model: "gpt-4o-mini", messages: userMsg });
  });

  test("tool calls (non-stream)", async () => {
    oa.script({ json: openaiCompletion({ toolCalls: [{ id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' }] }) });
    const res = await openai.chat.completions.create({ model: "m", messages: userMsg });
    const msg = res.choices[0]!.message;
    expect(msg.content).toBeNull();
    expect(msg.tool_calls).toEqual([{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    expect(res.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("streamed text and interleaved parallel tool calls", async () => {
    const events = openaiChunks({
      content: ["Let me ", "check."],
      toolCalls: [
        { id: "call_a", name: "get_weather", arguments: ['{"city":', '"Par', 'is"}'] },
        { id: "call_b", name: "get_time", arguments: ['{"tz":"CET"}'] },
      ],
      interleave: true,
      usage: { prompt: 20, completion: 9 },
    });
    oa.script({ sse: events, delayMs: 2 });
    const stream = openai.chat.completions.stream({ model: "m", messages: userMsg, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    const msg = final.choices[0]!.message;
    expect(msg.content).toBe("Let me check.");
    expect(msg.tool_calls!.map((t) => t.type === "function" && [t.id, t.function.name, t.function.arguments])).toEqual([
      ["call_a", "get_weather", '{"city":"Paris"}'],
      ["call_b", "get_time", '{"tz":"CET"}'],
    ]);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.usage?.total_tokens).toBe(29);
    expect(oa.received[0]!.body.stream).toBe(true);
  });

  test("raw stream iteration sees role chunk, usage chunk with choices: [] and [DONE]", async () => {
    oa.script({ sse: openaiChunks({ content: ["a", "b"] }) });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of await openai.chat.completions.create({ model: "m", messages: userMsg, stream: true })) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage?.total_tokens).toBe(15);
    const r = await rawPost(oa, "/v1/chat/completions", openaiChunks({ content: "x" }));
    expect(r.text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(r.text).not.toContain("event:");
  });

  test("errors surface as typed SDK errors", async () => {
    oa.script({ error: 429 }, { error: 401, body: { error: { message: "bad key", type: "invalid_request_error", param: null, code: "invalid_api_key" } } });
    const e1 = await openai.chat.completions.create({ model: "m", messages: userMsg }).catch((e) => e);
    expect(e1).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e1.status).toBe(429);
    expect(e1.error).toEqual({ message: "Upstream error 429", type: "requests", param: null, code: null });
    const e2 = await openai.chat.completions.create({ model: "m", messages: userMsg }).catch((e) => e);
    expect(e2).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(e2.code).toBe("invalid_api_key");
  });

  test("empty queue → 500 'no scripted reply'; unknown path → 404, both recorded", async () => {
    const e = await openai.chat.completions.create({ model: "m", messages: userMsg }).catch((e) => e);
    expect(e).toBeInstanceOf(OpenAI.InternalServerError);
    expect(e.message).toContain("no scripted reply");
    const r = await fetch(`${oa.url}/audio/speech`, { method: "POST", body: "{}" });
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: { message: "Invalid URL (POST /v1/audio/speech)", type: "invalid_request_error", param: null, code: null } });
    expect(oa.received.map((x) => x.path)).toEqual(["/v1/chat/completions", "/v1/audio/speech"]);
  });

  test("function replies see the request; cut streams error on the client", async () => {
    oa.script((req) => ({ json: openaiCompletion({ content: `model=${req.body.model}` }) }));
    const res = await openai.chat.completions.create({ model: "echo-me", messages: userMsg });
    expect(res.choices[0]!.message.content).toBe("model=echo-me");

    oa.script({ sse: openaiChunks({ content: ["partial"], done: false }).slice(0, 2), cut: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of await openai.chat.completions.create({ model: "m", messages: userMsg, stream: true }))
        seen.push(c.choices[0]?.delta.content ?? "");
    })().catch((e) => e);
    expect(seen).toEqual(["", "partial"]);
    expect(err).toBeInstanceOf(Error);
  });
});

describe("claude upstream", () => {
  const params = { model: "claude-sonnet-4-6", max_tokens: 256, messages: userMsg };

  test("message with text and tool_use", async () => {
    cl.script({
      json: claudeMessage({
        content: [{ type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }],
        usage: { input: 12, output: 8, cacheRead: 4 },
      }),
    });
    const msg = await anthropic.messages.create(params);
    expect(msg.content).toEqual([
      { type: "text", text: "Checking." } as any,
      { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(msg.stop_reason).toBe("tool_use");
    expect(msg.usage).toEqual({ input_tokens: 12, output_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 } as any);
    const [req] = cl.received;
    expect(req!.path).toBe("/v1/messages");
    // SDK 1.13 authenticates with a Bearer header (not x-api-key) and a dated anthropic-version.
    expect(req!.headers.authorization).toBe("Bearer sk-ant-test");
    expect(req!.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test("streamed thinking + text + tool_use via messages.stream().finalMessage()", async () => {
    cl.script({
      sse: claudeEvents({
        blocks: [
          { type: "thinking", pieces: ["Need ", "weather."], signature: "EqQBsig==" },
          { type: "text", pieces: ["Let me ", "check."] },
          { type: "tool_use", id: "toolu_9", name: "get_weather", jsonPieces: ['{"city":', ' "Par', 'is"}'] },
        ],
        usage: { input: 30, output: 42 },
      }),
      delayMs: 2,
    });
    const final = await anthropic.messages.stream(params).finalMessage();
    expect(final.content).toEqual([
      { type: "thinking", thinking: "Need weather.", signature: "EqQBsig==" },
      { type: "text", text: "Let me check." } as any,
      { type: "tool_use", id: "toolu_9", name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.stop_sequence).toBeNull();
    expect(final.usage.input_tokens).toBe(30);
    expect(final.usage.output_tokens).toBe(42);
  });

  test("wire format: event line named after data.type, no [DONE]", async () => {
    const r = await rawPost(cl, "/v1/messages", claudeEvents({ blocks: [{ type: "text", pieces: ["hi"] }] }));
    expect(r.text.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
    expect(r.text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expect(readSseText(r.text).map((e) => e.event)).toEqual([
      "message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]);
    expect(r.response.headers.get("request-id")).toMatch(/^req_/);
  });

  test("errors: typed SDK errors with the Claude body shape", async () => {
    cl.script({ error: 529 }, { error: 400, body: undefined }, { error: 404 });
    const e1 = await anthropic.messages.create(params).catch((e) => e);
    expect(e1).toBeInstanceOf(Anthropic.InternalServerError);
    expect(e1.status).toBe(529);
    expect(e1.error.type).toBe("error");
    expect(e1.error.error).toEqual({ type: "overloaded_error", message: "Overloaded" });
    expect(e1.error.request_id).toMatch(/^req_/);
    const e2 = await anthropic.messages.create(params).catch((e) => e);
    expect(e2).toBeInstanceOf(Anthropic.BadRequestError);
    expect(e2.error.error.type).toBe("invalid_request_error");
    const e3 = await anthropic.messages.create(params).catch((e) => e);
    expect(e3).toBeInstanceOf(Anthropic.NotFoundError);
  });

  test("count_tokens, models, and a mid-stream error event", async () => {
    cl.script({ json: { input_tokens: 17 } });
    const n = await anthropic.messages.countTokens({ model: params.model, messages: userMsg });
    expect(n.input_tokens).toBe(17);
    expect(cl.received[0]!.path).toBe("/v1/messages/count_tokens");

    const start = claudeEvents({ blocks: [] }).slice(0, 2);
    cl.script({ sse: [...start, claudeErrorEvent()] });
    const err = await anthropic.messages.stream(params).finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String(err.message)).toContain("Overloaded");
  });
});

describe("stream mechanics and parsers", () => {
  test("delayMs flushes each event separately", async () => {
    oa.script({ sse: [{ data: { a: 1 } }, { data: { b: 2 } }, { data: "[DONE]" }], delayMs: 30 });
    const res = await fetch(`${oa.url}/chat/completions`, { method: "POST", body: "{}" });
    const reads: string[] = [];
    const dec = new TextDecoder();
    for await (const chunk of res.body!) reads.push(dec.decode(chunk));
    expect(reads).toEqual(['data: {"a":1}\n\n', 'data: {"b":2}\n\n', "data: [DONE]\n\n"]);
  });

  test("raw chunks arrive byte-exact; readSse handles CRLF, comments and split chunks", async () => {
    const bytes = new TextEncoder().encode("data: é\r\n\r\n");
    cl.script({ raw: [": keepalive\r\n", "event: x\r\nda", "ta:{\"k\":1}\r", "\n\r\n", bytes.slice(0, 7), bytes.slice(7)], delayMs: 5 });
    const res = await fetch(`${cl.url}/v1/messages`, { method: "POST", body: "{}" });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = await readSse(res);
    expect(events).toEqual([{ event: "x", data: '{"k":1}' }, { data: "é" }]);
    expect(sseJson(events)).toEqual([{ k: 1 }, "é"]);
    expect(readSseText("data: a\ndata: b\n\ndata: unterminated")).toEqual([{ data: "a\nb" }]);
  });

  test("ndjson replies", async () => {
    oa.script({ ndjson: [{ a: 1 }, { done: true }], delayMs: 5 });
    const res = await fetch(`${oa.url}/chat/completions`, { method: "POST", body: "{}" });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    expect(await res.text()).toBe('{"a":1}\n{"done":true}\n');
  });
});

async function rawPost(up: Upstream, path: string, sse: ReturnType<typeof openaiChunks>) {
  up.script({ sse });
  const base = up.url.replace(/\/v1$/, "");
  const response = await fetch(base + path, { method: "POST", body: "{}" });
  return { response, text: await response.text() };
}

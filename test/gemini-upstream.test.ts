// OpenAI and Anthropic SDK clients, and @google/genai passing through, against a scripted Gemini
// upstream: what it received (URL, key, body) and what the client got back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { geminiChunks, geminiResponse } from "./support/wire-gemini.ts";

let gm: Upstream, proxy: Proxy;

beforeAll(async () => {
  gm = await startUpstream("gemini");
  proxy = await startProxy({
    providers: { google: { protocol: "gemini", baseUrl: gm.url, keys: ["g-key"] } },
    models: { "*": { targets: ["google/gemini-2.5-flash"] } },
  });
});
afterAll(async () => Promise.all([proxy.close(), gm.close()]));

const openai = () => new OpenAI({ apiKey: "x", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: "x", baseURL: proxy.url, maxRetries: 0 });
const last = () => gm.received.at(-1)!;

describe("text", () => {
  test("OpenAI client: model and method in the URL, key in x-goog-api-key, system and sampling in the body", async () => {
    gm.script({ json: geminiResponse({ text: "Hello there", usage: { prompt: 11, candidates: 2 } }) });
    const r = await openai().chat.completions.create({
      model: "m",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }],
      max_tokens: 64, temperature: 0.5, top_p: 0.8, stop: ["###"],
    });
    expect(r.choices[0]!.message.content).toBe("Hello there");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 });
    const got = last();
    expect(got.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(got.headers["x-goog-api-key"]).toBe("g-key");
    expect(got.headers.authorization).toBeUndefined();
    expect(got.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { maxOutputTokens: 64, temperature: 0.5, topP: 0.8, stopSequences: ["###"] },
    });
  });

  test("Anthropic client streaming: ?alt=sse upstream, text deltas, usage as the last chunk said", async () => {
    gm.script({ sse: geminiChunks({ text: ["One ", "two ", "three"], usage: { prompt: 7, candidates: 3 } }, { finalParts: true }) });
    const stream = anthropic().messages.stream({ model: "m", max_tokens: 100, top_k: 5, messages: [{ role: "user", content: "count" }] });
    const deltas: string[] = [];
    stream.on("text", (t) => deltas.push(t));
    const msg = await stream.finalMessage();
    expect(deltas.join("")).toBe("One two three");
    expect(msg.stop_reason).toBe("end_turn");
    expect(msg.usage).toMatchObject({ input_tokens: 7, output_tokens: 3 });
    expect(last().path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    expect(last().query.get("alt")).toBe("sse");
    expect(last().body.generationConfig).toEqual({ maxOutputTokens: 100, topK: 5 });
  });
});

describe("tools", () => {
  const tools: OpenAI.ChatCompletionTool[] = [{
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather",
      parameters: {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: { city: { type: "string", format: "uri" }, unit: { type: ["string", "null"], enum: ["c", "f"] }, at: { $ref: "#/$defs/When" } },
        required: ["city"],
        additionalProperties: false,
        $defs: { When: { type: "string", format: "date-time" } },
      },
    },
  }];

  test("round trip through OpenAI: schema cleaned, call gets an id, the signature comes back on the call", async () => {
    gm.script({ json: geminiResponse({ calls: [{ name: "get_weather", args: { city: "Paris" }, signature: "c2lnLTE=" }], usage: { prompt: 20, candidates: 5 } }) });
    const r = await openai().chat.completions.create({ model: "m", messages: [{ role: "user", content: "Paris?" }], tools, tool_choice: "required" });
    const call = r.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(r.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(last().body.tools).toEqual([{
      functionDeclarations: [{
        name: "get_weather",
        description: "Weather",
        parameters: {
          type: "object",
          properties: { city: { type: "string" }, unit: { type: "string", nullable: true, enum: ["c", "f"] }, at: { type: "string", format: "date-time" } },
          required: ["city"],
        },
      }],
    }]);
    expect(last().body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });

    gm.script({ json: geminiResponse({ text: "Sunny." }) });
    await openai().chat.completions.create({
      model: "m",
      tools,
      messages: [
        { role: "user", content: "Paris?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "sunny, 21C" },
      ],
    });
    expect(last().body.contents).toEqual([
      { role: "user", parts: [{ text: "Paris?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "c2lnLTE=" }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { output: "sunny, 21C" } } }] },
    ]);
  });

  test("streamed call to an Anthropic client: a whole call becomes one tool_use block", async () => {
    gm.script({ sse: geminiChunks({ text: ["Let me check."], calls: [{ name: "get_weather", args: { city: "Oslo" } }] }) });
    const stream = anthropic().messages.stream({
      model: "m", max_tokens: 100, messages: [{ role: "user", content: "Oslo?" }],
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
    });
    const msg = await stream.finalMessage();
    expect(msg.stop_reason).toBe("tool_use");
    expect(msg.content.map((b) => b.type)).toEqual(["text", "tool_use"]);
    expect(msg.content[1]).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Oslo" } });
    expect((msg.content[1] as Anthropic.ToolUseBlock).id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test("Claude tool results go back as functionResponse parts named after their calls, turns alternating", async () => {
    gm.script({ json: geminiResponse({ text: "Done." }) });
    await anthropic().messages.create({
      model: "m", max_tokens: 50,
      messages: [
        { role: "user", content: "Do both." },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_a", name: "first", input: {} }, { type: "tool_use", id: "toolu_b", name: "second", input: { n: 1 } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_b", content: '{"ok":true}' }, { type: "tool_result", tool_use_id: "toolu_a", content: "failed", is_error: true }] },
        { role: "user", content: "And then?" },
      ],
    });
    expect(last().body.contents).toEqual([
      { role: "user", parts: [{ text: "Do both." }] },
      { role: "model", parts: [{ functionCall: { name: "first", args: {} } }, { functionCall: { name: "second", args: { n: 1 } } }] },
      { role: "user", parts: [
        { functionResponse: { name: "second", response: { ok: true } } },
        { functionResponse: { name: "first", response: { error: "failed" } } },
        { text: "And then?" },
      ] },
    ]);
  });
});

test("an image from an OpenAI data URL reaches Gemini as inlineData", async () => {
  gm.script({ json: geminiResponse({ text: "a cat" }) });
  await openai().chat.completions.create({
    model: "m",
    messages: [{ role: "user", content: [{ type: "text", text: "What?" }, { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } }] }],
  });
  expect(last().body.contents[0].parts).toEqual([{ text: "What?" }, { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } }]);
});

describe("stop reasons and usage", () => {
  test("cached and thoughts tokens: OpenAI gets cached_tokens and reasoning_tokens, prompt_tokens as Gemini counted", async () => {
    gm.script({ json: geminiResponse({ text: "x", usage: { prompt: 100, candidates: 10, cached: 60, thoughts: 25 } }) });
    const r = await openai().chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] });
    expect(r.usage).toMatchObject({
      prompt_tokens: 100, completion_tokens: 35, total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 60 }, completion_tokens_details: { reasoning_tokens: 25 },
    });
  });
  test("Claude sees input without the cached part, and cache reads apart", async () => {
    gm.script({ json: geminiResponse({ text: "x", usage: { prompt: 100, candidates: 10, cached: 60, thoughts: 25 } }) });
    const r = await anthropic().messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "q" }] });
    expect(r.usage).toMatchObject({ input_tokens: 40, cache_read_input_tokens: 60, output_tokens: 35 });
  });
  for (const [finish, oa, cl] of [["MAX_TOKENS", "length", "max_tokens"], ["SAFETY", "content_filter", "refusal"], ["RECITATION", "content_filter", "refusal"], ["PROHIBITED_CONTENT", "content_filter", "refusal"]] as const)
    test(`${finish} → OpenAI ${oa}, Claude ${cl}`, async () => {
      gm.script({ json: geminiResponse({ text: "cut", finish }) }, { sse: geminiChunks({ text: ["cu", "t"], finish }) });
      const r = await openai().chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] });
      expect(r.choices[0]!.finish_reason).toBe(oa);
      const msg = await anthropic().messages.stream({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "q" }] }).finalMessage();
      expect(msg.stop_reason).toBe(cl);
    });
  test("a prompt blocked before any candidate is a content filter stop", async () => {
    gm.script({ json: { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 }, modelVersion: "gemini-2.5-flash" } });
    const r = await openai().chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] });
    expect(r.choices[0]!.finish_reason).toBe("content_filter");
  });
});

describe("thinking", () => {
  test("thought parts reach a Claude client as thinking with their signature", async () => {
    gm.script({ sse: geminiChunks({ thought: ["Let me ", "think."], thoughtSignature: "dGhvdWdodA==", text: ["Answer."], usage: { prompt: 5, candidates: 1, thoughts: 9 } }) });
    const msg = await anthropic().messages.stream({ model: "m", max_tokens: 2000, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "q" }] }).finalMessage();
    expect(msg.content[0]).toEqual({ type: "thinking", thinking: "Let me think.", signature: "dGhvdWdodA==" });
    expect(msg.content[1]).toMatchObject({ type: "text", text: "Answer." });
    expect(msg.usage.output_tokens).toBe(10);
    expect(last().body.generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingBudget: 1024 });
  });
});

describe("errors", () => {
  test("an upstream 429 reaches the OpenAI client as 429 with Gemini's message", async () => {
    gm.script({ error: 429, body: { error: { code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED" } } });
    const err = await openai().chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] }).catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.message).toContain("Quota exceeded");
  });
  test("an upstream 400 INVALID_ARGUMENT reaches Claude as invalid_request_error", async () => {
    gm.script({ error: 400, body: { error: { code: 400, message: 'Unknown name "foo"', status: "INVALID_ARGUMENT" } } });
    const err = await anthropic().messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "q" }] }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.error).toMatchObject({ type: "invalid_request_error", message: expect.stringContaining('Unknown name "foo"') });
  });
  test("a stream cut before its finish reason makes the Anthropic SDK throw", async () => {
    gm.script({ sse: geminiChunks({ text: ["partial ", "text", "more"] }).slice(0, 2), cut: true });
    const err = await anthropic().messages.stream({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "q" }] }).finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/upstream/);
  });
  test("a stream that ends cleanly but without a finish reason is an error, not a clean end", async () => {
    gm.script({ sse: geminiChunks({ text: ["a", "b"] }).slice(0, 2) });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const c of await openai().chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "q" }] })) chunks.push(c);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);
  });
});

describe("Gemini to Gemini", () => {
  const genai = () => new GoogleGenAI({ apiKey: "x", httpOptions: { baseUrl: proxy.url } });
  test("signatures, thoughts, safety settings and countTokens pass through", async () => {
    gm.script({ json: geminiResponse({ thought: "hm", thoughtSignature: "c2ln", calls: [{ name: "f", args: { a: 1 }, signature: "Y2FsbA==" }] }) });
    const r = await genai().models.generateContent({
      model: "m",
      contents: "go",
      config: { safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT" as any, threshold: "BLOCK_NONE" as any }], responseMimeType: "text/plain", candidateCount: 1 },
    });
    const parts = r.candidates![0]!.content!.parts!;
    expect(parts[0]).toEqual({ text: "hm", thought: true, thoughtSignature: "c2ln" });
    expect(parts[1]).toMatchObject({ functionCall: { name: "f", args: { a: 1 } }, thoughtSignature: "Y2FsbA==" });
    expect(last().body).toMatchObject({ safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }], generationConfig: { responseMimeType: "text/plain", candidateCount: 1 } });

    gm.script({ json: geminiResponse({ text: "ok" }) });
    await genai().models.generateContent({ model: "m", contents: [{ role: "user", parts: [{ text: "go" }] }, { role: "model", parts: [parts[0]!, parts[1]!] }, { role: "user", parts: [{ functionResponse: { name: "f", response: { v: 2 } } }] }] });
    expect(last().body.contents.slice(1)).toEqual([
      { role: "model", parts: [{ functionCall: { name: "f", args: { a: 1 } }, thoughtSignature: "Y2FsbA==" }] },
      { role: "user", parts: [{ functionResponse: { name: "f", response: { v: 2 } } }] },
    ]);

    gm.script({ json: { totalTokens: 42 } });
    expect((await genai().models.countTokens({ model: "m", contents: "count me" })).totalTokens).toBe(42);
    expect(last().path).toBe("/v1beta/models/gemini-2.5-flash:countTokens");
    expect(last().body.generateContentRequest).toMatchObject({ model: "models/gemini-2.5-flash", contents: [{ role: "user", parts: [{ text: "count me" }] }] });
  });
});

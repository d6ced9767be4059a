// The OpenAI and Anthropic SDKs against the proxy with an Ollama upstream speaking exact /api/chat
// wire format: what the client got and what Ollama received.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Ollama } from "ollama";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { ollamaChat, ollamaLines } from "./support/wire-ollama.ts";

let ol: Upstream, proxy: Proxy;
const KEY = "proxy-key";
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

beforeAll(async () => {
  ol = await startUpstream("ollama");
  proxy = await startProxy({
    accessKeys: [KEY],
    providers: {
      local: { protocol: "ollama", baseUrl: ol.url },
      cloud: { protocol: "ollama", baseUrl: ol.url, keys: ["ollama-cloud-key"] },
    },
    models: { qwen: { targets: ["local/qwen2.5:7b"] }, "qwen-cloud": { targets: ["cloud/qwen3:480b"] } },
  });
});
afterAll(async () => Promise.all([proxy.close(), ol.close()]));

const openai = () => new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: KEY, baseURL: proxy.url, maxRetries: 0 });
const weatherTool = {
  type: "function" as const,
  function: { name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

describe("OpenAI client → Ollama upstream", () => {
  test("plain text: /api/chat with stream false, options, system; usage back", async () => {
    ol.script({ json: ollamaChat({ content: "Hi!", usage: { prompt: 14, eval: 2 } }) });
    const c = await openai().chat.completions.create({
      model: "qwen",
      messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "Hello" }],
      max_tokens: 64,
      temperature: 0.3,
      top_p: 0.8,
      stop: ["END"],
      seed: 3,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
    });
    expect(c.choices[0]!.message.content).toBe("Hi!");
    expect(c.choices[0]!.finish_reason).toBe("stop");
    expect(c.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 });
    const got = ol.received.at(-1)!;
    expect(got.path).toBe("/api/chat");
    expect(got.headers.authorization).toBeUndefined();
    expect(got.body).toEqual({
      model: "qwen2.5:7b",
      messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "Hello" }],
      options: { num_predict: 64, temperature: 0.3, top_p: 0.8, stop: ["END"], seed: 3, presence_penalty: 0.5, frequency_penalty: 0.25 },
      stream: false,
    });
  });

  test("a provider key goes as Authorization: Bearer", async () => {
    ol.script({ json: ollamaChat({ content: "ok" }) });
    await openai().chat.completions.create({ model: "qwen-cloud", messages: [{ role: "user", content: "x" }] });
    expect(ol.received.at(-1)!.headers.authorization).toBe("Bearer ollama-cloud-key");
  });

  test("streamed text: NDJSON lines become chunks, usage from the done line", async () => {
    ol.script({ ndjson: ollamaLines({ content: ["Hel", "lo"], usage: { prompt: 9, eval: 2 } }) });
    const stream = await openai().chat.completions.create({
      model: "qwen",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage;
    for await (const ch of stream) {
      text += ch.choices[0]?.delta.content ?? "";
      finish = ch.choices[0]?.finish_reason ?? finish;
      if (ch.usage) usage = ch.usage;
    }
    expect(text).toBe("Hello");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2 });
    expect(ol.received.at(-1)!.body.stream).toBe(true);
  });

  test("tool call: Ollama's id-less call gets an id and finish tool_calls although done_reason is stop", async () => {
    ol.script({ json: ollamaChat({ toolCalls: [{ name: "get_weather", arguments: { city: "Tokyo" } }] }) });
    const c = await openai().chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool] });
    const call = c.choices[0]!.message.tool_calls![0]! as any;
    expect(call.id).toMatch(/^call_/);
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Tokyo"}' });
    expect(c.choices[0]!.finish_reason).toBe("tool_calls");
    expect(ol.received.at(-1)!.body.tools).toEqual([weatherTool]);
  });

  test("streamed tool call arrives whole in a line before the last", async () => {
    ol.script({ ndjson: ollamaLines({ toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }] }) });
    const stream = await openai().chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "Oslo?" }], tools: [weatherTool], stream: true });
    let args = "";
    let name = "";
    let finish: string | null = null;
    for await (const ch of stream) {
      for (const t of ch.choices[0]?.delta.tool_calls ?? []) (name ||= t.function?.name ?? ""), (args += t.function?.arguments ?? "");
      finish = ch.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual({ city: "Oslo" });
    expect(finish).toBe("tool_calls");
  });

  test("tool round trip: arguments as an object, results as tool messages with tool_name", async () => {
    ol.script({ json: ollamaChat({ content: "It is 11 degrees." }) });
    await openai().chat.completions.create({
      model: "qwen",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } }] },
        { role: "tool", tool_call_id: "call_x", content: "11 degrees" },
      ],
    });
    expect(ol.received.at(-1)!.body.messages).toEqual([
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Tokyo" } } }] },
      { role: "tool", content: "11 degrees", tool_name: "get_weather" },
    ]);
  });

  test("images: a data URL goes as raw base64; a web URL cannot, and becomes a note", async () => {
    ol.script({ json: ollamaChat({ content: "ok" }) });
    await openai().chat.completions.create({
      model: "qwen",
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "Compare" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
        ],
      }],
    });
    expect(ol.received.at(-1)!.body.messages).toEqual([
      { role: "user", content: "Compare\n[image not sent: https://example.com/cat.png]", images: [PNG] },
    ]);
  });

  test("done_reason length is finish_reason length", async () => {
    ol.script({ json: ollamaChat({ content: "trunc", doneReason: "length" }) });
    const c = await openai().chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "x" }] });
    expect(c.choices[0]!.finish_reason).toBe("length");
  });

  test("an Ollama error status comes back in OpenAI's shape with Ollama's message", async () => {
    ol.script({ error: 404, body: { error: "model 'qwen2.5:7b' not found" } });
    const err = await openai().chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.message).toContain("model 'qwen2.5:7b' not found");
    expect(err.type).toBe("not_found_error");
  });

  test("an error line mid-stream reaches the client as an error, not a clean end", async () => {
    ol.script({ ndjson: [...ollamaLines({ content: ["partial"] }).slice(0, 1), { error: "an error was encountered while running the model" }] });
    const chunks: string[] = [];
    const err = await (async () => {
      const s = await openai().chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "x" }], stream: true });
      for await (const ch of s) chunks.push(ch.choices[0]?.delta.content ?? "");
    })().catch((e) => e);
    expect(chunks.join("")).toBe("partial");
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toContain("an error was encountered while running the model");
  });
});

describe("Anthropic client → Ollama upstream", () => {
  test("plain: system, max_tokens, top_k, stop sequences and think as Ollama received them; its thinking shown unsigned", async () => {
    ol.script({ json: ollamaChat({ thinking: "Adding.", content: "4", usage: { prompt: 11, eval: 3 } }) });
    const m = await anthropic().messages.create({
      model: "qwen",
      system: "Answer in digits.",
      max_tokens: 100,
      ...({ top_k: 10 } as {}), // a Messages API field this SDK's types no longer list
      stop_sequences: ["\n\n"],
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: [{ role: "user", content: "2+2" }],
    });
    expect(m.content).toEqual([{ type: "thinking", thinking: "Adding.", signature: "" }, { type: "text", text: "4" }] as any);
    expect(m.stop_reason).toBe("end_turn");
    expect(m.usage).toMatchObject({ input_tokens: 11, output_tokens: 3 });
    expect(ol.received.at(-1)!.body).toEqual({
      model: "qwen2.5:7b",
      messages: [{ role: "system", content: "Answer in digits." }, { role: "user", content: "2+2" }],
      options: { num_predict: 100, top_k: 10, stop: ["\n\n"] },
      think: true,
      stream: false,
    });
  });

  test("streamed tool call: a tool_use block with the whole input, stop_reason tool_use", async () => {
    ol.script({ ndjson: ollamaLines({ content: ["Let me check."], toolCalls: [{ name: "get_weather", arguments: { city: "Lima" } }], usage: { prompt: 20, eval: 8 } }) });
    const stream = anthropic().messages.stream({
      model: "qwen",
      max_tokens: 100,
      tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
      messages: [{ role: "user", content: "Lima?" }],
    });
    const m = await stream.finalMessage();
    expect(m.content[0]).toMatchObject({ type: "text", text: "Let me check." });
    expect(m.content[1]).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Lima" } });
    expect((m.content[1] as any).id).toMatch(/^call_/);
    expect(m.stop_reason).toBe("tool_use");
    expect(m.usage.output_tokens).toBe(8);
    expect(ol.received.at(-1)!.body.tools[0].function.name).toBe("get_weather");
  });

  test("tool round trip and image: tool_result becomes a tool message naming its tool; image raw base64", async () => {
    ol.script({ json: ollamaChat({ content: "Sunny in Lima." }) });
    await anthropic().messages.create({
      model: "qwen",
      max_tokens: 50,
      messages: [
        { role: "user", content: [{ type: "text", text: "Lima?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_9", name: "get_weather", input: { city: "Lima" } }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_9", content: [{ type: "text", text: "sunny" }, { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] },
            { type: "text", text: "And?" },
          ],
        },
      ],
    });
    expect(ol.received.at(-1)!.body.messages).toEqual([
      { role: "user", content: "Lima?", images: [PNG] },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Lima" } } }] },
      { role: "tool", content: "sunny", tool_name: "get_weather", images: [PNG] },
      { role: "user", content: "And?" },
    ]);
  });

  test("a stream without its done line is an error event, not a clean end", async () => {
    ol.script({ ndjson: ollamaLines({ content: ["one", "two"] }).slice(0, 2), cut: true });
    const err = await anthropic()
      .messages.stream({ model: "qwen", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .finalMessage()
      .catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/stream|upstream/);
  });

  test("a clean close without a done line is also an error", async () => {
    ol.script({ ndjson: ollamaLines({ content: ["one"] }).slice(0, 1) });
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "qwen", max_tokens: 10, stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    const text = await res.text();
    expect(text).toContain("event: error");
    expect(text).not.toContain("message_stop");
  });
});

describe("Ollama client → Ollama upstream", () => {
  test("Ollama-only fields pass through: format, keep_alive, think level, num_ctx", async () => {
    ol.script({ json: ollamaChat({ content: "{}" }) });
    const client = new Ollama({ host: proxy.url, headers: { Authorization: `Bearer ${KEY}` } });
    const schema = { type: "object", properties: { a: { type: "number" } } };
    await client.chat({
      model: "qwen",
      messages: [{ role: "user", content: "json please" }],
      format: schema,
      keep_alive: "10m",
      think: "high",
      options: { num_ctx: 8192, repeat_penalty: 1.1, temperature: 0 },
    });
    expect(ol.received.at(-1)!.body).toEqual({
      model: "qwen2.5:7b",
      messages: [{ role: "user", content: "json please" }],
      format: schema,
      keep_alive: "10m",
      think: "high",
      options: { num_ctx: 8192, repeat_penalty: 1.1, temperature: 0 },
      stream: false,
    });
  });
});

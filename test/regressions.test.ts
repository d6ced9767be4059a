// Regressions named after what users of protocol proxies report breaking, each end to end through the SDKs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { claudeEvents, claudeMessage, openaiChunks, openaiCompletion, readSse } from "./support/wire.ts";

let oa: Upstream, cl: Upstream, proxy: Proxy;

beforeAll(async () => {
  [oa, cl] = await Promise.all([startUpstream("openai"), startUpstream("claude")]);
  proxy = await startProxy({
    providers: {
      oa: { protocol: "openai", baseUrl: oa.url },
      cl: { protocol: "claude", baseUrl: cl.url },
      capped: { protocol: "openai", baseUrl: oa.url, maxTokens: 8192 },
    },
    models: {},
  });
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), cl.close()]));

const openai = () => new OpenAI({ apiKey: "x", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: "x", baseURL: proxy.url, maxRetries: 0 });
const tools = [{ type: "function" as const, function: { name: "read", parameters: { type: "object", properties: { path: { type: "string" } } } } }];

describe("every tool call is paired with its result", () => {
  test("a call the client never answered gets an error result before Claude sees it", async () => {
    cl.script({ json: claudeMessage({ content: "ok" }) });
    await openai().chat.completions.create({
      model: "cl/c",
      tools,
      messages: [
        { role: "user", content: "read a and b" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "read", arguments: '{"path":"a"}' } },
            { id: "call_b", type: "function", function: { name: "read", arguments: '{"path":"b"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: "A" },
        { role: "user", content: "go on" },
      ],
    });
    const [, assistant, user] = cl.received.at(-1)!.body.messages;
    expect(assistant.content.map((b: any) => b.id)).toEqual(["call_a", "call_b"]);
    expect(user.content).toEqual([
      { type: "tool_result", tool_use_id: "call_a", content: [{ type: "text", text: "A" }] },
      { type: "tool_result", tool_use_id: "call_b", content: [{ type: "text", text: "No result: the call was not answered." }], is_error: true },
      { type: "text", text: "go on" },
    ]);
  });

  test("a result that answers no call reaches OpenAI as text, not as an orphan tool message", async () => {
    oa.script({ json: openaiCompletion({ content: "ok" }) });
    await anthropic().messages.create({
      model: "oa/g",
      max_tokens: 10,
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_gone", content: "stale" }, { type: "text", text: "and now?" }] },
      ],
    });
    const msgs = oa.received.at(-1)!.body.messages;
    expect(msgs.map((m: any) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify(msgs[2].content)).toContain("Result of tool call toolu_gone: stale");
  });
});

test("no empty text block is sent to Claude: an OpenAI assistant turn with content '' and a call", async () => {
  cl.script({ json: claudeMessage({ content: "done" }) });
  await openai().chat.completions.create({
    model: "cl/c",
    tools,
    messages: [
      { role: "user", content: "read a" },
      { role: "assistant", content: "", tool_calls: [{ id: "call_a", type: "function", function: { name: "read", arguments: '{"path":"a"}' } }] },
      { role: "tool", tool_call_id: "call_a", content: "A" },
    ],
  });
  const blocks = cl.received.at(-1)!.body.messages.flatMap((m: any) => (typeof m.content === "string" ? [] : m.content));
  expect(blocks.filter((b: any) => b.type === "text" && !b.text)).toEqual([]);
});

test("interleaved parallel OpenAI tool calls become whole, consecutive Claude tool_use blocks", async () => {
  oa.script({
    sse: openaiChunks({
      interleave: true,
      toolCalls: [
        { id: "call_1", name: "read", arguments: ['{"pa', 'th":"a"}'] },
        { id: "call_2", name: "read", arguments: ['{"pa', 'th":"b"}'] },
      ],
    }),
  });
  const res = await fetch(`${proxy.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "oa/g", max_tokens: 50, stream: true, messages: [{ role: "user", content: "read a and b" }] }),
  });
  const events = (await readSse(res)).map((e) => JSON.parse(e.data));
  const blockEvents = events.filter((e) => e.type.startsWith("content_block"));
  // Each block opens, gets all its deltas and closes before the next one opens.
  const order = blockEvents.map((e) => `${e.type.replace("content_block_", "")}:${e.index}`).filter((x, i, a) => x !== a[i - 1]);
  expect(order).toEqual(["start:0", "delta:0", "stop:0", "start:1", "delta:1", "stop:1"]);
  const json = (i: number) => blockEvents.filter((e) => e.index === i && e.delta).map((e) => e.delta.partial_json).join("");
  expect(JSON.parse(json(0))).toEqual({ path: "a" });
  expect(JSON.parse(json(1))).toEqual({ path: "b" });
  expect(events.find((e) => e.type === "message_delta").delta.stop_reason).toBe("tool_use");
});

test("Claude thinking and its signature survive a streamed turn and go back unchanged next turn", async () => {
  cl.script({ sse: claudeEvents({ blocks: [{ type: "thinking", pieces: ["hm", "m"], signature: "sig-abc" }, { type: "text", pieces: ["yes"] }] }) });
  const first = await anthropic().messages.stream({ model: "cl/c", max_tokens: 3000, thinking: { type: "enabled", budget_tokens: 2000 }, messages: [{ role: "user", content: "q" }] }).finalMessage();
  expect(first.content[0]).toEqual({ type: "thinking", thinking: "hmm", signature: "sig-abc" });
  cl.script({ json: claudeMessage({ content: "ok" }) });
  await anthropic().messages.create({
    model: "cl/c",
    max_tokens: 3000,
    thinking: { type: "enabled", budget_tokens: 2000 },
    messages: [{ role: "user", content: "q" }, { role: "assistant", content: first.content as Anthropic.ContentBlockParam[] }, { role: "user", content: "more" }],
  });
  expect(cl.received.at(-1)!.body.messages[1].content[0]).toEqual({ type: "thinking", thinking: "hmm", signature: "sig-abc" });
});

test("usage survives an OpenAI stream whose client did not ask for it: a Claude client still gets token counts", async () => {
  oa.script({ sse: openaiChunks({ content: ["a"], usage: { prompt: 31, completion: 7 } }) });
  const msg = await anthropic().messages.stream({ model: "oa/g", max_tokens: 10, messages: [{ role: "user", content: "q" }] }).finalMessage();
  expect(msg.usage).toMatchObject({ input_tokens: 31, output_tokens: 7 });
  expect(oa.received.at(-1)!.body.stream_options).toEqual({ include_usage: true });
});

test("Claude Code's max_tokens 128000 is capped to what the provider takes", async () => {
  oa.script({ sse: openaiChunks({ content: ["a"] }) }, { json: openaiCompletion({ content: "b" }) });
  await anthropic().messages.stream({ model: "capped/deepseek-chat", max_tokens: 128000, messages: [{ role: "user", content: "q" }] }).finalMessage();
  expect(oa.received.at(-1)!.body.max_tokens).toBe(8192);
  await anthropic().messages.create({ model: "capped/deepseek-chat", max_tokens: 1000, messages: [{ role: "user", content: "q" }] });
  expect(oa.received.at(-1)!.body.max_tokens).toBe(1000);
});

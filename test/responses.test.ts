// The Responses API as a client protocol, beyond the conformance matrix: its own upstream passed
// through untouched, free-form (custom) tools carried to a Claude upstream and back, reasoning kept
// across turns, the stream's event grammar, its failures after the first byte, and what it refuses.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { Server } from "bun";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { claudeEvents, claudeMessage, readSseText } from "./support/wire.ts";
import { expectFieldRefusals } from "./support/refusals.ts";

const KEY = "responses-key";
let proxy: Proxy;
let claude: Upstream;
/** A Responses upstream that answers with what the test sets, and keeps what it was sent. */
let native: Server<undefined>;
let nativeReply: () => Response;
const nativeSeen: { body: any; headers: Headers }[] = [];

beforeAll(async () => {
  claude = await startUpstream("claude");
  native = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      nativeSeen.push({ body: await req.json(), headers: req.headers });
      return nativeReply();
    },
  });
  proxy = await startProxy({
    accessKeys: [KEY],
    providers: {
      c: { protocol: "claude", baseUrl: claude.url, keys: ["sk-ant-secret"] },
      r: { protocol: "responses", baseUrl: `http://127.0.0.1:${native.port}/v1`, keys: ["sk-resp-secret"] },
    },
    models: { "my-model": { targets: ["r/gpt-5-mini"] } },
  });
});
afterAll(async () => {
  await proxy.close();
  await claude.close();
  native.stop(true);
});

const sdk = () => new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${proxy.url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** SSE text → the JSON data of each event, with its `event:` name. */
const events = (text: string): { event?: string; data: any }[] => readSseText(text).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));

const PATCH = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n";
const APPLY_PATCH = { type: "custom" as const, name: "apply_patch", description: "Edit files with a patch", format: { type: "grammar" as const, syntax: "lark" as const, definition: "start: patch" } };

describe("a Responses upstream is passed through", () => {
  test("the body goes as sent but for the model; the answer comes back as sent but for the model", async () => {
    const answer = {
      id: "resp_up1", object: "response", created_at: 1, status: "completed", model: "gpt-5-mini-2025-08-07",
      output: [{ id: "ws_1", type: "web_search_call", status: "completed", action: { type: "search", query: "x" } },
        { id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "done", annotations: [{ type: "url_citation", url: "https://example.com", start_index: 0, end_index: 4, title: "t" }] }] }],
      usage: { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 7 },
      some_future_field: { kept: true },
    };
    nativeReply = () => Response.json(answer);
    const sent = { model: "my-model", input: "search", tools: [{ type: "web_search" }], include: ["web_search_call.action.sources"], prompt_cache_key: "k1", store: false };
    const r = await post(sent);
    expect(r.status).toBe(200);
    expect(nativeSeen.at(-1)!.body).toEqual({ ...sent, model: "gpt-5-mini" });
    expect(nativeSeen.at(-1)!.headers.get("authorization")).toBe("Bearer sk-resp-secret");
    expect(await r.json()).toEqual({ ...answer, model: "my-model" });
  });

  test("a stream's frames go as the upstream sent them, the response's model renamed", async () => {
    const frames = [
      { type: "response.created", sequence_number: 0, response: { id: "resp_s", object: "response", status: "in_progress", model: "gpt-5-mini-2025-08-07", output: [] } },
      { type: "response.output_item.added", sequence_number: 1, output_index: 0, item: { id: "msg_s", type: "message", status: "in_progress", role: "assistant", content: [] } },
      { type: "response.output_text.delta", sequence_number: 2, item_id: "msg_s", output_index: 0, content_index: 0, delta: "hey", logprobs: [], obfuscation: "abc" },
      { type: "response.output_item.done", sequence_number: 3, output_index: 0, item: { id: "msg_s", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "hey", annotations: [] }] } },
      { type: "response.completed", sequence_number: 4, response: { id: "resp_s", object: "response", status: "completed", model: "gpt-5-mini-2025-08-07", output: [], usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 } } },
    ];
    const sse = frames.map((f) => `event: ${f.type}\ndata: ${JSON.stringify(f)}\n\n`).join("");
    nativeReply = () => new Response(sse, { headers: { "content-type": "text/event-stream" } });
    const r = await post({ model: "my-model", input: "hi", stream: true });
    const got = events(await r.text());
    const renamed = (f: any) => (f.response ? { ...f, response: { ...f.response, model: "my-model" } } : f);
    expect(got).toEqual(frames.map((f) => ({ event: f.type, data: renamed(f) })));
    expect(nativeSeen.at(-1)!.body.stream).toBe(true);
  });

  test("a stream cut short ends with an error event and a failed response", async () => {
    const frames = [
      { type: "response.created", sequence_number: 0, response: { id: "resp_c", object: "response", status: "in_progress", model: "m", output: [] } },
      { type: "response.output_item.added", sequence_number: 1, output_index: 0, item: { id: "msg_c", type: "message", status: "in_progress", role: "assistant", content: [] } },
      { type: "response.output_text.delta", sequence_number: 2, item_id: "msg_c", output_index: 0, content_index: 0, delta: "par" },
    ];
    nativeReply = () => new Response(frames.map((f) => `event: ${f.type}\ndata: ${JSON.stringify(f)}\n\n`).join(""), { headers: { "content-type": "text/event-stream" } });
    const got = events(await (await post({ model: "my-model", input: "hi", stream: true })).text());
    expect(got.slice(0, 3).map((e) => e.data.type)).toEqual(frames.map((f) => f.type));
    expect(got.slice(3).map((e) => e.data.type)).toEqual(["error", "response.failed"]);
    expect(got.at(-1)!.data.response.status).toBe("failed");
  });
});

describe("free-form (custom) tools through a Claude upstream", () => {
  test("plain: the tool goes as one string parameter; the call comes back as custom_tool_call", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "tool_use", id: "toolu_1", name: "apply_patch", input: { input: PATCH } }], stop_reason: "tool_use" }) });
    const r = await sdk().responses.create({ model: "c/claude-x", input: "add a.txt", tools: [APPLY_PATCH] });
    const tool = claude.received.at(-1)!.body.tools[0];
    expect(tool.name).toBe("apply_patch");
    expect(tool.input_schema.properties.input.type).toBe("string");
    expect(tool.input_schema.required).toEqual(["input"]);
    expect(tool.input_schema.properties.input.description).toContain("start: patch");
    expect(r.output).toEqual([expect.objectContaining({ type: "custom_tool_call", call_id: "toolu_1", name: "apply_patch", input: PATCH })]);
    expect(r.status).toBe("completed");
  });

  test("streamed: custom_tool_call_input events carry the whole input, and the final response agrees", async () => {
    claude.script({ sse: claudeEvents({ blocks: [{ type: "tool_use", id: "toolu_2", name: "apply_patch", jsonPieces: ['{"input": "*** Begin', ` Patch\\n*** Add File: a.txt\\n+hi\\n*** End Patch\\n"}`] }] }) });
    const stream = sdk().responses.stream({ model: "c/claude-x", input: "add a.txt", tools: [APPLY_PATCH] });
    const types: string[] = [];
    let delta = "";
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === "response.custom_tool_call_input.delta") delta += e.delta;
      expect(e.type).not.toBe("response.function_call_arguments.delta");
    }
    const final = await stream.finalResponse();
    expect(delta).toBe(PATCH);
    expect(types).toContain("response.custom_tool_call_input.done");
    expect(final.output).toEqual([expect.objectContaining({ type: "custom_tool_call", call_id: "toolu_2", input: PATCH })]);
  });

  test("the call and its output go back to Claude as tool_use and tool_result", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Patched." }] }) });
    await sdk().responses.create({
      model: "c/claude-x",
      tools: [APPLY_PATCH],
      input: [
        { role: "user", content: "add a.txt" },
        { type: "custom_tool_call", call_id: "toolu_3", name: "apply_patch", input: PATCH },
        { type: "custom_tool_call_output", call_id: "toolu_3", output: "Success." },
      ],
    });
    const messages = claude.received.at(-1)!.body.messages;
    expect(messages[1]).toEqual({ role: "assistant", content: [{ type: "tool_use", id: "toolu_3", name: "apply_patch", input: { input: PATCH } }] });
    expect(messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_3", content: [{ type: "text", text: "Success." }] });
  });
});

describe("reasoning across turns with a Claude upstream", () => {
  test("thinking comes out as a reasoning item with its signature as encrypted_content, and goes back as it was", async () => {
    claude.script({ sse: claudeEvents({ blocks: [{ type: "thinking", pieces: ["Two plus ", "two."], signature: "sig-abc" }, { type: "text", pieces: ["4"] }] }) });
    const first = await sdk().responses.stream({ model: "c/claude-x", input: "2+2?", reasoning: { effort: "high", summary: "auto" } }).finalResponse();
    const reasoning = first.output[0]!;
    expect(reasoning).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: "Two plus two." }], encrypted_content: "sig-abc" });
    expect(claude.received.at(-1)!.body.thinking).toBeDefined();

    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Yes." }] }) });
    await sdk().responses.create({ model: "c/claude-x", input: [{ role: "user", content: "2+2?" }, ...(first.output as any[]), { role: "user", content: "Sure?" }] });
    const assistant = claude.received.at(-1)!.body.messages[1];
    expect(assistant.content[0]).toEqual({ type: "thinking", thinking: "Two plus two.", signature: "sig-abc" });
  });
});

describe("the stream's grammar", () => {
  test("numbered from 0 with no gap, created then in_progress first, each item opened before it is filled and closed, completed last", async () => {
    claude.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["Hel", "lo"] }, { type: "tool_use", id: "toolu_g", name: "f", jsonPieces: ['{"a"', ":1}"] }], usage: { input_tokens: 9, output_tokens: 4 } }) });
    const r = await post({ model: "c/claude-x", input: "hi", stream: true, tools: [{ type: "function", name: "f", parameters: { type: "object", properties: {} } }] });
    expect(r.headers.get("content-type")).toContain("text/event-stream");
    const got = events(await r.text());
    expect(got.map((e) => e.data.sequence_number)).toEqual(got.map((_, i) => i));
    for (const e of got) expect(e.event).toBe(e.data.type);
    expect(got.map((e) => e.data.type)).toEqual([
      "response.created", "response.in_progress",
      "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
      "response.function_call_arguments.done", "response.output_item.done",
      "response.completed",
    ]);
    const done = got.filter((e) => e.data.type === "response.output_item.done").map((e) => e.data.item);
    const final = got.at(-1)!.data.response;
    expect(final.output).toEqual(done);
    expect(final.status).toBe("completed");
    expect(final.usage).toEqual({ input_tokens: 9, input_tokens_details: { cached_tokens: 0 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 13 });
    expect(got[0]!.data.response.id).toBe(final.id);
    expect(done[1]).toMatchObject({ type: "function_call", call_id: "toolu_g", name: "f", arguments: '{"a":1}' });
  });

  test("a max-tokens stop is response.incomplete with its reason", async () => {
    claude.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["1, 2"] }], stop_reason: "max_tokens" }) });
    const got = events(await (await post({ model: "c/claude-x", input: "count", stream: true, max_output_tokens: 3 })).text());
    expect(got.at(-1)!.data).toMatchObject({ type: "response.incomplete", response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, max_output_tokens: 3 } });
  });

  test("an upstream cut after the first byte is an error event, then response.failed with what had come; the SDK throws", async () => {
    claude.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["partial"] }] }).slice(0, 4), cut: true });
    const got = events(await (await post({ model: "c/claude-x", input: "hi", stream: true })).text());
    expect(got.slice(-2).map((e) => e.data.type)).toEqual(["error", "response.failed"]);
    // The cut item is never closed as done: Codex keeps done items in its history, also across its retries.
    expect(got.map((e) => e.data.type)).not.toContain("response.output_item.done");
    const failed = got.at(-1)!.data.response;
    expect(failed.status).toBe("failed");
    expect(failed.error.code).toBe("server_error");
    expect(failed.output[0]).toMatchObject({ status: "incomplete", content: [{ text: "partial" }] });
    expect(JSON.stringify(got)).not.toContain("sk-ant-secret");

    claude.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["partial"] }] }).slice(0, 4), cut: true });
    const stream = sdk().responses.stream({ model: "c/claude-x", input: "hi" });
    await expect(stream.finalResponse()).rejects.toThrow();
  });
});

describe("earlier answers named instead of resent", () => {
  test("previous_response_id: each request reaches the upstream with the whole conversation, plain and streamed", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Hello Ada." }] }) });
    const first = await sdk().responses.create({ model: "c/claude-x", instructions: "Be brief.", input: "My name is Ada." });
    claude.script({ sse: claudeEvents({ blocks: [{ type: "tool_use", id: "toolu_p", name: "f", jsonPieces: ['{"a":1}'] }] }) });
    const second = await sdk().responses.stream({ model: "c/claude-x", previous_response_id: first.id, input: [{ role: "user", content: "Call f." }], tools: [{ type: "function", name: "f", parameters: { type: "object", properties: {} }, strict: false }] }).finalResponse();
    expect(second.previous_response_id ?? null).toBe(null);
    expect(claude.received.at(-1)!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "My name is Ada." }] },
      { role: "assistant", content: [{ type: "text", text: "Hello Ada." }] },
      { role: "user", content: [{ type: "text", text: "Call f." }] },
    ]);
    // Instructions are the request's own, as the API has it: the first request's do not carry over.
    expect(claude.received.at(-1)!.body.system).toBeUndefined();

    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Your name is Ada." }] }) });
    await sdk().responses.create({
      model: "c/claude-x",
      previous_response_id: second.id,
      input: [{ type: "function_call_output", call_id: "toolu_p", output: "done" }, { role: "user", content: "My name?" }],
    });
    const messages = claude.received.at(-1)!.body.messages;
    expect(messages.map((m: any) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    expect(messages[3].content).toEqual([{ type: "tool_use", id: "toolu_p", name: "f", input: { a: 1 } }]);
    expect(messages[4].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_p" });
  });

  test("an item_reference to an earlier answer's item is that item", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Let me check." }, { type: "tool_use", id: "toolu_r", name: "f", input: {} }] }) });
    const first = await sdk().responses.create({ model: "c/claude-x", input: "Check.", tools: [{ type: "function", name: "f", parameters: { type: "object", properties: {} }, strict: false }] });
    const [text, call] = first.output as any[];
    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Done." }] }) });
    await sdk().responses.create({
      model: "c/claude-x",
      input: [{ role: "user", content: "Check." }, { type: "item_reference", id: text.id }, call, { type: "function_call_output", call_id: "toolu_r", output: "ok" }],
    });
    expect(claude.received.at(-1)!.body.messages[1]).toEqual({
      role: "assistant",
      content: [{ type: "text", text: "Let me check." }, { type: "tool_use", id: "toolu_r", name: "f", input: {} }],
    });
  });

  test("one client never reaches another's kept answers: another access key, another group", async () => {
    const other = await startProxy({
      accessKeys: ["key-a", "key-b"],
      groups: { team: { accessKeys: ["key-t"], models: { "*": { targets: ["c/claude-x"] } } } },
      providers: { c: { protocol: "claude", baseUrl: claude.url, keys: ["sk-ant-secret"] } },
      models: { "*": { targets: ["c/claude-x"] } },
    });
    try {
      const as = (key: string, prefix = "") => new OpenAI({ apiKey: key, baseURL: `${other.url}${prefix}/v1`, maxRetries: 0 });
      claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Kept." }] }) });
      const first = await as("key-a").responses.create({ model: "m", input: "Keep this." });
      claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Again." }] }) });
      await as("key-a").responses.create({ model: "m", input: "Next.", previous_response_id: first.id });
      expect(claude.received.at(-1)!.body.messages.length).toBe(3);
      const before = claude.received.length;
      for (const [key, prefix] of [["key-b", ""], ["key-t", "/team"]] as const) {
        const e = await as(key, prefix).responses.create({ model: "m", input: "Next.", previous_response_id: first.id }).then(() => undefined, (x) => x);
        expect({ key, status: e?.status }).toEqual({ key, status: 400 });
        const ref = await as(key, prefix).responses.create({ model: "m", input: [{ type: "item_reference", id: (first.output[0] as any).id }, { role: "user", content: "Next." }] }).then(() => undefined, (x) => x);
        expect({ key, ref: ref === undefined }).toEqual({ key, ref: false });
      }
      expect(claude.received.length).toBe(before);
    } finally {
      await other.close();
    }
  });

  test("an answer asked with store: false is not kept", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Hi." }] }) });
    const first = await sdk().responses.create({ model: "c/claude-x", input: "Hi.", store: false });
    const r = await post({ model: "c/claude-x", input: "Again.", previous_response_id: first.id });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.param).toBe("previous_response_id");
  });

  test("a previous_response_id the proxy does not keep goes on to a Responses upstream, which keeps its own", async () => {
    nativeReply = () => Response.json({ id: "resp_up2", object: "response", status: "completed", model: "m", output: [], usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } });
    const r = await post({ model: "my-model", input: "next", previous_response_id: "resp_upstream_own" });
    expect(r.status).toBe(200);
    expect(nativeSeen.at(-1)!.body.previous_response_id).toBe("resp_upstream_own");
  });
});

describe("what the proxy refuses, in OpenAI's error shape", () => {
  test("a previous_response_id the proxy does not keep is a 400 that says to send the whole conversation", async () => {
    const before = claude.received.length;
    const r = await post({ model: "c/claude-x", input: "hi", previous_response_id: "resp_old" });
    expect(r.status).toBe(400);
    const body = (await r.json()) as any;
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.param).toBe("previous_response_id");
    expect(body.error.message).toContain('"resp_old" is not known here');
    expect(body.error.message).toContain("send the whole conversation in `input`");
    expect(claude.received.length).toBe(before);
  });

  test("a missing input is a 400 naming it", async () => {
    const r = await post({ model: "c/claude-x" });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.message).toContain("input");
  });

  test("malformed fields are a 400 naming each, before any upstream is called", async () => {
    const before = claude.received.length;
    const cases: [unknown, string][] = [
      [{ model: "c/claude-x", input: "hi", instructions: ["a"] }, "instructions"],
      [{ model: "c/claude-x", input: [{ role: "user", content: 5 }] }, "input[0].content"],
      [{ model: "c/claude-x", input: [{ role: "user", content: [{ text: "no type" }] }] }, "input[0].content[0].type"],
      [{ model: "c/claude-x", input: [{ type: "function_call_output", call_id: 5, output: "x" }] }, "input[0].call_id"],
      [{ model: "c/claude-x", input: [{ content: "no role, no type" }] }, "input[0].type"],
      [{ model: "c/claude-x", input: "hi", tools: "x" }, "tools"],
      [{ model: "c/claude-x", input: "hi", tools: [{ name: "f" }] }, "tools[0].type"],
      [{ model: "c/claude-x", input: "hi", max_output_tokens: "10" }, "max_output_tokens"],
    ];
    await expectFieldRefusals(post, cases);
    expect(claude.received.length).toBe(before);
  });

  test("stored-response routes are a 404 that says what is kept, and for what", async () => {
    for (const [method, path] of [["GET", "/v1/responses/resp_1"], ["DELETE", "/v1/responses/resp_1"], ["POST", "/v1/responses/resp_1/cancel"], ["GET", "/responses/resp_1/input_items"]]) {
      const r = await fetch(`${proxy.url}${path}`, { method, headers: { authorization: `Bearer ${KEY}` } });
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(((await r.json()) as any).error.message).toContain("none can be retrieved, cancelled or listed");
    }
  });

  test("a WebSocket upgrade is refused at once, so a client falls back to HTTP", async () => {
    const r = await fetch(`${proxy.url}/v1/responses`, {
      headers: { authorization: `Bearer ${KEY}`, upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "openai-beta": "responses_websockets=2026-02-06" },
    });
    expect(r.status).not.toBe(101);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(((await r.json()) as any).error.message).toContain("POST");
  });
});

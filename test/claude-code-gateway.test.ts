// Claude Code's gateway contract, through the official Anthropic SDK sending what Claude Code sends:
// its `anthropic-version` and `anthropic-beta` headers reach a Claude upstream unchanged; its
// `cache_control` (with `ttl`) and `context_management` reach a Claude upstream as sent and the other
// protocols not at all, without a 400; its session id lands in the request log (`ccproxy logs --json`).
// @see https://code.claude.com/docs/en/llm-gateway
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { closeUpstreams, startUpstreams, upstreamProviders, upstreams, type Running } from "./conformance/upstreams/index.ts";
import { logs } from "../src/cli/logs.ts";
import { parseArgs } from "../src/cli/args.ts";

const KEY = "ccp-gateway-key";
const SESSION = "3f2a1c9e-7b4d-4e21-9a0f-5c6d7e8f9a0b";
const BETA = "interleaved-thinking-2025-05-14,context-management-2025-06-27";
const VERSION = "2023-01-01"; // not the proxy's default, so a forwarded value is told apart
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const hour = { type: "ephemeral", ttl: "1h" } as const;
const ephemeral = { type: "ephemeral" } as const;

const dir = mkdtempSync(join(tmpdir(), "ccproxy-gateway-"));
let running: Running = new Map();
let proxy: Proxy;

beforeAll(async () => {
  running = await startUpstreams();
  proxy = await startProxy({
    accessKeys: [KEY],
    logging: { path: join(dir, "log.db") },
    providers: upstreamProviders(running, (p) => `sk-${p}`),
    models: Object.fromEntries(upstreams.map((u) => [`claude-sonnet-via-${u.protocol}`, { targets: [`${u.protocol}/up-model`] }])),
  });
});
afterAll(async () => {
  await proxy?.close();
  await closeUpstreams(running);
  rmSync(dir, { recursive: true, force: true });
});

/** A Claude Code turn after a tool call: cache breakpoints on the system, the tools, and blocks of every kind. */
function body(model: string) {
  return {
    model,
    max_tokens: 1024,
    system: [
      { type: "text" as const, text: "You are Claude Code.", cache_control: hour },
      { type: "text" as const, text: "Project instructions.", cache_control: ephemeral },
    ],
    tools: [{ name: "Read", description: "Reads a file", input_schema: { type: "object" as const, properties: { path: { type: "string" } } }, cache_control: ephemeral }],
    messages: [
      {
        role: "user" as const,
        content: [
          { type: "text" as const, text: "Read a.txt; here is a picture.", cache_control: ephemeral },
          { type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: PNG }, cache_control: ephemeral },
        ],
      },
      { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "toolu_01", name: "Read", input: { path: "a.txt" }, cache_control: ephemeral }] },
      {
        role: "user" as const,
        content: [
          { type: "tool_result" as const, tool_use_id: "toolu_01", content: [{ type: "text" as const, text: "hello", cache_control: ephemeral }], cache_control: hour },
        ],
      },
    ],
    context_management: { edits: [{ type: "clear_tool_uses_20250919" }] },
  };
}

const client = () =>
  new Anthropic({
    apiKey: KEY,
    baseURL: proxy.url,
    maxRetries: 0,
    defaultHeaders: { "anthropic-version": VERSION, "anthropic-beta": BETA, "X-Claude-Code-Session-Id": SESSION },
  });

async function send(up: (typeof upstreams)[number]) {
  const server = running.get(up.protocol)!;
  server.script(up.reply({ text: ["Done."], stop: "end", usage: { input: 30, output: 2 } }, false));
  // The SDK's types lag the API's fields (context_management, a ttl): sent as Claude Code sends them.
  const m = await client().messages.create(body(`claude-sonnet-via-${up.protocol}`) as unknown as Anthropic.MessageCreateParamsNonStreaming);
  expect(m.content).toEqual([{ type: "text", text: "Done." } as Anthropic.ContentBlock]);
  return server.received.at(-1)!;
}

describe("to a Claude upstream", () => {
  test("anthropic-version and anthropic-beta arrive as the client sent them", async () => {
    const got = await send(upstreams.find((u) => u.protocol === "claude")!);
    expect(got.headers["anthropic-version"]).toBe(VERSION);
    expect(got.headers["anthropic-beta"]).toBe(BETA);
    expect(got.headers["x-api-key"]).toBe("sk-claude");
  });

  test("cache_control (with ttl) on system blocks, tools and every kind of content block, and context_management, arrive as sent", async () => {
    const got = await send(upstreams.find((u) => u.protocol === "claude")!);
    const sent = body("up-model");
    expect(got.body.system).toEqual(sent.system);
    expect(got.body.tools).toEqual(sent.tools);
    expect(got.body.messages).toEqual(sent.messages);
    expect(got.body.context_management).toEqual(sent.context_management);
  });
});

for (const up of upstreams.filter((u) => u.protocol !== "claude"))
  test(`to ${up.protocol}: no Claude-only header or field is sent, and the request succeeds`, async () => {
    const got = await send(up);
    expect(Object.keys(got.headers).filter((h) => h.startsWith("anthropic-") || h === "x-claude-code-session-id")).toEqual([]);
    const text = JSON.stringify(got.body);
    for (const field of ["cache_control", "context_management", "ttl", "ephemeral"]) expect(text).not.toContain(field);
  });

test("the session id is in the request log, bounded, and shown by `ccproxy logs --json`", async () => {
  await send(upstreams.find((u) => u.protocol === "openai")!);
  const long = "s".repeat(5000);
  running.get("openai")!.script({ json: { id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] } });
  await new Anthropic({ apiKey: KEY, baseURL: proxy.url, maxRetries: 0, defaultHeaders: { "X-Claude-Code-Session-Id": long } }).messages.create({
    model: "claude-sonnet-via-openai",
    max_tokens: 10,
    messages: [{ role: "user", content: "hi" }],
  });
  await proxy.log!.flush();

  const config = join(dir, "ccproxy.yaml");
  writeFileSync(config, `logging: { path: ${join(dir, "log.db")} }\nproviders: {}\n`);
  const lines: string[] = [];
  expect(await logs(parseArgs(["logs", "--config", config, "--json", "--limit", "2"]), { out: (l) => lines.push(l), env: { HOME: dir } })).toBe(0);
  const [first, second] = lines.map((l) => JSON.parse(l));
  expect(first.session).toBe(SESSION);
  expect(second.session).toBe("s".repeat(128));
});

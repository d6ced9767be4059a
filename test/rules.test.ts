// `when` rules through the official SDKs: each trait sends a request to its rule's targets, which
// the scripted upstream's received `model` shows; a request no rule matches keeps the entry's own.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logs } from "../src/cli/logs.ts";
import { parseArgs } from "../src/cli/args.ts";
import { parseExposition, sampleValue } from "./support/prometheus.ts";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { GoogleGenAI } from "@google/genai";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { claudeMessage, openaiCompletion } from "./support/wire.ts";

const PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-rules-"));
let claude: Upstream;
let openai: Upstream;
let proxy: Proxy;

const entries = (p: string) => ({
  cheap: { targets: [`${p}/up-cheap`] },
  reasoner: { targets: [`${p}/up-reasoner`] },
  longctx: { targets: [`${p}/up-long`] },
  vision: { targets: [`${p}/up-vision`] },
  tooled: { targets: [`${p}/up-tools`] },
  mcp: { targets: [`${p}/up-mcp`] },
  search: { targets: [`${p}/up-search`] },
  tagged: { targets: [`${p}/up-header`] },
});
const when = [
  { background: true, use: "cheap" },
  { header: { "x-ccproxy-route": "tag*" }, use: "tagged" },
  { thinking: true, use: "reasoner" },
  { webSearch: true, use: "search" },
  { tools: ["mcp__*"], use: "mcp" },
  { tools: true, use: "tooled" },
  { images: true, use: "vision" },
  { longContext: 2000, use: "longctx" },
];

beforeAll(async () => {
  claude = await startUpstream("claude");
  openai = await startUpstream("openai");
  proxy = await startProxy({
    logging: { path: join(dir, "log.db") },
    providers: { c: { protocol: "claude", baseUrl: claude.url, keys: ["sk-c"] }, o: { protocol: "openai", baseUrl: openai.url, keys: ["sk-o"] } },
    models: {
      "claude-*": { targets: ["c/up-main"], when },
      "gpt-*": { targets: ["o/up-main"], when },
      "gemini-*": { targets: ["o/up-main"], when },
      // Effort levels: the turns a client asks to think hard (Claude Code's --effort high, ultrathink)
      "opus-*": { targets: ["c/up-main"], when: [{ thinking: "high", use: "reasoner" }] },
      ...Object.fromEntries(Object.entries(entries("c")).map(([k, v]) => [k, v])),
    },
    groups: { oa: { models: { "gpt-*": { targets: ["o/up-main"], when }, ...entries("o") } } },
  });
});
afterAll(async () => {
  await proxy?.close();
  await claude?.close();
  await openai?.close();
  rmSync(dir, { recursive: true, force: true });
});

const anthropic = (headers: Record<string, string> = {}) => new Anthropic({ apiKey: "x", baseURL: proxy.url, maxRetries: 0, timeout: 30_000, defaultHeaders: headers });
const user = (text: string) => [{ role: "user" as const, content: text }];

/** What the Claude upstream was asked for, for one Messages request */
async function claudeModelFor(params: Anthropic.MessageCreateParamsNonStreaming, headers?: Record<string, string>): Promise<string> {
  claude.script({ json: claudeMessage({ content: "ok" }) });
  const before = claude.received.length;
  const res = await anthropic(headers).messages.create(params);
  expect(res.content[0]).toMatchObject({ type: "text", text: "ok" });
  expect(claude.received.length).toBe(before + 1);
  return claude.received.at(-1)!.body.model;
}

const base = { model: "claude-sonnet-4-6", max_tokens: 256, messages: user("hi") };
const tool = (name: string) => ({ name, input_schema: { type: "object" as const, properties: {} } });

describe("when rules through the Claude SDK", () => {
  test("no trait: the entry's own target", async () => {
    expect(await claudeModelFor(base)).toBe("up-main");
  });

  test("background: a haiku model goes to the cheap upstream", async () => {
    expect(await claudeModelFor({ ...base, model: "claude-haiku-4-5-20251001" })).toBe("up-cheap");
  });

  test("thinking: to the reasoner", async () => {
    expect(await claudeModelFor({ ...base, max_tokens: 4096, thinking: { type: "enabled", budget_tokens: 2048 } })).toBe("up-reasoner");
  });

  test("longContext: a long input to the long-context upstream; a short one is not", async () => {
    expect(await claudeModelFor({ ...base, messages: user("word ".repeat(2000)) })).toBe("up-long");
    expect(await claudeModelFor({ ...base, messages: user("word ".repeat(100)) })).toBe("up-main");
  });

  test("images: to the vision upstream", async () => {
    const content = [
      { type: "text" as const, text: "what is this?" },
      { type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: PNG_1X1 } },
    ];
    expect(await claudeModelFor({ ...base, messages: [{ role: "user", content }] })).toBe("up-vision");
  });

  test("tools: a named tool wins over any tools", async () => {
    expect(await claudeModelFor({ ...base, tools: [tool("Read"), tool("mcp__fs__read")] })).toBe("up-mcp");
    expect(await claudeModelFor({ ...base, tools: [tool("Read")] })).toBe("up-tools");
  });

  test("webSearch: Claude's web_search server tool", async () => {
    expect(await claudeModelFor({ ...base, tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 3 }] })).toBe("up-search");
  });

  test("header: a matching header value; another value is no match", async () => {
    expect(await claudeModelFor(base, { "X-CCProxy-Route": "tagged" })).toBe("up-header");
    expect(await claudeModelFor(base, { "X-CCProxy-Route": "other" })).toBe("up-main");
  });
});

describe("when rules through other clients", () => {
  const oai = () => new OpenAI({ apiKey: "x", baseURL: `${proxy.url}/oa/v1`, maxRetries: 0 });

  test("OpenAI chat in a group: reasoning_effort is thinking, a tool is tools", async () => {
    openai.script({ json: openaiCompletion({ content: "ok" }) }, { json: openaiCompletion({ content: "ok" }) });
    await oai().chat.completions.create({ model: "gpt-5", messages: user("hi"), reasoning_effort: "high" });
    expect(openai.received.at(-1)!.body.model).toBe("up-reasoner");
    await oai().chat.completions.create({ model: "gpt-5", messages: user("hi"), tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }] });
    expect(openai.received.at(-1)!.body.model).toBe("up-tools");
  });

  test("OpenAI: the Responses API's web_search tool and chat's web_search_options are webSearch", async () => {
    const sdk = new OpenAI({ apiKey: "x", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    claude.script({ json: claudeMessage({ content: "ok" }) }, { json: claudeMessage({ content: "ok" }) }, { json: claudeMessage({ content: "ok" }) });
    await sdk.responses.create({ model: "claude-sonnet-4-6", input: "news?", tools: [{ type: "web_search" }] });
    expect(claude.received.at(-1)!.body.model).toBe("up-search");
    await sdk.responses.create({ model: "claude-sonnet-4-6", input: "news?", tools: [{ type: "web_search_preview" }] });
    expect(claude.received.at(-1)!.body.model).toBe("up-search");
    await sdk.chat.completions.create({ model: "claude-sonnet-4-6", messages: user("news?"), web_search_options: {} });
    expect(claude.received.at(-1)!.body.model).toBe("up-search");
  });

  test("Gemini: googleSearch is webSearch", async () => {
    claude.script({ json: claudeMessage({ content: "ok" }) });
    const ai = new GoogleGenAI({ apiKey: "x", httpOptions: { baseUrl: proxy.url } });
    await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "news?", config: { tools: [{ googleSearch: {} }] } });
    expect(claude.received.at(-1)!.body.model).toBe("up-search");
  });
});

describe("thinking: a level takes the turns asked to think that hard or more", () => {
  const opus = { ...base, model: "opus-4-7", max_tokens: 40000 };
  const effort = (e: "low" | "medium" | "high" | "xhigh" | "max") => ({ ...opus, thinking: { type: "adaptive" as const }, output_config: { effort: e } });

  test("Claude adaptive thinking: its stated effort decides; unstated leaves it to the model", async () => {
    expect(await claudeModelFor({ ...opus, thinking: { type: "adaptive" } })).toBe("up-main");
    expect(await claudeModelFor(effort("medium"))).toBe("up-main"); // what Claude Code sends by default
    expect(await claudeModelFor(effort("high"))).toBe("up-reasoner");
    expect(await claudeModelFor(effort("xhigh"))).toBe("up-reasoner"); // ultrathink
    expect(await claudeModelFor(effort("max"))).toBe("up-reasoner");
  });

  test("Claude budgets count by size: 24,576 tokens and up is high", async () => {
    expect(await claudeModelFor({ ...opus, thinking: { type: "enabled", budget_tokens: 10000 } })).toBe("up-main");
    expect(await claudeModelFor({ ...opus, thinking: { type: "enabled", budget_tokens: 31999 } })).toBe("up-reasoner");
  });

  test("OpenAI reasoning_effort and Gemini's thinkingLevel and budgets", async () => {
    const oai = new OpenAI({ apiKey: "x", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    for (const [e, want] of [["medium", "up-main"], ["high", "up-reasoner"]] as const) {
      claude.script({ json: claudeMessage({ content: "ok" }) });
      await oai.chat.completions.create({ model: "opus-4-7", messages: user("hi"), reasoning_effort: e });
      expect(claude.received.at(-1)!.body.model).toBe(want);
    }
    const ai = new GoogleGenAI({ apiKey: "x", httpOptions: { baseUrl: proxy.url } });
    const gemini = async (thinkingConfig: object) => {
      claude.script({ json: claudeMessage({ content: "ok" }) });
      await ai.models.generateContent({ model: "opus-4-7", contents: "hi", config: { maxOutputTokens: 40000, thinkingConfig } });
      return claude.received.at(-1)!.body;
    };
    expect((await gemini({ thinkingLevel: "HIGH" })).model).toBe("up-reasoner");
    expect((await gemini({ thinkingLevel: "LOW" })).model).toBe("up-main");
    expect((await gemini({ thinkingBudget: 24576 })).model).toBe("up-reasoner");
    // -1 is Gemini's dynamic budget: the model decides, as Claude's adaptive thinking, which is what Claude gets
    const dynamic = await gemini({ thinkingBudget: -1, includeThoughts: true });
    expect(dynamic.model).toBe("up-main");
    expect(dynamic.thinking).toEqual({ type: "adaptive" });
  });
});

test("the log row and /metrics name the rule that routed each request, or none", async () => {
  expect(await claudeModelFor({ ...base, model: "claude-haiku-4-5" })).toBe("up-cheap");
  expect(await claudeModelFor(base)).toBe("up-main");
  await proxy.log!.flush();
  const config = join(dir, "ccproxy.yaml");
  writeFileSync(config, `logging: { path: ${join(dir, "log.db")} }\nproviders: {}\n`);
  const lines: string[] = [];
  expect(await logs(parseArgs(["logs", "--config", config, "--json", "--limit", "2"]), { out: (l) => lines.push(l), env: { HOME: dir } })).toBe(0);
  expect(lines.map((l) => JSON.parse(l).rule)).toEqual(["claude-*#1", null]);

  const m = parseExposition(await (await fetch(`${proxy.url}/metrics`)).text());
  expect(sampleValue(m, "ccproxy_rule_requests_total", { model: "claude-*", rule: "claude-*#1" })).toBeGreaterThanOrEqual(2);
  expect(sampleValue(m, "ccproxy_rule_requests_total", { model: "claude-*", rule: "claude-*#8" })).toBe(1);
  expect(sampleValue(m, "ccproxy_rule_requests_total", { model: "claude-*", rule: "none" })).toBeGreaterThanOrEqual(4);
  expect(sampleValue(m, "ccproxy_rule_requests_total", { group: "oa", model: "gpt-*", rule: "gpt-*#3" })).toBe(1);
});

describe("rules and shaping together", () => {
  test("a request a rule sends to another entry is shaped as that entry says, not as the entry it named", async () => {
    const p = await startProxy({
      providers: { c: { protocol: "claude", baseUrl: claude.url, keys: ["sk-c"] } },
      models: {
        "claude-*": { targets: ["c/up-main"], when: [{ background: true, use: "cheap" }], shape: { prompt: { prepend: "MAIN RULES." } } },
        cheap: { targets: ["c/up-cheap"], shape: { prompt: { prepend: "BE BRIEF." }, params: { maxTokens: { cap: 64 } } } },
      },
    });
    try {
      const sdk = new Anthropic({ apiKey: "x", baseURL: p.url, maxRetries: 0 });
      claude.script({ json: claudeMessage({ content: [{ type: "text", text: "ok" }] }) }, { json: claudeMessage({ content: [{ type: "text", text: "ok" }] }) });
      await sdk.messages.create({ model: "claude-haiku-4-5", max_tokens: 1000, system: "You title chats.", messages: user("Title this.") });
      const background = claude.received.at(-1)!.body;
      expect(background.model).toBe("up-cheap");
      expect(JSON.stringify(background.system)).toContain("BE BRIEF.");
      expect(JSON.stringify(background.system)).not.toContain("MAIN RULES.");
      expect(background.max_tokens).toBe(64);
      await sdk.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1000, system: "You code.", messages: user("Fix it.") });
      const main = claude.received.at(-1)!.body;
      expect(main.model).toBe("up-main");
      expect(JSON.stringify(main.system)).toContain("MAIN RULES.");
      expect(main.max_tokens).toBe(1000);

      // A count is asked of the upstream the request would go to, of the request as shaped for it.
      claude.script({ json: { input_tokens: 42 } });
      const counted = await sdk.messages.countTokens({ model: "claude-haiku-4-5", system: "You title chats.", messages: user("Title this.") });
      expect(counted.input_tokens).toBe(42);
      const asked = claude.received.at(-1)!;
      expect(asked.path).toBe("/v1/messages/count_tokens");
      expect(asked.body.model).toBe("up-cheap");
      expect(JSON.stringify(asked.body.system)).toContain("BE BRIEF.");
    } finally {
      await p.close();
    }
  });
});

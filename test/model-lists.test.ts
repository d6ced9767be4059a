// Model lists through the four official SDKs, with routes that are globs (the built-in default's
// shape): each upstream's own catalog, filtered by the route's pattern and named as a client sends
// it; Claude's pages; Ollama's `:latest`; /api/show's context length; the nearest names in an
// unknown-model error; a failing catalog adds nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { GoogleGenAI } from "@google/genai";
import { Ollama } from "ollama";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { openaiCompletion } from "./support/wire.ts";

const KEY = "proxy-key";
const TEAM = "team-key";
let oa: Upstream, cl: Upstream, ge: Upstream, ol: Upstream, proxy: Proxy;

const claudeModel = (id: string, max?: number) => ({
  type: "model",
  id,
  display_name: id,
  created_at: "2025-09-29T00:00:00Z",
  ...(max && { max_input_tokens: max }),
});
const ollamaTag = (name: string) => ({
  name,
  model: name,
  modified_at: "2025-01-01T00:00:00Z",
  size: 1,
  digest: "0".repeat(64),
  details: { parent_model: "", format: "gguf", family: "llama", families: ["llama"], parameter_size: "8B", quantization_level: "Q4_0" },
});

beforeAll(async () => {
  [oa, cl, ge, ol] = await Promise.all([startUpstream("openai"), startUpstream("claude"), startUpstream("gemini"), startUpstream("ollama")]);
  proxy = await startProxy({
    accessKeys: [KEY],
    providers: {
      openai: { protocol: "openai", baseUrl: oa.url, keys: ["sk-openai-models"] },
      anthropic: { protocol: "claude", baseUrl: cl.url, keys: ["sk-ant-models"] },
      google: { protocol: "gemini", baseUrl: ge.url, keys: ["gemini-key-models"] },
      ollama: { protocol: "ollama", baseUrl: ol.url },
    },
    // The built-in default's routes, plus a concrete one.
    models: {
      mini: { targets: ["ollama/llama3"] },
      "claude-*": { targets: ["anthropic/*"] },
      "gpt-*": { targets: ["openai/*"] },
      "gemini-*": { targets: ["google/*"] },
      "*": { targets: ["ollama/*"] },
    },
    groups: { team: { accessKeys: [TEAM], models: { "claude-*": { targets: ["anthropic/*"] } } } },
  });
  // Each upstream's catalog, as its real API gives it; Claude's in two pages.
  oa.script({
    json: {
      object: "list",
      data: ["gpt-4o", "text-embedding-3-small", "o3-mini"].map((id) => ({ id, object: "model", created: 1715367049, owned_by: "system" })),
    },
  });
  cl.script(
    { json: { data: [claudeModel("claude-sonnet-4-5", 200000)], has_more: true, first_id: "claude-sonnet-4-5", last_id: "claude-sonnet-4-5" } },
    { json: { data: [claudeModel("claude-haiku-4-5", 200000)], has_more: false, first_id: "claude-haiku-4-5", last_id: "claude-haiku-4-5" } },
  );
  ge.script({
    json: {
      models: [
        { name: "models/gemini-2.5-flash", displayName: "Gemini 2.5 Flash", inputTokenLimit: 1048576, outputTokenLimit: 65536, supportedGenerationMethods: ["generateContent", "countTokens"] },
        { name: "models/text-embedding-004", inputTokenLimit: 2048, supportedGenerationMethods: ["embedContent"] },
      ],
    },
  });
  ol.script({ json: { models: [ollamaTag("qwen2.5:7b"), ollamaTag("llama3:latest")] } });
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), cl.close(), ge.close(), ol.close()]));

const openai = (key = KEY, base = `${proxy.url}/v1`) => new OpenAI({ apiKey: key, baseURL: base, maxRetries: 0 });
const anthropic = (key = KEY, base = proxy.url) => new Anthropic({ apiKey: key, baseURL: base, maxRetries: 0 });
const genai = () => new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: proxy.url } });
const ollama = () => new Ollama({ host: proxy.url, headers: { Authorization: `Bearer ${KEY}` } });

describe("glob routes list what their upstreams serve", () => {
  test("OpenAI SDK: each catalog filtered by its route's pattern, as clients name the models", async () => {
    const ids = (await openai().models.list()).data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(["mini", "ollama/llama3", "claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4o", "gemini-2.5-flash", "qwen2.5:7b", "llama3:latest"]),
    );
    // o3-mini and the embedding model match no OpenAI route ("*" sends them to Ollama); Gemini's embedder generates nothing.
    for (const not of ["o3-mini", "text-embedding-3-small", "text-embedding-004", "claude-*", "*"]) expect(ids).not.toContain(not);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("the catalogs were asked as each API wants, with the provider's key, and followed Claude's pages", () => {
    expect(oa.received[0]).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(oa.received[0]!.headers.authorization).toBe("Bearer sk-openai-models");
    const [p1, p2] = cl.received;
    expect(p1).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(p1!.headers["x-api-key"]).toBe("sk-ant-models");
    expect(p1!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(p1!.query.get("limit")).toBe("1000");
    expect(p2!.query.get("after_id")).toBe("claude-sonnet-4-5");
    expect(ge.received[0]).toMatchObject({ method: "GET", path: "/v1beta/models" });
    expect(ge.received[0]!.headers["x-goog-api-key"]).toBe("gemini-key-models");
    expect(ol.received[0]).toMatchObject({ method: "GET", path: "/api/tags" });
  });

  test("a second list asks no upstream: the catalogs are kept", async () => {
    const before = [oa, cl, ge, ol].map((u) => u.received.length);
    await openai().models.list();
    await ollama().list();
    expect([oa, cl, ge, ol].map((u) => u.received.length)).toEqual(before);
  });

  test("Anthropic SDK: pages of `limit` with has_more, first_id and last_id, which the SDK follows", async () => {
    const all = (await anthropic().models.list({ limit: 1000 })).data.map((m) => m.id);
    const first = await anthropic().models.list({ limit: 2 });
    expect(first.data.map((m) => m.id)).toEqual(all.slice(0, 2));
    expect(first.has_more).toBe(true);
    expect(first.first_id).toBe(all[0]!);
    expect(first.last_id).toBe(all[1]!);
    const walked: string[] = [];
    for await (const m of anthropic().models.list({ limit: 3 })) walked.push(m.id);
    expect(walked).toEqual(all);
    // Backwards from the end, by before_id.
    const back = await anthropic().models.list({ before_id: all.at(-1)!, limit: 2 });
    expect(back.data.map((m) => m.id)).toEqual(all.slice(-3, -1));
    expect(back.has_more).toBe(true);
    // Claude Code's gateway discovery, and the context length Claude's catalog gave.
    const res = await fetch(`${proxy.url}/v1/models?limit=1000`, { headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01" } });
    const body = (await res.json()) as any;
    expect(body.has_more).toBe(false);
    expect(body.data.find((m: any) => m.id === "claude-sonnet-4-5")).toMatchObject({ type: "model", max_input_tokens: 200000 });
  });

  test("@google/genai: models/ names with the catalog's inputTokenLimit", async () => {
    const models: { name?: string; inputTokenLimit?: number }[] = [];
    for await (const m of await genai().models.list()) models.push(m);
    expect(models.find((m) => m.name === "models/gemini-2.5-flash")?.inputTokenLimit).toBe(1048576);
    expect(models.map((m) => m.name)).toContain("models/claude-haiku-4-5");
  });

  test("a group lists its own routes only", async () => {
    const ids = (await openai(TEAM, `${proxy.url}/team/v1`).models.list()).data.map((m) => m.id);
    expect(ids.sort()).toEqual(["claude-haiku-4-5", "claude-sonnet-4-5"]);
  });
});

describe("Ollama's name:latest is name", () => {
  test("listed once", async () => {
    const names = (await ollama().list()).models.map((m) => m.name);
    expect(names).toContain("llama3:latest");
    expect(names.filter((n) => n.replace(/:latest$/, "") === "llama3")).toHaveLength(1);
    expect(names).toContain("mini");
  });

  test("routed the same: mini:latest is the route mini", async () => {
    ol.script({ json: { model: "llama3", created_at: "2025-01-01T00:00:00Z", message: { role: "assistant", content: "hi" }, done: true, done_reason: "stop" } });
    const r = await ollama().chat({ model: "mini:latest", messages: [{ role: "user", content: "hi" }] });
    expect(r.message.content).toBe("hi");
    expect(ol.received.at(-1)!.body.model).toBe("llama3");
  });
});

describe("/api/show gives a context length", () => {
  test("from the catalog: Claude's max_input_tokens, as model_info[<family>.context_length]", async () => {
    const r = (await ollama().show({ model: "claude-sonnet-4-5" })) as any; // model_info is a JSON object, typed as a Map
    expect(r.details.family).toBe("claude");
    expect(r.model_info["general.architecture"]).toBe("claude");
    expect(r.model_info["claude.context_length"]).toBe(200000);
  });

  test("from Gemini's inputTokenLimit", async () => {
    const r = (await ollama().show({ model: "gemini-2.5-flash" })) as any;
    expect(r.model_info[`${r.details.family}.context_length`]).toBe(1048576);
  });

  test("from an Ollama upstream's own /api/show, asked once", async () => {
    ol.script({
      json: {
        modelfile: "",
        details: { parent_model: "", format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "7.6B", quantization_level: "Q4_K_M" },
        model_info: { "general.architecture": "qwen2", "qwen2.context_length": 32768 },
        capabilities: ["completion", "tools"],
      },
    });
    const r = (await ollama().show({ model: "qwen2.5:7b" })) as any;
    expect(r.model_info["qwen2.context_length"]).toBe(32768);
    expect(r.details.family).toBe("qwen2");
    expect(ol.received.at(-1)).toMatchObject({ method: "POST", path: "/api/show", body: { model: "qwen2.5:7b" } });
    const before = ol.received.length;
    await ollama().show({ model: "qwen2.5:7b" });
    expect(ol.received.length).toBe(before);
  });
});

describe("an unknown model's error names the nearest served names", () => {
  test("OpenAI SDK, in a group with no catch-all", async () => {
    const err = await openai(TEAM, `${proxy.url}/team/v1`)
      .chat.completions.create({ model: "claud-sonnet-4-5", messages: [{ role: "user", content: "hi" }] })
      .catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.message).toContain('model "claud-sonnet-4-5" is not served by this proxy');
    expect(err.message).toContain("claude-sonnet-4-5");
    expect(err.message).not.toContain("gpt-4o");
  });
});

describe("a failing catalog adds nothing and breaks nothing", () => {
  test("the others are listed; chat still works", async () => {
    const [bad, good] = await Promise.all([startUpstream("openai"), startUpstream("claude")]);
    const p = await startProxy({
      providers: { bad: { protocol: "openai", baseUrl: bad.url, keys: ["sk-bad"] }, good: { protocol: "claude", baseUrl: good.url, keys: ["sk-good"] } },
      models: { "gpt-*": { targets: ["bad/*"] }, "claude-*": { targets: ["good/*"] } },
    });
    try {
      bad.script({ error: 500 });
      good.script({ json: { data: [claudeModel("claude-opus-4-1")], has_more: false, first_id: "claude-opus-4-1", last_id: "claude-opus-4-1" } });
      const ids = (await openai("any", `${p.url}/v1`).models.list()).data.map((m) => m.id);
      expect(ids).toEqual(["claude-opus-4-1"]);
      bad.script({ json: openaiCompletion({ content: "still here" }) });
      const r = await openai("any", `${p.url}/v1`).chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
      expect(r.choices[0]!.message.content).toBe("still here");
    } finally {
      await Promise.all([p.close(), bad.close(), good.close()]);
    }
  });
});

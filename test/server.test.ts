// Routes around the chat path: model lists in the caller's shape, token counting, groups, failover
// over targets, and the route-level errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { countTokens } from "gpt-tokenizer";
import type { Upstream } from "./support/upstream.ts";
import { proxyOverOpenaiAndClaude, type Proxy } from "./support/proxy.ts";
import { claudeMessage, openaiCompletion } from "./support/wire.ts";

let oa: Upstream, cl: Upstream, proxy: Proxy;
const KEY = "proxy-key";

beforeAll(async () => {
  ({ oa, cl, proxy } = await proxyOverOpenaiAndClaude({
    key: KEY,
    openaiKeys: ["sk-oa-1", "sk-oa-2"],
    models: {
      "local-count": { targets: ["oa/gpt-small"] },
      "remote-count": { targets: ["cl/claude-small"] },
      "fallback": { targets: ["cl/claude-first", "oa/gpt-second"] },
      "claude-*": { targets: ["oa/gpt-*"] },
    },
  }));
});
afterAll(async () => Promise.all([proxy.close(), oa.close(), cl.close()]));

const anthropic = (key = KEY, base = proxy.url) => new Anthropic({ apiKey: key, baseURL: base, maxRetries: 0 });
const openai = (key = KEY, base = `${proxy.url}/v1`) => new OpenAI({ apiKey: key, baseURL: base, maxRetries: 0 });

describe("GET /v1/models answers in the caller's protocol", () => {
  test("OpenAI SDK gets an OpenAI list", async () => {
    const list = await openai().models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain("local-count");
    expect(ids).toContain("oa/gpt-small");
    expect(ids).not.toContain("claude-*");
    expect(list.data[0]!.object).toBe("model");
  });
  test("Anthropic SDK gets a Claude list", async () => {
    const page = await anthropic().models.list();
    expect(page.data.map((m) => m.id)).toContain("remote-count");
    expect(page.data[0]!.type).toBe("model");
    expect(typeof page.data[0]!.created_at).toBe("string");
  });
});

describe("POST /v1/messages/count_tokens", () => {
  const body = {
    system: "You are terse.",
    messages: [{ role: "user" as const, content: "How many tokens is this sentence, exactly?" }],
  };
  test("a Claude upstream is asked, with the upstream model and no max_tokens", async () => {
    cl.script({ json: { input_tokens: 321 } });
    const r = await anthropic().messages.countTokens({ model: "remote-count", ...body });
    expect(r.input_tokens).toBe(321);
    const got = cl.received.at(-1)!;
    expect(got.path).toBe("/v1/messages/count_tokens");
    expect(got.body.model).toBe("claude-small");
    expect(got.body.max_tokens).toBeUndefined();
    expect(got.headers["x-api-key"]).toBe("sk-cl");
  });
  test("other upstreams are counted here with a real tokenizer", async () => {
    const before = oa.received.length;
    const r = await anthropic().messages.countTokens({ model: "local-count", ...body });
    const text = countTokens(["You are terse.", "user", "How many tokens is this sentence, exactly?"].join("\n"));
    expect(r.input_tokens).toBe(text + 3);
    expect(oa.received.length).toBe(before);
  });
});

describe("targets and keys", () => {
  test("a target answering 529 fails over to the next target before the client sees a byte", async () => {
    cl.script({ error: 529 });
    oa.script({ json: openaiCompletion({ content: "second target" }) });
    const msg = await anthropic().messages.create({ model: "fallback", max_tokens: 20, messages: [{ role: "user", content: "hi" }] });
    expect(msg.content).toEqual([{ type: "text", text: "second target" } as Anthropic.ContentBlock]);
    expect(oa.received.at(-1)!.body.model).toBe("gpt-second");
  });
  test("a * in a target model takes what the pattern's * matched", async () => {
    oa.script({ json: openaiCompletion({ content: "ok" }) });
    await anthropic().messages.create({ model: "claude-opus-9", max_tokens: 20, messages: [{ role: "user", content: "hi" }] });
    expect(oa.received.at(-1)!.body.model).toBe("gpt-opus-9");
  });
  test("provider/model names a provider directly", async () => {
    oa.script({ json: openaiCompletion({ content: "direct" }) });
    const c = await openai().chat.completions.create({ model: "oa/gpt-direct", messages: [{ role: "user", content: "hi" }] });
    expect(c.choices[0]!.message.content).toBe("direct");
    expect(oa.received.at(-1)!.body.model).toBe("gpt-direct");
  });
  test("keys of a provider rotate over requests", async () => {
    oa.script({ json: openaiCompletion({ content: "a" }) }, { json: openaiCompletion({ content: "b" }) });
    await openai().chat.completions.create({ model: "oa/x", messages: [{ role: "user", content: "1" }] });
    await openai().chat.completions.create({ model: "oa/x", messages: [{ role: "user", content: "2" }] });
    const keys = oa.received.slice(-2).map((r) => r.headers.authorization);
    expect(new Set(keys)).toEqual(new Set(["Bearer sk-oa-1", "Bearer sk-oa-2"]));
  });
});

describe("groups", () => {
  test("a group's routes take its own key and its own models", async () => {
    oa.script({ json: openaiCompletion({ content: "team" }) });
    const c = await openai("team-key", `${proxy.url}/team/v1`).chat.completions.create({ model: "anything", messages: [{ role: "user", content: "hi" }] });
    expect(c.choices[0]!.message.content).toBe("team");
    expect(oa.received.at(-1)!.body.model).toBe("team-model");
  });
  test("the root key does not open a group, nor a group key the root", async () => {
    const a = await openai(KEY, `${proxy.url}/team/v1`).chat.completions.create({ model: "x", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(a).toMatchObject({ status: 401 });
    const b = await anthropic("team-key").messages.create({ model: "claude-x", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(b).toMatchObject({ status: 401, error: { error: { type: "authentication_error" } } });
  });
});

describe("route-level errors keep the caller's shape", () => {
  test("health needs no key", async () => {
    const r = await fetch(`${proxy.url}/health`);
    expect(await r.json()).toMatchObject({ status: "ok" });
  });
  test("an unknown path is a 404 in Claude shape for an Anthropic client", async () => {
    const r = await fetch(`${proxy.url}/v1/nope`, { headers: { "anthropic-version": "2023-06-01", "x-api-key": KEY } });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });
  test("a wrong method is refused in OpenAI shape", async () => {
    const r = await fetch(`${proxy.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(r.status).toBe(405);
    expect(((await r.json()) as any).error.message).toContain("POST");
  });
  test("a Claude upstream's request error comes back with its status and message", async () => {
    cl.script({ error: 400, body: { type: "error", error: { type: "invalid_request_error", message: "messages.0: bad thing" } } });
    const err = await anthropic().messages.create({ model: "remote-count", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.error.type).toBe("invalid_request_error");
    expect(err.error.error.message).toContain("messages.0: bad thing");
  });
  test("a provider refusing its key is a 502 to the client, which names no key", async () => {
    cl.script({ error: 401 });
    const err = await openai().chat.completions.create({ model: "remote-count", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err.status).toBe(502);
    expect(JSON.stringify(err.error)).not.toContain("sk-cl");
  });
});

test("a Claude upstream receives the client's anthropic-beta header on a Claude → Claude call", async () => {
  cl.script({ json: claudeMessage({ content: "ok" }) });
  await anthropic().messages.create({ model: "remote-count", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }, { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14" } });
  expect(cl.received.at(-1)!.headers["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14");
});

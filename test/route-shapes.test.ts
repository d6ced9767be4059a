// Routes the proxy does not serve answer in the protocol their path belongs to, whatever key header
// the client sent: ollama-js gets Ollama's `{"error": "…"}` (not "[object Object]"), Gemini paths
// Gemini's shape. Embeddings, in every protocol's spelling, take their route, not an unknown path's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { GoogleGenAI } from "@google/genai";
import { Ollama } from "ollama";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";

const KEY = "proxy-key";
let up: Upstream, proxy: Proxy;
beforeAll(async () => {
  up = await startUpstream("openai");
  proxy = await startProxy({ accessKeys: [KEY], providers: { o: { protocol: "openai", baseUrl: up.url, keys: ["sk-o"] } }, models: { m: { targets: ["o/gpt-4o"] } } });
});
afterAll(async () => Promise.all([proxy.close(), up.close()]));

const ollama = () => new Ollama({ host: proxy.url, headers: { Authorization: `Bearer ${KEY}` } });
const genai = () => new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: proxy.url } });

describe("an unknown path answers in its path's protocol", () => {
  test("ollama-js: /api/ps is a 404 whose error is a readable string", async () => {
    const err = await ollama().ps().catch((e) => e);
    expect(err.name).toBe("ResponseError");
    expect(err.status_code).toBe(404);
    expect(err.error).toBe("no route GET /api/ps");
  });

  test("ollama-js: a wrong method on /api/chat is a 405 in Ollama's shape", async () => {
    const res = await fetch(`${proxy.url}/api/chat`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(405);
    expect(Object.keys((await res.json()) as object)).toEqual(["error"]);
  });

  test("a Gemini path answers in Gemini's shape even with a Bearer key", async () => {
    const res = await fetch(`${proxy.url}/v1beta/cachedContents`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error).toMatchObject({ code: 404, status: "NOT_FOUND" });
  });

  test("a /v1/messages path answers in Claude's shape even with a Bearer key", async () => {
    const res = await fetch(`${proxy.url}/v1/messages/batches`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).type).toBe("error");
  });

  test("Anthropic SDK: an unknown Claude route is a NotFoundError", async () => {
    const err = await new Anthropic({ apiKey: KEY, baseURL: proxy.url, maxRetries: 0 }).messages.batches.list().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe("embeddings, in every protocol's spelling, reach the embeddings endpoint", () => {
  const UNKNOWN = 'model "nope" is not served by this proxy';

  test("ollama-js embed and embeddings: an unknown model is a 404 in Ollama's shape", async () => {
    for (const call of [() => ollama().embed({ model: "nope", input: "hi" }), () => ollama().embeddings({ model: "nope", prompt: "hi" })]) {
      const err = await call().catch((e) => e);
      expect(err.status_code).toBe(404);
      expect(err.error).toContain(UNKNOWN);
    }
  });

  test("OpenAI SDK embeddings.create", async () => {
    const err = await new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 }).embeddings.create({ model: "nope", input: "hi" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.message).toContain(UNKNOWN);
  });

  test("@google/genai embedContent (not 405 'takes GET') and batchEmbedContents", async () => {
    const err = await genai().models.embedContent({ model: "nope", contents: "hi" }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(JSON.parse(err.message).error.message).toContain(UNKNOWN);
    const res = await fetch(`${proxy.url}/v1beta/models/nope:batchEmbedContents`, { method: "POST", headers: { "x-goog-api-key": KEY }, body: '{"requests":[{"content":{"parts":[{"text":"hi"}]}}]}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.status).toBe("NOT_FOUND");
    expect(up.received).toHaveLength(0);
  });
});

// Browser clients end to end: each official SDK run with a fetch that does what a browser does
// for a page at another origin (a preflight for non-simple requests, checked as the Fetch standard
// checks it, Chrome's private-network grant for a public page calling loopback, and the real
// answer's allow-origin). Origins come from $CCPROXY_ORIGINS here; nothing is granted unless listed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { GoogleGenAI } from "@google/genai";
import { Ollama } from "ollama";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { openaiCompletion } from "./support/wire.ts";

const KEY = "proxy-key";
const PAGE = "https://app.example.com";
const realFetch = globalThis.fetch;
let up: Upstream, proxy: Proxy;
beforeAll(async () => {
  up = await startUpstream("openai");
  proxy = await startProxy(
    { accessKeys: [KEY], providers: { o: { protocol: "openai", baseUrl: up.url, keys: ["sk-o"] } }, models: { m: { targets: ["o/gpt-4o"] } } },
    { env: { CCPROXY_ORIGINS: `${PAGE}, https://other.example.com` } },
  );
});
afterAll(async () => Promise.all([proxy.close(), up.close()]));

/** Request headers a page may send without a preflight (CORS-safelisted), by name. */
const SAFELISTED = new Set(["accept", "accept-language", "content-language"]);
const SIMPLE_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/** A fetch that behaves like a browser tab at `origin`: it fails as a browser would, with a TypeError. */
function browserFetch(origin: string): typeof fetch {
  const f = async (input: string | URL | Request, init?: RequestInit) => {
    const req = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
    const unsafe = [...req.headers]
      .filter(([name, value]) => !SAFELISTED.has(name) && !(name === "content-type" && SIMPLE_TYPES.some((t) => value.startsWith(t))))
      .map(([name]) => name)
      .sort();
    if (unsafe.length || !["GET", "HEAD", "POST"].includes(req.method)) {
      const pre = await realFetch(req.url, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": req.method,
          "access-control-request-headers": unsafe.join(","),
          "access-control-request-private-network": "true",
        },
      });
      const allowed = (name: string) => (pre.headers.get(name) ?? "").split(",").map((s) => s.trim().toLowerCase());
      if (!pre.ok) throw new TypeError(`Failed to fetch: preflight answered ${pre.status}`);
      if (pre.headers.get("access-control-allow-origin") !== origin) throw new TypeError("Failed to fetch: preflight grants no origin");
      if (pre.headers.get("access-control-allow-private-network") !== "true") throw new TypeError("Failed to fetch: no private-network grant");
      if (!["GET", "HEAD", "POST"].includes(req.method) && !allowed("access-control-allow-methods").includes(req.method.toLowerCase()))
        throw new TypeError(`Failed to fetch: ${req.method} not allowed`);
      for (const h of unsafe) if (!allowed("access-control-allow-headers").includes(h)) throw new TypeError(`Failed to fetch: header ${h} not allowed`);
    }
    const headers = new Headers(req.headers);
    headers.set("origin", origin);
    const body = req.body ? await req.arrayBuffer() : undefined;
    const res = await realFetch(req.url, { method: req.method, headers, body, signal: init?.signal });
    if (res.headers.get("access-control-allow-origin") !== origin) throw new TypeError("Failed to fetch: the answer grants no origin");
    return res;
  };
  return f as typeof fetch;
}

const openai = (origin = PAGE) => new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0, dangerouslyAllowBrowser: true, fetch: browserFetch(origin) });

describe("a listed page uses each SDK from the browser", () => {
  test("OpenAI SDK: chat, and an error the page can read", async () => {
    up.script({ json: openaiCompletion({ content: "from the browser" }) });
    const r = await openai().chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(r.choices[0]!.message.content).toBe("from the browser");
    const err = await openai().chat.completions.create({ model: "nope", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError); // not a connection error: the page could read the 404
  });

  test("Anthropic SDK with dangerouslyAllowBrowser (anthropic-dangerous-direct-browser-access)", async () => {
    up.script({ json: openaiCompletion({ content: "claude page" }) });
    const client = new Anthropic({ apiKey: KEY, baseURL: proxy.url, maxRetries: 0, dangerouslyAllowBrowser: true, fetch: browserFetch(PAGE) });
    const msg = await client.messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    expect(msg.content).toEqual([{ type: "text", text: "claude page" } as Anthropic.ContentBlock]);
  });

  test("ollama-js, and @google/genai (which uses the global fetch)", async () => {
    up.script({ json: openaiCompletion({ content: "ollama page" }) }, { json: openaiCompletion({ content: "gemini page" }) });
    const o = new Ollama({ host: proxy.url, headers: { Authorization: `Bearer ${KEY}` }, fetch: browserFetch(PAGE) });
    expect((await o.chat({ model: "m", messages: [{ role: "user", content: "hi" }] })).message.content).toBe("ollama page");
    // Only the page's calls go through the browser; the proxy, in this same process, fetches as a server.
    const page = browserFetch(PAGE);
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) =>
      String(input instanceof Request ? input.url : input).startsWith(proxy.url) ? page(input, init) : realFetch(input, init)) as typeof fetch;
    try {
      const g = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: proxy.url } });
      expect((await g.models.generateContent({ model: "m", contents: "hi" })).text).toBe("gemini page");
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  test("a preflight names the methods, the headers asked for, and a max-age", async () => {
    const pre = await realFetch(`${proxy.url}/v1/messages`, {
      method: "OPTIONS",
      headers: { origin: PAGE, "access-control-request-method": "POST", "access-control-request-headers": "x-api-key,anthropic-version,anthropic-beta,content-type" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-headers")).toBe("x-api-key,anthropic-version,anthropic-beta,content-type");
    expect(Number(pre.headers.get("access-control-max-age"))).toBeGreaterThan(0);
  });
});

describe("an unlisted page gets nothing", () => {
  test("the SDK fails as in a browser, and the upstream is never asked", async () => {
    const before = up.received.length;
    const err = await openai("https://evil.example").chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(up.received.length).toBe(before);
  });

  test("without $CCPROXY_ORIGINS (or allowedOrigins) the same page is refused", async () => {
    const plain = await startProxy({ accessKeys: [KEY], providers: { o: { protocol: "openai", baseUrl: up.url, keys: ["sk-o"] } }, models: { m: { targets: ["o/gpt-4o"] } } });
    try {
      const client = new OpenAI({ apiKey: KEY, baseURL: `${plain.url}/v1`, maxRetries: 0, dangerouslyAllowBrowser: true, fetch: browserFetch(PAGE) });
      const err = await client.models.list().catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    } finally {
      await plain.close();
    }
  });
});

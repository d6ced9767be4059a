// The attacks on the proxy's promises, each with its exact input: a group key opens its group only,
// a client cannot steer the upstream URL, redirects carry no key, a proxy without keys serves no web
// page but loopback's, secrets in a baseUrl stay in, and a malformed path is a 400, never a 500 page.
// (Keys echoed by every upstream fault: leaks.test.ts. A reload against the bound socket: below.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { claudeMessage, openaiCompletion } from "./support/wire.ts";
import { ollamaChat } from "./support/wire-ollama.ts";
import { serve } from "./support/serve.ts";

const ROOT = "root-access-key-1";
const CHEAP = "cheap-group-key-1";
const ANT_KEY = "sk-ant-security-test-key";

const chat = (url: string, key: string, model: string, extra: RequestInit = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    ...extra,
  });

/** A server that records each request's raw path and query and answers 200 with a Gemini reply. */
async function recorder() {
  const seen: { path: string; query: string; headers: Record<string, string> }[] = [];
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const raw = req.url.slice(req.url.indexOf("/", "http://".length));
      const q = raw.indexOf("?");
      seen.push({ path: q < 0 ? raw : raw.slice(0, q), query: q < 0 ? "" : raw.slice(q + 1), headers: Object.fromEntries(req.headers) });
      return Response.json({ candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP", index: 0 }] });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, close: () => server.stop(true) };
}

describe("1. a group key reaches its group's providers only", () => {
  let ant: Upstream, local: Upstream, proxy: Proxy;
  let providers: Record<string, unknown>;
  beforeAll(async () => {
    [ant, local] = await Promise.all([startUpstream("claude"), startUpstream("ollama")]);
    providers = { ant: { protocol: "claude", baseUrl: ant.url, keys: [ANT_KEY] }, local: { protocol: "ollama", baseUrl: local.url } };
    proxy = await startProxy({
      accessKeys: [ROOT],
      providers,
      models: { "claude-*": { targets: ["ant/*"] } },
      groups: {
        cheap: { accessKeys: [CHEAP], models: { "*": { targets: ["local/qwen2.5:7b"] } } },
        fast: { accessKeys: [CHEAP], models: { fast: { targets: ["local/qwen2.5:7b"] } } },
      },
    });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), ant.close(), local.close()]);
  });

  test("ant/claude-opus-4 asked of a group whose models route * to Ollama goes to Ollama, never to the Anthropic provider", async () => {
    local.script({ json: ollamaChat({ content: "from ollama" }) });
    const res = await chat(`${proxy.url}/cheap`, CHEAP, "ant/claude-opus-4");
    expect(res.status).toBe(200);
    expect(ant.received).toHaveLength(0);
    expect(local.received.at(-1)!.body.model).toBe("qwen2.5:7b");
  });

  test("a group without a catch-all answers 404 for another provider's model, and serves the targets it lists", async () => {
    const refused = await chat(`${proxy.url}/fast`, CHEAP, "ant/claude-opus-4");
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as any).error.message).toContain("ant/claude-opus-4");
    local.script({ json: ollamaChat({ content: "listed" }) });
    expect((await chat(`${proxy.url}/fast`, CHEAP, "local/qwen2.5:7b")).status).toBe(200);
    expect(ant.received).toHaveLength(0);
  });

  test("at the root, direct naming works unless the config says directModels: false", async () => {
    ant.script({ json: claudeMessage({ content: "direct" }) });
    expect((await chat(proxy.url, ROOT, "ant/claude-opus-4")).status).toBe(200);
    expect(ant.received.at(-1)!.body.model).toBe("claude-opus-4");
    const before = ant.received.length;
    const closed = await startProxy({ accessKeys: [ROOT], directModels: false, providers, models: { fast: { targets: ["local/qwen2.5:7b"] } } });
    try {
      expect((await chat(closed.url, ROOT, "ant/claude-opus-4")).status).toBe(404);
      expect(ant.received).toHaveLength(before);
      local.script({ json: ollamaChat({ content: "listed" }) });
      expect((await chat(closed.url, ROOT, "local/qwen2.5:7b")).status).toBe(200); // a target its models name
    } finally {
      await closed.close();
    }
  });

  test("a group's key opens neither the root routes nor /admin/status", async () => {
    expect((await chat(proxy.url, CHEAP, "claude-x")).status).toBe(401);
    expect((await fetch(`${proxy.url}/admin/status`, { headers: { authorization: `Bearer ${CHEAP}` } })).status).toBe(401);
  });
});

describe("3. a model name cannot steer the upstream URL", () => {
  let rec: Awaited<ReturnType<typeof recorder>>, proxy: Proxy;
  beforeAll(async () => {
    rec = await recorder();
    proxy = await startProxy({ accessKeys: [ROOT], providers: { gem: { protocol: "gemini", baseUrl: rec.url, keys: ["gem-key-123456"] } } });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), rec.close()]);
  });

  test("gem/x/../../../v1/files? is one encoded path segment", async () => {
    expect((await chat(proxy.url, ROOT, "gem/x/../../../v1/files?")).status).toBe(200);
    expect(rec.seen.at(-1)).toMatchObject({ path: "/v1beta/models/x%2F..%2F..%2F..%2Fv1%2Ffiles%3F:generateContent", query: "" });
  });

  test("x:generateContent?key=…# injects no query", async () => {
    expect((await chat(proxy.url, ROOT, "gem/x:generateContent?key=injected#")).status).toBe(200);
    expect(rec.seen.at(-1)).toMatchObject({ path: "/v1beta/models/x%3AgenerateContent%3Fkey%3Dinjected%23:generateContent", query: "" });
  });

  test("a %2F-encoded path in the Gemini route is decoded once and encoded again", async () => {
    const res = await fetch(`${proxy.url}/v1beta/models/gem%2Fx%2F..%2F..%2F..%2Fv1%2Ffiles%3F:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "x-goog-api-key": ROOT, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    await res.text();
    expect(rec.seen.at(-1)).toMatchObject({ path: "/v1beta/models/x%2F..%2F..%2F..%2Fv1%2Ffiles%3F:streamGenerateContent", query: "alt=sse" });
  });

  test("names with control characters are refused with a 400 naming the model, and reach no upstream", async () => {
    const before = rec.seen.length;
    for (const model of ["gem/x\r\nx-injected: 1", "gem/\u001b[31mred", "gem/x\u0000y"]) {
      const res = await chat(proxy.url, ROOT, model);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.param).toBe("model");
    }
    expect(rec.seen).toHaveLength(before);
  });
});

describe("4. redirects carry no key", () => {
  let thief: Awaited<ReturnType<typeof recorder>>, redirector: Server<undefined>, proxy: Proxy;
  beforeAll(async () => {
    thief = await recorder();
    redirector = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(null, { status: 307, headers: { location: `${thief.url}/landed?t=1` } }) });
    const base = `http://127.0.0.1:${redirector.port}`;
    proxy = await startProxy({
      accessKeys: [ROOT],
      providers: {
        o: { protocol: "openai", baseUrl: `${base}/v1`, keys: ["sk-redirect-openai"] },
        c: { protocol: "claude", baseUrl: base, keys: ["sk-redirect-claude"] },
        g: { protocol: "gemini", baseUrl: base, keys: ["redirect-gemini-key"] },
      },
    });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), thief.close(), redirector.stop(true)]);
  });

  test("a 307 to another origin is not followed, for x-api-key, x-goog-api-key and authorization alike", async () => {
    for (const model of ["o/m", "c/m", "g/m"]) {
      const res = await chat(proxy.url, ROOT, model);
      expect(res.status).toBe(502);
      expect(((await res.json()) as any).error.message).toContain("redirect");
    }
    expect(thief.seen).toEqual([]);
  });
});

describe("5. a reload is judged by the socket that is bound", () => {
  test("listening on every interface with keys, a reload to loopback without keys is refused; keys still required", async () => {
    const keyed = (listen: string, keys: string) => `listen: ${listen}\naccessKeys: [${keys}]\nproviders: {}\n`;
    const served = await serve(keyed("0.0.0.0:0", ROOT));
    try {
      const url = served.url.replace("0.0.0.0", "127.0.0.1");
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      await Bun.write(served.file, "listen: 127.0.0.1:0\nproviders: {}\n");
      served.proc.kill("SIGHUP");
      await served.until(() => /refused/.test(served.stderr()));
      expect(served.stderr()).toContain("not loopback");
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    } finally {
      await served.close();
    }
  });

  test("127.1 is loopback: the proxy starts there without keys", async () => {
    const served = await serve("listen: 127.1:0\nproviders: {}\n");
    try {
      expect((await fetch(`${served.url.replace("127.1", "127.0.0.1")}/health`)).status).toBe(200);
    } finally {
      await served.close();
    }
  });
});

describe("6. without keys, only loopback pages and names", () => {
  let up: Upstream, open: Proxy, keyed: Proxy;
  let providers: Record<string, unknown>;
  beforeAll(async () => {
    up = await startUpstream("openai");
    providers = { o: { protocol: "openai", baseUrl: up.url } };
    open = await startProxy({ providers });
    keyed = await startProxy({ accessKeys: [ROOT], providers });
  });
  afterAll(async () => {
    await Promise.all([open.close(), keyed.close(), up.close()]);
  });
  const plain = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "text/plain", ...headers },
      body: JSON.stringify({ model: "o/m", messages: [{ role: "user", content: "hi" }] }),
    });

  test("a text/plain POST from a foreign page is refused before it reaches an upstream", async () => {
    const before = up.received.length;
    const res = await plain(open.url, { origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.message).toContain("evil.example");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(up.received).toHaveLength(before);
  });

  test("a request addressed to a foreign name (DNS rebinding) is refused", async () => {
    const res = await plain(open.url, { host: "evil.example" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.message).toContain("evil.example");
  });

  test("loopback pages and the allowed origins are served, with CORS; a preflight is answered", async () => {
    const listed = await startProxy({ providers, allowedOrigins: ["https://chat.example.com"] });
    try {
      for (const origin of ["http://localhost:5173", "http://127.0.0.1:3000", "https://chat.example.com"]) {
        up.script({ json: openaiCompletion({ content: "ok" }) });
        const res = await plain(listed.url, { origin });
        expect(res.status).toBe(200);
        expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      }
      const pre = await fetch(`${listed.url}/v1/chat/completions`, {
        method: "OPTIONS",
        headers: { origin: "https://chat.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("https://chat.example.com");
      expect(pre.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    } finally {
      await listed.close();
    }
  });

  test("with keys, the key decides; a foreign page gets no CORS grant", async () => {
    up.script({ json: openaiCompletion({ content: "ok" }) });
    const res = await plain(keyed.url, { origin: "http://evil.example", authorization: `Bearer ${ROOT}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect((await plain(keyed.url, { origin: "http://evil.example" })).status).toBe(401);
  });
});

describe("7. secrets in the wrong places", () => {
  let rec: Awaited<ReturnType<typeof recorder>>, proxy: Proxy;
  beforeAll(async () => {
    rec = await recorder();
    const port = rec.url.split(":").pop();
    proxy = await startProxy({
      accessKeys: [ROOT],
      providers: { az: { protocol: "gemini", baseUrl: `http://user:pa%24%24word-99@127.0.0.1:${port}/?api-version=2024-06-01&api-key=query-secret-77` } },
    });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), rec.close()]);
  });

  test("credentials in a baseUrl are sent as they mean, shown nowhere, and its query does not break the URL", async () => {
    expect((await chat(proxy.url, ROOT, "az/m")).status).toBe(200);
    const got = rec.seen.at(-1)!;
    expect(got.path).toBe("/v1beta/models/m:generateContent");
    expect(got.query).toBe("api-version=2024-06-01&api-key=query-secret-77");
    expect(got.headers.authorization).toBe(`Basic ${btoa("user:pa$$word-99")}`);
    const status = await (await fetch(`${proxy.url}/admin/status`, { headers: { authorization: `Bearer ${ROOT}` } })).text();
    expect(status).toContain("api-version=2024-06-01");
    for (const secret of ["pa$$word-99", "pa%24%24word-99", "query-secret-77", btoa("user:pa$$word-99")]) expect(status).not.toContain(secret);
  });

  test("GET /v1beta/models/%zz without a key is a 400 in Gemini's shape, not a development error page", async () => {
    const res = await fetch(`${proxy.url}/v1beta/models/%zz`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/json");
    const text = await res.text();
    expect(JSON.parse(text).error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    expect(JSON.parse(text).error.message).toContain("percent-encoding");
    expect(text).not.toMatch(/at \/|\.ts:\d|node_modules|<html/i);
  });
});

describe("2. an upstream's words are cut short only around a key, never through it", () => {
  const KEY = "sk-split-key-LEAKTEST-0123456789";
  let up: Server<undefined>, proxy: Proxy;
  beforeAll(async () => {
    // A text error and a malformed stream event, each long enough to be clipped, with the key just where the clip falls.
    up = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const body = (await req.json()) as { stream?: boolean };
        if (!body.stream) return new Response(`${"x ".repeat(140)}got key=${KEY} from you`, { status: 500, headers: { "content-type": "text/plain" } });
        const open = openaiCompletion({ content: "partial" });
        return new Response(`data: ${JSON.stringify({ ...open, object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "hi" } }] })}\n\ndata: {"x": "${"y".repeat(180)}${KEY}"\n\n`, {
          headers: { "content-type": "text/event-stream" },
        });
      },
    });
    proxy = await startProxy({ accessKeys: [ROOT], limits: { attempts: 1 }, providers: { o: { protocol: "openai", baseUrl: `http://127.0.0.1:${up.port}/v1`, keys: [KEY] } } });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), up.stop(true)]);
  });

  test("no part of the key reaches the client, plain or streamed", async () => {
    for (const stream of [false, true]) {
      const res = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ROOT}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "o/m", stream, messages: [{ role: "user", content: "hi" }] }),
      });
      const text = await res.text();
      expect(text).toContain("[redacted]");
      expect(text).not.toContain(KEY.slice(0, 10));
    }
  });
});

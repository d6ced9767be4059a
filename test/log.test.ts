// The request log through the proxy: official SDKs against scripted upstreams, then the database
// read back: one row per request with its target, key label, attempts, status, timings and tokens;
// bodies when asked; no provider or access key anywhere in the files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { GoogleGenAI } from "@google/genai";
import { errorBody, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { upstream as claude } from "./conformance/upstreams/claude.ts";
import { upstream as openai } from "./conformance/upstreams/openai.ts";
import type { Answer } from "./conformance/types.ts";

const ACCESS = "ccp-access-7f3a9c1e";
const TEAM = "ccp-team-b52d04aa";
const CL_KEY = "sk-ant-prov-1d9e7c33";
const OA_KEYS = ["sk-oa-prov-a81f2b90", "sk-oa-prov-c47e6d15"];
const answer: Answer = { text: ["Hel", "lo ", "there"], stop: "end", usage: { input: 12, output: 3 } };

const dir = mkdtempSync(join(tmpdir(), "ccproxy-log-"));
let cl: Upstream, oa: Upstream;
const proxies: Proxy[] = [];

async function proxyWith(file: string, bodies: boolean): Promise<{ proxy: Proxy; db: () => Database }> {
  const proxy = await startProxy({
    accessKeys: [ACCESS],
    logging: { path: join(dir, file), bodies },
    providers: {
      cl: { protocol: "claude", baseUrl: cl.url, keys: [CL_KEY] },
      oa: { protocol: "openai", baseUrl: oa.url, keys: OA_KEYS },
    },
    models: {
      "fast": { targets: ["cl/claude-haiku"] },
      "backup": { targets: ["cl/claude-first", "oa/gpt-second"] },
      "gpt-*": { targets: ["oa/gpt-*"] },
    },
    groups: { team: { accessKeys: [TEAM], models: { "*": { targets: ["cl/claude-team"] } } } },
  });
  proxies.push(proxy);
  let db: Database | undefined;
  return { proxy, db: () => (db ??= new Database(join(dir, file), { readonly: true })) };
}

const sdk = (p: Proxy) => ({
  openai: new OpenAI({ apiKey: ACCESS, baseURL: `${p.url}/v1`, maxRetries: 0 }),
  anthropic: new Anthropic({ apiKey: ACCESS, baseURL: p.url, maxRetries: 0 }),
});
const ask = [{ role: "user" as const, content: "Say hello" }];
const rows = (db: Database) => db.query("SELECT * FROM requests ORDER BY id").all() as any[];
const bodiesOf = (db: Database, id: number) => db.query("SELECT * FROM bodies WHERE request_id = ?").get(id) as any;

beforeAll(async () => {
  [cl, oa] = await Promise.all([claude.start(), openai.start()]);
});
afterAll(async () => {
  await Promise.all([...proxies.map((p) => p.close()), cl.close(), oa.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("rows, without bodies", () => {
  let proxy: Proxy, db: () => Database;
  beforeAll(async () => ({ proxy, db } = await proxyWith("rows.db", false)));


  test("a plain request: target, key label, status, latency and tokens; no bodies stored", async () => {
    cl.script(claude.reply(answer, false));
    const r = await sdk(proxy).openai.chat.completions.create({ model: "fast", messages: ask });
    expect(r.choices[0]!.message.content).toBe("Hello there");
    await proxy.log!.flush();
    const [row] = rows(db());
    expect(row).toMatchObject({
      client: "openai", route: "/v1/chat/completions", grp: null, model: "fast", target: "cl/claude-haiku",
      key_label: "cl#1", attempts: 1, status: 200, error: null, stream: 0, ttft_ms: null,
      input_tokens: 12, output_tokens: 3, trail: null,
    });
    expect(row.latency_ms).toBeGreaterThan(0);
    expect(Math.abs(row.time - Date.now())).toBeLessThan(10_000);
    expect(db().query("SELECT count(*) AS n FROM bodies").get()).toEqual({ n: 0 });
  });

  test("a streamed request: time to first token and the usage of the stream's end", async () => {
    cl.script(claude.reply(answer, true));
    const stream = await sdk(proxy).openai.chat.completions.create({
      model: "fast", messages: ask, stream: true, stream_options: { include_usage: true },
    });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello there");
    await proxy.log!.flush();
    const row = rows(db()).at(-1);
    expect(row).toMatchObject({ stream: 1, status: 200, error: null, input_tokens: 12, output_tokens: 3, target: "cl/claude-haiku" });
    expect(row.ttft_ms).toBeGreaterThan(0);
    expect(row.ttft_ms).toBeLessThanOrEqual(row.latency_ms);
  });

  test("a failover: the target that answered, two attempts, the failed one in the trail", async () => {
    cl.script({ error: 529 });
    oa.script(openai.reply(answer, false));
    const msg = await sdk(proxy).anthropic.messages.create({ model: "backup", max_tokens: 50, messages: ask });
    expect(msg.content[0]).toMatchObject({ type: "text", text: "Hello there" });
    await proxy.log!.flush();
    const row = rows(db()).at(-1);
    expect(row).toMatchObject({ client: "claude", route: "/v1/messages", model: "backup", target: "oa/gpt-second", attempts: 2, status: 200, error: null });
    expect(row.key_label).toMatch(/^oa#[12]$/);
    const trail = JSON.parse(row.trail);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ target: "cl/claude-first", keyLabel: "cl#1", status: 529 });
    expect(trail[0].error).toContain("cl/claude-first");
  });

  test("a failed request: the client's status and the message it read", async () => {
    cl.script({ error: 400, body: errorBody("claude", 400, "max_tokens: too large for this model") });
    const err = await sdk(proxy).openai.chat.completions.create({ model: "fast", messages: ask }).catch((e) => e);
    expect(err.status).toBe(400);
    await proxy.log!.flush();
    const row = rows(db()).at(-1);
    expect(row).toMatchObject({ status: 400, attempts: 1, target: "cl/claude-haiku", input_tokens: null });
    expect(row.error).toContain("max_tokens: too large for this model");
    expect(JSON.parse(row.trail)[0].status).toBe(400);
  });

  test("a request the proxy refuses itself: logged with its model and no attempt", async () => {
    const err = await sdk(proxy).anthropic.messages.create({ model: "nowhere/x", max_tokens: 5, messages: ask }).catch((e) => e);
    expect(err.status).toBe(404);
    const bad = await fetch(`${proxy.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": ACCESS, "content-type": "application/json" },
      body: JSON.stringify({ model: "fast", messages: ask }),
    });
    expect(bad.status).toBe(400);
    await proxy.log!.flush();
    const [a, b] = rows(db()).slice(-2);
    expect(a).toMatchObject({ model: "nowhere/x", attempts: 0, status: 404, target: null });
    expect(a.error).toContain("nowhere/x");
    expect(b).toMatchObject({ model: "fast", attempts: 0, status: 400 });
    expect(b.error).toContain("max_tokens");
  });

  test("a Gemini client's streamed request: the model from its URL, tokens from the stream", async () => {
    oa.script(openai.reply(answer, true));
    const google = new GoogleGenAI({ apiKey: ACCESS, httpOptions: { baseUrl: proxy.url } });
    let text = "";
    for await (const c of await google.models.generateContentStream({ model: "gpt-4o-mini", contents: "Say hello" })) text += c.text ?? "";
    expect(text).toBe("Hello there");
    await proxy.log!.flush();
    const row = rows(db()).at(-1);
    expect(row).toMatchObject({ client: "gemini", route: expect.stringMatching(/^\/v1(beta)?\/models\/gpt-4o-mini:streamGenerateContent$/), model: "gpt-4o-mini", target: "oa/gpt-4o-mini", stream: 1, input_tokens: 12, output_tokens: 3, error: null });
  });

  test("a stream the client leaves early is logged with why it ended", async () => {
    cl.script({ ...(claude.reply({ ...answer, text: Array(30).fill("word ") }, true) as object), delayMs: 20 } as any);
    const ac = new AbortController();
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": ACCESS, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "fast", max_tokens: 50, stream: true, messages: ask }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    let row: any;
    for (let i = 0; i < 100 && row?.model !== "fast"; i++) await Bun.sleep(20), await proxy.log!.flush(), (row = rows(db()).at(-1));
    expect(row).toMatchObject({ model: "fast", stream: 1, status: 200, error: "client closed the stream before its end" });
  });

  test("a group's request carries the group's name", async () => {
    cl.script(claude.reply(answer, false));
    const team = new Anthropic({ apiKey: TEAM, baseURL: `${proxy.url}/team`, maxRetries: 0 });
    await team.messages.create({ model: "anything", max_tokens: 20, messages: ask });
    await proxy.log!.flush();
    expect(rows(db()).at(-1)).toMatchObject({ grp: "team", route: "/v1/messages", model: "anything", target: "cl/claude-team" });
  });
});

describe("with bodies", () => {
  let proxy: Proxy, db: () => Database;
  beforeAll(async () => ({ proxy, db } = await proxyWith("bodies.db", true)));

  test("a plain request keeps all four bodies", async () => {
    cl.script(claude.reply(answer, false));
    await sdk(proxy).openai.chat.completions.create({ model: "fast", messages: ask, temperature: 0.5 });
    await proxy.log!.flush();
    const row = rows(db()).at(-1);
    const b = bodiesOf(db(), row.id);
    const clientReq = JSON.parse(b.client_request);
    expect(clientReq.body).toEqual({ model: "fast", messages: ask, temperature: 0.5 });
    expect(clientReq.headers["user-agent"]).toContain("OpenAI/JS");
    expect(clientReq.headers.authorization).toBe("[redacted]");
    const up = JSON.parse(b.upstream_request);
    expect(up.url).toBe(`${cl.url}/v1/messages`);
    expect(up.headers["x-api-key"]).toBe("[redacted]");
    expect(up.body).toEqual(cl.received.at(-1)!.body);
    expect(JSON.parse(b.upstream_response).content).toEqual([{ type: "text", text: "Hello there" }]);
    expect(JSON.parse(b.client_response).choices[0].message.content).toBe("Hello there");
    expect(b.upstream_events).toBeNull();
  });

  test("a stream an upstream answered whole keeps the stream the client read", async () => {
    cl.script(claude.reply(answer, false));
    const stream = sdk(proxy).anthropic.messages.stream({ model: "fast", max_tokens: 50, messages: ask });
    expect(await stream.finalText()).toBe("Hello there");
    await proxy.log!.flush();
    expect(bodiesOf(db(), rows(db()).at(-1).id).client_response).toContain("event: message_stop");
  });

  test("a stream keeps the assembled answer, the raw upstream events and what the client read", async () => {
    cl.script(claude.reply(answer, true));
    const stream = sdk(proxy).anthropic.messages.stream({ model: "fast", max_tokens: 50, messages: ask });
    expect((await stream.finalText())).toBe("Hello there");
    await proxy.log!.flush();
    const b = bodiesOf(db(), rows(db()).at(-1).id);
    expect(JSON.parse(b.upstream_response)).toMatchObject({
      content: [{ type: "text", text: "Hello there" }], stopReason: "end", usage: { input: 12, output: 3 },
    });
    expect(b.upstream_events).toContain("event: content_block_delta");
    expect(b.upstream_events).toContain('"text":"lo "');
    expect(b.client_response).toContain("event: message_stop");
    expect(b.client_response).toContain('"text":"there"');
  });

  test("a failed-over request keeps the last attempt's exchange; a failed one the upstream's error", async () => {
    cl.script({ error: 503 });
    oa.script(openai.reply(answer, false));
    await sdk(proxy).anthropic.messages.create({ model: "backup", max_tokens: 50, messages: ask });
    cl.script({ error: 400, body: errorBody("claude", 400, "prompt is too long") });
    await sdk(proxy).anthropic.messages.create({ model: "fast", max_tokens: 50, messages: ask }).catch(() => {});
    await proxy.log!.flush();
    const [over, failed] = rows(db()).slice(-2);
    const bo = bodiesOf(db(), over.id);
    expect(JSON.parse(bo.upstream_request).url).toBe(`${oa.url}/chat/completions`);
    expect(JSON.parse(bo.upstream_request).headers.authorization).toBe("[redacted]");
    expect(JSON.parse(bo.client_response).content[0].text).toBe("Hello there");
    const bf = bodiesOf(db(), failed.id);
    expect(JSON.parse(bf.upstream_response).error.message).toBe("prompt is too long");
    expect(JSON.parse(bf.client_response).error.message).toContain("prompt is too long");
  });

  test("no provider key and no access key anywhere in the database files, even when an upstream echoes one", async () => {
    oa.script({ error: 401, body: errorBody("openai", 401, `Incorrect API key provided: ${OA_KEYS[0]}. You can find your API key at https://platform.openai.com.`) });
    oa.script({ error: 401, body: errorBody("openai", 401, `Incorrect API key provided: ${OA_KEYS[1]}.`) });
    await sdk(proxy).openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: `my key is ${ACCESS}` }] }).catch(() => {});
    const team = new Anthropic({ apiKey: TEAM, baseURL: `${proxy.url}/team`, maxRetries: 0 });
    cl.script(claude.reply(answer, true));
    await team.messages.stream({ model: "x", max_tokens: 5, messages: ask }).finalText();
    await proxy.log!.flush();
    const row = rows(db()).find((r) => r.model === "gpt-4o");
    expect(row.attempts).toBe(2);
    expect(row.trail).toContain("Incorrect API key provided: [redacted]");
    const files = readdirSync(dir).filter((f) => f.startsWith("bodies.db"));
    expect(files).toContain("bodies.db-wal");
    for (const f of files) {
      const bytes = readFileSync(join(dir, f)).toString("latin1");
      for (const secret of [ACCESS, TEAM, CL_KEY, ...OA_KEYS]) expect({ f, has: bytes.includes(secret) }).toEqual({ f, has: false });
    }
    expect(statSync(join(dir, "bodies.db")).mode & 0o777).toBe(0o600);
  });
});

describe("rows for requests that are not chats", () => {
  let proxy: Proxy, db: () => Database;
  beforeAll(async () => ({ proxy, db } = await proxyWith("others.db", false)));

  test("a refused access key, a token count and model lists get their rows too", async () => {
    const before = rows(db()).length;
    const refused = await fetch(`${proxy.url}/team/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": ACCESS, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "fast", max_tokens: 10, messages: ask }),
    });
    expect(refused.status).toBe(401);
    const count = await sdk(proxy).anthropic.messages.countTokens({ model: "gpt-4o", messages: ask });
    expect(count.input_tokens).toBeGreaterThan(0);
    const list = await sdk(proxy).openai.models.list();
    expect(list.data.length).toBeGreaterThan(0);
    const tags = await fetch(`${proxy.url}/api/tags`, { headers: { authorization: `Bearer ${ACCESS}` } });
    expect(tags.status).toBe(200);
    await proxy.log!.flush();
    const [r401, rCount, rList, rTags] = rows(db()).slice(before);
    expect(r401).toMatchObject({ client: "claude", route: "/v1/messages", grp: "team", status: 401, target: null });
    expect(r401.error).toContain("invalid access key");
    expect(rCount).toMatchObject({ client: "claude", route: "/v1/messages/count_tokens", model: "gpt-4o", status: 200, error: null });
    expect(rList).toMatchObject({ client: "openai", route: "/v1/models", status: 200 });
    expect(rTags).toMatchObject({ client: "ollama", route: "/api/tags", status: 200 });
  });
});

describe("rows for requests refused before they are routed", () => {
  let proxy: Proxy;
  let db: Database | undefined;
  beforeAll(async () => {
    proxy = await startProxy({
      accessKeys: [ACCESS],
      logging: { path: join(dir, "refused.db"), bodies: true },
      limits: { maxBodyBytes: 1000 },
      providers: { oa: { protocol: "openai", baseUrl: oa.url, keys: OA_KEYS } },
      models: { m: { targets: ["oa/x"] } },
    });
    proxies.push(proxy);
  });

  test("bad JSON, a wrong method, a body too large, an unknown route and a bad model name each leave a row", async () => {
    const auth = { authorization: `Bearer ${ACCESS}`, "content-type": "application/json" };
    const post = (path: string, body: string, method = "POST") => fetch(`${proxy.url}${path}`, { method, headers: auth, body });
    const statuses = [
      (await post("/v1/chat/completions", "{not json")).status,
      (await post("/v1/models", '{"sent":"but never read"}', "PUT")).status,
      (await post("/v1/chat/completions", JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(2000) }] }))).status,
      (await fetch(`${proxy.url}/v2/nowhere`, { headers: auth })).status,
      (await post("/v1/chat/completions", JSON.stringify({ model: "m\u001b[2J", messages: ask }))).status,
    ];
    expect(statuses).toEqual([400, 405, 413, 404, 400]);
    await proxy.log!.flush();
    db = new Database(join(dir, "refused.db"), { readonly: true });
    const got = rows(db);
    expect(got.map((r) => [r.client, r.route, r.status, r.attempts, r.target])).toEqual([
      ["openai", "/v1/chat/completions", 400, 0, null],
      ["openai", "/v1/models", 405, 0, null],
      ["openai", "/v1/chat/completions", 413, 0, null],
      ["openai", "/v2/nowhere", 404, 0, null],
      ["openai", "/v1/chat/completions", 400, 0, null],
    ]);
    expect(got[0].error).toStartWith("request body is not valid JSON");
    expect(got[1].error).toBe("/v1/models takes GET, not PUT");
    expect(got[2].error).toBe("request body is larger than 1000 bytes");
    expect(got[3].error).toBe("no route GET /v2/nowhere");
    expect(got[4].error).toBe("model name holds control characters");
    // What was read and found wanting is kept; a body refused unread is not read for the log either.
    const sent = got.map((r) => JSON.parse(bodiesOf(db!, r.id).client_request).body);
    expect(sent[0]).toBe("{not json");
    expect(sent[1]).toBeNull();
    expect(sent[2]).toBeNull();
    expect(bodiesOf(db, got[0].id).client_request).not.toContain(ACCESS);
  });
  afterAll(() => db?.close());
});

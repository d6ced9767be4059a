// Embeddings end to end: the official SDKs (`openai` embeddings.create, `@google/genai` embedContent,
// `ollama` embed) against scripted upstreams speaking OpenAI, Gemini and Ollama embeddings exactly,
// on every client × upstream pair. Each test asserts the vectors (exact floats), their order and
// length and the usage the client got, and what the upstream was sent (path, model, texts,
// dimensions, its key). Then the routes the SDKs do not take, the refusals, failover, a group, the log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import OpenAI from "openai";
import { GoogleGenAI } from "@google/genai";
import { Ollama } from "ollama";
import { startProxy, type Proxy } from "../support/proxy.ts";
import { startUpstream, type Protocol, type Upstream } from "../support/upstream.ts";
import { embedSeen, embeddingsReply, STATES_TOKENS } from "../support/wire-embed.ts";

const KEY = "embed-access-key";
const TEAM = "embed-team-key";
const MODEL = "emb-model";
const UPSTREAMS = ["openai", "gemini", "ollama"] as const;
type Up = (typeof UPSTREAMS)[number];
const PROVIDER_KEY = (p: Protocol) => `sk-${p}-embed-secret`;
const AUTH: Record<Up, (key: string) => string> = { openai: (k) => `Bearer ${k}`, gemini: (k) => k, ollama: (k) => `Bearer ${k}` };
const PATH: Record<Up, (model: string) => string> = {
  openai: () => "/v1/embeddings",
  gemini: (m) => `/v1beta/models/${m}:batchEmbedContents`,
  ollama: () => "/api/embed",
};

/** Doubles that float32 cannot hold exactly, so a float path that went through float32 would show. */
function vectors(count: number, dims: number, seed = 1): number[][] {
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: dims }, (_, j) => ((seed + i) * 0.1234567891234567 * (j % 2 ? -1 : 1)) / (j + 1) + i * 1e-9),
  );
}

interface Ask {
  texts: string[];
  /** One text, sent as a string (Gemini: one content) rather than a list */
  single: boolean;
  dimensions?: number;
  /** OpenAI: "float" asked explicitly, "sdk" the SDK's own default (base64 on the wire, unpacked by it), "base64" asked explicitly */
  encoding?: "float" | "sdk" | "base64";
}
interface Got {
  vectors: number[][];
  tokens?: number;
}

const clients: Record<Up, (url: string, key: string, model: string, ask: Ask) => Promise<Got>> = {
  async openai(url, key, model, ask) {
    const client = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    const input = ask.single ? ask.texts[0]! : ask.texts;
    const dims = ask.dimensions !== undefined ? { dimensions: ask.dimensions } : {};
    if (ask.encoding === "base64") {
      const r = await client.embeddings.create({ model, input, ...dims, encoding_format: "base64" });
      expect(r.object).toBe("list");
      return {
        vectors: r.data.map((d) => {
          const bytes = Buffer.from(d.embedding, "base64");
          return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
        }),
        tokens: r.usage.prompt_tokens,
      };
    }
    const r = await client.embeddings.create({ model, input, ...dims, ...(ask.encoding === "float" ? { encoding_format: "float" } : {}) });
    expect(r.object).toBe("list");
    expect(r.model).toBe(model);
    expect(r.data.map((d) => [d.object, d.index])).toEqual(r.data.map((_, i) => ["embedding", i]));
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens);
    return { vectors: r.data.map((d) => d.embedding), tokens: r.usage.prompt_tokens };
  },
  async gemini(url, key, model, ask) {
    const ai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: url } });
    const config = { taskType: "RETRIEVAL_DOCUMENT", ...(ask.dimensions !== undefined ? { outputDimensionality: ask.dimensions } : {}) };
    const r = await ai.models.embedContent({ model, contents: ask.single ? ask.texts[0]! : ask.texts, config });
    return { vectors: r.embeddings!.map((e) => e.values!) };
  },
  async ollama(url, key, model, ask) {
    const client = new Ollama({ host: url, headers: { Authorization: `Bearer ${key}` } });
    const r = await client.embed({ model, input: ask.single ? ask.texts[0]! : ask.texts, ...(ask.dimensions !== undefined ? { dimensions: ask.dimensions } : {}) });
    expect(r.model).toBe(model);
    expect(r.total_duration).toBeGreaterThanOrEqual(0);
    return { vectors: r.embeddings, tokens: r.prompt_eval_count };
  },
};

const running = {} as Record<Protocol | "broken", Upstream>;
let proxy: Proxy;
const dir = mkdtempSync(join(tmpdir(), "ccproxy-embed-"));
const rows = () => new Database(join(dir, "log.db"), { readonly: true }).query("SELECT * FROM requests ORDER BY id").all() as any[];

beforeAll(async () => {
  for (const p of [...UPSTREAMS, "claude"] as const) running[p] = await startUpstream(p);
  running.broken = await startUpstream("openai");
  proxy = await startProxy({
    accessKeys: [KEY],
    logging: { path: join(dir, "log.db") },
    providers: {
      ...Object.fromEntries([...UPSTREAMS, "claude"].map((p) => [p, { protocol: p, baseUrl: running[p as Protocol].url, keys: [PROVIDER_KEY(p as Protocol)] }])),
      broken: { protocol: "openai", baseUrl: running.broken.url, keys: ["sk-broken-secret"] },
    },
    models: {
      "claude-only": { targets: ["claude/claude-embed"] },
      "claude-first": { targets: ["claude/claude-embed", "openai/after-claude"] },
      "with-fallback": { targets: ["broken/first-embed", "gemini/second-embed"] },
      "logged-fallback": { targets: ["broken/log-first", "gemini/log-second"] },
    },
    groups: { team: { accessKeys: [TEAM], models: { "*": { targets: ["ollama/team-embed"] } } } },
  });
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all(Object.values(running).map((u) => u.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Scripts `up` with vectors for `ask`, sends it from `client`, and checks both sides. */
async function exchange(client: Up, up: Up, ask: Ask) {
  const server = running[up];
  const before = server.received.length;
  const dims = ask.dimensions ?? 5;
  const sent = vectors(ask.texts.length, dims, ask.texts.length);
  server.script({ json: embeddingsReply(up, MODEL, sent, 17) });
  const got = await clients[client](proxy.url, KEY, `${up}/${MODEL}`, ask);

  // The client: every vector, in order, at its length, to the last bit (base64 carries float32).
  const packed = client === "openai" && ask.encoding !== "float";
  expect(got.vectors).toEqual(packed ? sent.map((v) => v.map(Math.fround)) : sent);
  expect(got.vectors.map((v) => v.length)).toEqual(ask.texts.map(() => dims));
  if (client !== "gemini") expect(got.tokens).toBe(STATES_TOKENS[up] ? 17 : 0);

  // The upstream: one call, on its own path, with the upstream model, the texts in order, the dimensions and its key.
  expect(server.received.length).toBe(before + 1);
  const r = server.received.at(-1)!;
  const seen = embedSeen(up, r);
  expect(seen).toMatchObject({ path: PATH[up](MODEL), model: MODEL, texts: ask.texts, auth: AUTH[up](PROVIDER_KEY(up)) });
  expect(seen.dimensions).toBe(ask.dimensions);
  if (up === "gemini") {
    expect(r.body.requests.map((q: { model: string }) => q.model)).toEqual(ask.texts.map(() => `models/${MODEL}`));
    expect(seen.task).toBe(client === "gemini" ? "RETRIEVAL_DOCUMENT" : undefined);
  }
  if (up === "openai") expect(r.body.encoding_format).toBe("float");
  for (const h of ["authorization", "x-goog-api-key", "x-api-key"]) expect(r.headers[h] ?? "").not.toContain(KEY);
}

describe("every client × upstream pair", () => {
  for (const client of UPSTREAMS)
    for (const up of UPSTREAMS) {
      test(`${client} client → ${up} upstream: one text`, () =>
        exchange(client, up, { texts: ["The quick brown fox"], single: true, encoding: "float" }));
      test(`${client} client → ${up} upstream: three texts in order, with dimensions`, () =>
        exchange(client, up, { texts: ["first text", "second, longer text", "third ✓ text"], single: false, dimensions: 3, encoding: "sdk" }));
    }
});

describe("OpenAI's encodings", () => {
  for (const up of UPSTREAMS)
    test(`encoding_format base64 from a ${up} upstream: little-endian float32, as the official API`, () =>
      exchange("openai", up, { texts: ["alpha", "beta"], single: false, encoding: "base64" }));

  test("the bytes of a base64 vector are exactly those of Float32Array, little-endian", async () => {
    running.openai.script({ json: embeddingsReply("openai", MODEL, [[1, -2, 0.5, 3.4028234663852886e38]], 1) });
    const res = await fetch(`${proxy.url}/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: `openai/${MODEL}`, input: "x", encoding_format: "base64" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { embedding: string }[] };
    const expected = Buffer.alloc(16);
    [1, -2, 0.5, 3.4028234663852886e38].forEach((v, i) => expected.writeFloatLE(v, i * 4));
    expect(body.data[0]!.embedding).toBe(expected.toString("base64"));
  });

  test("token arrays are refused with a 400 that says to send text, before any upstream is asked", async () => {
    const before = running.openai.received.length;
    const client = new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    for (const input of [[1, 2, 3], [[1, 2], [3]]]) {
      const err = await client.embeddings.create({ model: `openai/${MODEL}`, input, encoding_format: "float" }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.error).toMatchObject({ type: "invalid_request_error", param: "input" });
      expect(err.message).toContain("token arrays are not accepted");
    }
    expect(running.openai.received.length).toBe(before);
  });
});

describe("the routes the SDKs do not take", () => {
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  for (const prefix of ["/v1beta", "/v1"])
    test(`Gemini ${prefix}/models/{model}:embedContent: one content in, one embedding out`, async () => {
      const sent = vectors(1, 4, 7);
      running.ollama.script({ json: embeddingsReply("ollama", MODEL, sent, 3) });
      const res = await post(
        `${prefix}/models/ollama%2F${MODEL}:embedContent`,
        { content: { parts: [{ text: "part one" }, { text: "part two" }] }, taskType: "RETRIEVAL_QUERY", outputDimensionality: 4 },
        { "x-goog-api-key": KEY },
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ embedding: { values: sent[0] } });
      const r = running.ollama.received.at(-1)!;
      expect(r.body).toEqual({ model: MODEL, input: ["part one\npart two"], dimensions: 4 });
    });

  test("Gemini :batchEmbedContents by hand: each request's text, in order", async () => {
    const sent = vectors(2, 3, 9);
    running.gemini.script({ json: embeddingsReply("gemini", MODEL, sent, 0) });
    const res = await post(
      `/v1beta/models/gemini%2F${MODEL}:batchEmbedContents`,
      { requests: ["one", "two"].map((text) => ({ model: `models/gemini/${MODEL}`, content: { parts: [{ text }] }, title: "Doc", taskType: "RETRIEVAL_DOCUMENT" })) },
      { "x-goog-api-key": KEY },
    );
    expect(await res.json()).toEqual({ embeddings: sent.map((values) => ({ values })) });
    const r = running.gemini.received.at(-1)!;
    expect(r.body.requests).toEqual(["one", "two"].map((text) => ({ model: `models/${MODEL}`, content: { parts: [{ text }] }, taskType: "RETRIEVAL_DOCUMENT", title: "Doc" })));
  });

  test("Ollama's legacy /api/embeddings: prompt in, {embedding} out", async () => {
    const sent = vectors(1, 6, 3);
    running.openai.script({ json: embeddingsReply("openai", MODEL, sent, 4) });
    const res = await post("/api/embeddings", { model: `openai/${MODEL}`, prompt: "Llamas are camelids" }, { authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ embedding: sent[0] });
    expect(running.openai.received.at(-1)!.body).toEqual({ model: MODEL, input: ["Llamas are camelids"], encoding_format: "float" });
  });

  test("Ollama's truncate, keep_alive and options reach an Ollama upstream", async () => {
    running.ollama.script({ json: embeddingsReply("ollama", MODEL, vectors(1, 2), 2) });
    const client = new Ollama({ host: proxy.url, headers: { Authorization: `Bearer ${KEY}` } });
    await client.embed({ model: `ollama/${MODEL}`, input: "x", truncate: false, keep_alive: "1m", options: { num_ctx: 512 } });
    expect(running.ollama.received.at(-1)!.body).toEqual({ model: MODEL, input: ["x"], truncate: false, keep_alive: "1m", options: { num_ctx: 512 } });
  });

  test("a missing input is a 400 in the client's shape naming its field", async () => {
    const openai = await post("/v1/embeddings", { model: `openai/${MODEL}` }, { authorization: `Bearer ${KEY}` });
    expect(openai.status).toBe(400);
    expect(((await openai.json()) as any).error).toMatchObject({ param: "input", message: "input: field required" });
    const legacy = await post("/api/embeddings", { model: `openai/${MODEL}` }, { authorization: `Bearer ${KEY}` });
    expect(await legacy.json()).toEqual({ error: "prompt: field required" });
    const gemini = await post(`/v1beta/models/openai%2F${MODEL}:embedContent`, {}, { "x-goog-api-key": KEY });
    expect(((await gemini.json()) as any).error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT", message: "content: field required" });
  });
});

describe("faults", () => {
  test("an upstream that answers fewer vectors than inputs is a 502 naming it, never a shifted list", async () => {
    running.openai.script({ json: embeddingsReply("openai", MODEL, vectors(1, 3), 2) });
    const err = await clients.openai(proxy.url, KEY, `openai/${MODEL}`, { texts: ["a", "b"], single: false, encoding: "float" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.message).toContain("answered 1 vectors for 2 inputs");
  });

  test("an answer of another shape (a chat completion) is a 502 in the client's shape", async () => {
    running.ollama.script({ json: { model: MODEL, message: { role: "assistant", content: "hi" }, done: true } });
    const err = await clients.ollama(proxy.url, KEY, `ollama/${MODEL}`, { texts: ["a"], single: true }).catch((e) => e);
    expect(err.status_code).toBe(502);
    expect(err.error).toContain("not an embeddings response");
  });

  test("dimensions that are not a positive integer are the client's 400, named in its terms", async () => {
    const before = running.gemini.received.length;
    const err = await clients.gemini(proxy.url, KEY, `gemini/${MODEL}`, { texts: ["a"], single: true, dimensions: 0 }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(JSON.parse(err.message).error.message).toBe("outputDimensionality: must be a positive integer");
    expect(running.gemini.received.length).toBe(before);
  });
});

describe("routing", () => {
  test("a Claude upstream has no embeddings: a 400 in each client's shape, and the pair is not cooled", async () => {
    const before = running.claude.received.length;
    const openai = await new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 }).embeddings.create({ model: "claude-only", input: "x" }).catch((e) => e);
    expect(openai).toBeInstanceOf(OpenAI.BadRequestError);
    expect(openai.message).toContain("speaks claude, which has no embeddings endpoint");
    const gemini = await new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: proxy.url } }).models.embedContent({ model: "claude-only", contents: "x" }).catch((e) => e);
    expect(gemini.status).toBe(400);
    expect(JSON.parse(gemini.message).error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    expect(gemini.message).toContain("no embeddings endpoint");
    const ollama = await new Ollama({ host: proxy.url, headers: { Authorization: `Bearer ${KEY}` } }).embed({ model: "claude-only", input: "x" }).catch((e) => e);
    expect(ollama.status_code).toBe(400);
    expect(ollama.error).toContain("no embeddings endpoint");
    expect(running.claude.received.length).toBe(before);
    const status = (await (await fetch(`${proxy.url}/admin/status`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as any;
    const pairs = status.pairs.filter((p: { provider: string }) => p.provider === "claude");
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.every((p: { state: string }) => p.state === "healthy")).toBe(true);
  });

  test("a model whose first target is Claude's is served by the next one that has embeddings", async () => {
    const sent = vectors(1, 3);
    running.openai.script({ json: embeddingsReply("openai", "after-claude", sent, 2) });
    const r = await new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 }).embeddings.create({ model: "claude-first", input: "x", encoding_format: "float" });
    expect(r.data[0]!.embedding).toEqual(sent[0]!);
    expect(running.openai.received.at(-1)!.body.model).toBe("after-claude");
  });

  test("failover: a target that answers 500 is passed over for the next, before the client sees anything", async () => {
    const sent = vectors(2, 4, 5);
    running.broken.script({ error: 500 });
    running.gemini.script({ json: embeddingsReply("gemini", "second-embed", sent, 0) });
    const r = await clients.ollama(proxy.url, KEY, "with-fallback", { texts: ["a", "b"], single: false });
    expect(r.vectors).toEqual(sent);
    expect(running.broken.received.at(-1)!.path).toBe("/v1/embeddings");
    expect(embedSeen("gemini", running.gemini.received.at(-1)!)).toMatchObject({ model: "second-embed", texts: ["a", "b"] });
  });

  test("a group's route, with the group's key and models", async () => {
    const sent = vectors(1, 2, 11);
    running.ollama.script({ json: embeddingsReply("ollama", "team-embed", sent, 5) });
    const client = new OpenAI({ apiKey: TEAM, baseURL: `${proxy.url}/team/v1`, maxRetries: 0 });
    const r = await client.embeddings.create({ model: "anything", input: "hello team", encoding_format: "float" });
    expect(r.data[0]!.embedding).toEqual(sent[0]!);
    expect(r.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(running.ollama.received.at(-1)!.body).toMatchObject({ model: "team-embed", input: ["hello team"] });
    // the root's key does not open the group, nor the group's the root
    const refused = await new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/team/v1`, maxRetries: 0 }).embeddings.create({ model: "x", input: "y" }).catch((e) => e);
    expect(refused.status).toBe(401);
  });

  test("the request log: a row per request, with the target, attempts and input tokens", async () => {
    running.openai.script({ json: embeddingsReply("openai", MODEL, vectors(1, 2), 23) });
    await clients.openai(proxy.url, KEY, `openai/${MODEL}`, { texts: ["logged"], single: true, encoding: "float" });
    await proxy.log!.flush();
    expect(rows().at(-1)).toMatchObject({
      client: "openai", route: "/v1/embeddings", model: `openai/${MODEL}`, target: `openai/${MODEL}`, attempts: 1, status: 200, error: null, input_tokens: 23,
    });
    running.broken.script({ error: 500 });
    running.gemini.script({ json: embeddingsReply("gemini", "log-second", vectors(1, 2), 0) });
    await clients.gemini(proxy.url, KEY, "logged-fallback", { texts: ["x"], single: true });
    await proxy.log!.flush();
    const row = rows().at(-1);
    expect(row.route).toEndWith("/models/logged-fallback:batchEmbedContents");
    expect(row).toMatchObject({ client: "gemini", model: "logged-fallback", target: "gemini/log-second", attempts: 2, status: 200 });
    expect(JSON.parse(row.trail)[0]).toMatchObject({ target: "broken/log-first", status: 500 });
  });
});

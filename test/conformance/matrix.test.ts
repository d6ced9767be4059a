// The conformance matrix: every case of cases.ts for every client × upstream pair, plain and streamed,
// driven by each client protocol's official SDK against scripted upstreams in exact wire format.
// Each test asserts what the client got and what the upstream received, in neutral terms.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type Proxy } from "../support/proxy.ts";
import { CASES, WEATHER, type Case } from "./cases.ts";
import { clients } from "./clients/index.ts";
import { closeUpstreams, startUpstreams, upstreamProviders, upstreams, type Running } from "./upstreams/index.ts";
import type { ClientDriver, Conversation, Protocol, UpstreamDriver } from "./types.ts";
import { checkClient, checkUpstream } from "./checks.ts";

const KEY = "conformance-key";
const MODEL = "up-model";
let running: Running = new Map();
let proxy: Proxy;

beforeAll(async () => {
  running = await startUpstreams();
  proxy = await startProxy({
    accessKeys: [KEY],
    providers: upstreamProviders(running, (p) => `sk-${p}-secret`),
    models: {},
  });
});
afterAll(async () => {
  await proxy?.close();
  await closeUpstreams(running);
});

/** Runs one request through the proxy: the upstream is scripted with `reply`, the client sends `c`. */
async function exchange(client: ClientDriver, up: UpstreamDriver, c: Conversation, reply: ReturnType<UpstreamDriver["reply"]>) {
  const server = running.get(up.protocol)!;
  const before = server.received.length;
  server.script(reply);
  const observed = await client.send(proxy.url, KEY, `${up.protocol}/${MODEL}`, c);
  expect(server.received.length).toBe(before + 1);
  return { observed, seen: up.seen(server.received.at(-1)!) };
}

for (const client of clients)
  for (const up of upstreams)
    describe(`${client.protocol} client → ${up.protocol} upstream`, () => {
      for (const k of CASES)
        for (const mode of k.modes ?? ["plain", "stream"])
          test(`${k.name} (${mode})`, async () => {
            const c: Conversation = { ...k.conversation, stream: mode === "stream" };
            const { observed, seen } = await exchange(client, up, c, up.reply(k.answer, c.stream));
            checkClient(observed, k, client, up, c.stream);
            checkUpstream(seen, c, up, client, MODEL);
          });

      const hi: Conversation = { turns: [{ role: "user", text: "hi" }], tools: [WEATHER], stream: false };
      const failure = async (c: Conversation) => {
        try {
          await client.send(proxy.url, KEY, `${up.protocol}/${MODEL}`, c);
        } catch (e) {
          return client.error(e);
        }
        throw new Error("the client finished as if nothing went wrong");
      };

      test("an upstream 429 reaches the client as its own rate-limit error", async () => {
        running.get(up.protocol)!.script({ error: 429 });
        const e = await failure(hi);
        expect(e.status).toBe(429);
        expect(e.type).toBe(client.errorType(429));
      });
      test("an upstream 400 keeps its status and message", async () => {
        running.get(up.protocol)!.script({ error: 400, body: errorBodyFor(up.protocol, "tools.0: schema rejected by upstream") });
        const e = await failure(hi);
        expect(e.status).toBe(400);
        expect(e.type).toBe(client.errorType(400));
        expect(e.message).toContain("tools.0: schema rejected by upstream");
      });
      test("a stream cut before its final event fails on the client instead of finishing", async () => {
        running.get(up.protocol)!.script(up.cutStream(["partial ", "answer"]));
        await expect(client.send(proxy.url, KEY, `${up.protocol}/${MODEL}`, { ...hi, stream: true })).rejects.toThrow();
      });
    });

/** Ollama's error body has no type, only its `error` field. */
const OLLAMA_ERROR = '{"error":';

/** An upstream's error body with a given message, in that protocol's shape. */
function errorBodyFor(p: Protocol, message: string): unknown {
  switch (p) {
    case "openai":
    case "responses":
      return { error: { message, type: "invalid_request_error", param: null, code: null } };
    case "claude":
      return { type: "error", error: { type: "invalid_request_error", message } };
    case "gemini":
      return { error: { code: 400, message, status: "INVALID_ARGUMENT" } };
    case "ollama":
      return { error: message };
  }
}

for (const client of clients)
  describe(`${client.protocol} client: request errors in its own shape`, () => {
    const model = `${upstreams[0]!.protocol}/${MODEL}`;
    const hi: Conversation = { turns: [{ role: "user", text: "hi" }], stream: false };
    test("malformed JSON is a 400 naming the body", async () => {
      const r = await client.raw(proxy.url, KEY, model, '{"model": "x", "messages": [');
      expect(r.status).toBe(400);
      const text = await r.text();
      expect(text).toContain(client.errorType(400) ?? OLLAMA_ERROR);
      expect(text).toContain("JSON");
    });
    test("a missing required field is a 400 naming the field", async () => {
      const r = await client.raw(proxy.url, KEY, model, JSON.stringify(client.missingField.body(model)));
      expect(r.status).toBe(400);
      const text = await r.text();
      expect(text).toContain(client.errorType(400) ?? OLLAMA_ERROR);
      expect(text).toContain(client.missingField.field);
    });
    test("a wrong access key is a 401", async () => {
      const e = await client.send(proxy.url, "wrong-key", model, hi).then(() => undefined, (x) => client.error(x));
      expect(e?.status).toBe(401);
      expect(e?.type).toBe(client.errorType(401));
    });
    test("an unknown model is a 404 naming the model", async () => {
      const e = await client.send(proxy.url, KEY, "no-such-model", hi).then(() => undefined, (x) => client.error(x));
      expect(e?.status).toBe(404);
      expect(e?.type).toBe(client.errorType(404));
      expect(e?.message).toContain("no-such-model");
    });
  });

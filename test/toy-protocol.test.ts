// A fifth protocol registered from one folder (test/fixtures/toy-protocol/) and served end to end,
// as a client (its own route) and as an upstream (a provider of its protocol), plain and streamed,
// with no file outside that folder knowing of it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { registerProtocol } from "../src/protocols/index.ts";
import { toy } from "./fixtures/toy-protocol/index.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import type { Server } from "bun";

let unregister: () => void;
let proxy: Proxy;
let openaiUp: Upstream;
let toyUp: Server<undefined>;
const toyReceived: { path: string; headers: Headers; body: any }[] = [];

beforeAll(async () => {
  unregister = registerProtocol(toy);
  openaiUp = await startUpstream("openai");
  // A toy server: answers whole, or as NDJSON lines when asked to stream.
  toyUp = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = (await req.json()) as any;
      toyReceived.push({ path: new URL(req.url).pathname, headers: req.headers, body });
      if (body.lines?.[0]?.say === "fail") return Response.json({ oops: "the toy is broken" }, { status: 400 });
      if (!body.stream) return Response.json({ reply: "Hello from the toy", end: "done", used: { in: 11, out: 4 } });
      const lines = [{ piece: "Hel" }, { piece: "lo" }, { end: "cut", used: { in: 11, out: 2 } }];
      return new Response(lines.map((l) => `${JSON.stringify(l)}\n`).join(""), { headers: { "content-type": "application/x-ndjson" } });
    },
  });
  proxy = await startProxy({
    providers: {
      playful: { protocol: "toy", baseUrl: `http://127.0.0.1:${toyUp.port}`, keys: ["toy-secret-key-1234"] },
      oa: { protocol: "openai", baseUrl: openaiUp.url, keys: ["sk-openai-upstream-5678"] },
    },
    models: { "toy-model": { targets: ["playful/tiny-toy"] }, "gpt-x": { targets: ["oa/gpt-4o"] } },
  });
});

afterAll(async () => {
  await proxy?.close();
  await openaiUp?.close();
  await toyUp?.stop(true);
  unregister?.();
});

describe("a toy protocol registered from its folder", () => {
  test("as an upstream: an OpenAI SDK client gets the toy's answer, and the toy got its own request", async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const out = await client.chat.completions.create({ model: "toy-model", max_tokens: 50, messages: [{ role: "user", content: "Hi toy" }] });
    expect(out.choices[0]!.message.content).toBe("Hello from the toy");
    expect(out.choices[0]!.finish_reason).toBe("stop");
    expect(out.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4 });
    const got = toyReceived.at(-1)!;
    expect(got.path).toBe("/toy/generate");
    expect(got.headers.get("x-toy-key")).toBe("toy-secret-key-1234");
    expect(got.body).toEqual({ model: "tiny-toy", lines: [{ who: "user", say: "Hi toy" }], max: 50, stream: false });
  });

  test("as an upstream, streamed: the toy's NDJSON pieces arrive as OpenAI chunks", async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "toy-model",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Stream please" }],
    });
    let text = "";
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Hello");
    expect(finish).toBe("length");
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 2 });
    expect(toyReceived.at(-1)!.body).toMatchObject({ model: "tiny-toy", stream: true });
  });

  test("as a client: the toy's route reaches an OpenAI upstream, answered in the toy's shape", async () => {
    openaiUp.script({
      json: {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "gpt-4o",
        choices: [{ index: 0, message: { role: "assistant", content: "Hi, toy client" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
      },
    });
    const res = await fetch(`${proxy.url}/toy/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-x", lines: [{ who: "user", say: "Hello" }, { who: "bot", say: "Yes?" }, { who: "user", say: "Greet me" }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reply: "Hi, toy client", end: "done", used: { in: 7, out: 3 } });
    const sent = openaiUp.received.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.model).toBe("gpt-4o");
    expect(sent.body.messages).toEqual([
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Yes?" },
      { role: "user", content: "Greet me" },
    ]);
  });

  test("as a client, streamed: OpenAI chunks arrive as the toy's NDJSON lines", async () => {
    const chunk = (delta: object, finish: string | null = null) => ({
      data: { id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [{ index: 0, delta, finish_reason: finish }] },
    });
    openaiUp.script({
      sse: [
        chunk({ role: "assistant", content: "Hi" }),
        chunk({ content: " there" }),
        chunk({}, "stop"),
        { data: { id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } } },
        { data: "[DONE]" },
      ],
    });
    const res = await fetch(`${proxy.url}/toy/chat`, { method: "POST", body: JSON.stringify({ model: "gpt-x", stream: true, lines: [{ who: "user", say: "Hi" }] }) });
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.piece).map((l) => l.piece).join("")).toBe("Hi there");
    expect(lines.at(-1)).toEqual({ end: "done", used: { in: 5, out: 2 } });
  });

  test("its errors, unknown routes and bad requests answer in the toy's shape", async () => {
    const bad = await fetch(`${proxy.url}/toy/chat`, { method: "POST", body: JSON.stringify({ model: "gpt-x" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).oops).toContain("lines");
    const unknown = await fetch(`${proxy.url}/toy/nothing`);
    expect(unknown.status).toBe(404);
    expect(Object.keys((await unknown.json()) as object)).toEqual(["oops"]);
    // The toy upstream's own 400, in an OpenAI client's shape, with the toy's words.
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const err = await client.chat.completions.create({ model: "toy-model", messages: [{ role: "user", content: "fail" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("the toy is broken");
  });
});

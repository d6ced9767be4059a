// Tool compatibility mode through the proxy: every client protocol's official SDK against scripted
// upstreams that reject `tools` and answer in tagged text (OpenAI-compatible and Ollama, the usual
// toolless ones; Claude and Gemini too, since the mode works on the unified form). Each test
// asserts what the client got (native tool calls) and what the upstream received (no tools, an
// instruction naming every tool, earlier calls and results as tagged text).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProxy, type Proxy } from "./support/proxy.ts";
import type { Received, Reply } from "./support/upstream.ts";
import { TIME, WEATHER } from "./conformance/cases.ts";
import { clients } from "./conformance/clients/index.ts";
import { closeUpstreams, startUpstreams, upstreamProviders, upstreams, type Running } from "./conformance/upstreams/index.ts";
import type { ClientDriver, Conversation, UpstreamDriver } from "./conformance/types.ts";
import { compatCounters, onCompatEvent, type CompatEvent } from "../src/compat/index.ts";

const KEY = "compat-key";
const openaiUpstream = upstreams.find((u) => u.protocol === "openai")!;
const ollamaUpstream = upstreams.find((u) => u.protocol === "ollama")!;
let running: Running = new Map();
let proxy: Proxy;

beforeAll(async () => {
  running = await startUpstreams();
  const providers = upstreamProviders(running, () => "sk-up");
  proxy = await startProxy({
    accessKeys: [KEY],
    providers,
    models: Object.fromEntries(
      upstreams.flatMap((u) => [
        [`native-${u.protocol}`, { targets: [`${u.protocol}/plain-model`] }],
        [`compat-${u.protocol}`, { targets: [`${u.protocol}/plain-model`], toolCompat: "compat" }],
        [`auto-${u.protocol}`, { targets: [`${u.protocol}/auto-model`], toolCompat: "auto" }],
        [`auto-other-${u.protocol}`, { targets: [`${u.protocol}/other-model`], toolCompat: "auto" }],
      ]),
    ),
    groups: { team: { models: { "*": { targets: ["ollama/plain-model"] } } } },
  });
});
afterAll(async () => {
  await proxy?.close();
  await closeUpstreams(running);
});

/**
 * How servers answer `tools` for a model without tool support: Ollama on /api/chat and on its
 * OpenAI-compatible layer (ollama/ollama#6027), and vLLM started without a tool parser (vllm#30613).
 */
const REFUSALS = {
  ollama: { error: 400, body: { error: "registry.ollama.ai/library/plain-model:latest does not support tools" } },
  ollamaOpenai: { error: 400, body: { error: { message: "plain-model:latest does not support tools", type: "api_error", param: null, code: null } } },
  vllm: {
    error: 400,
    body: { object: "error", message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', type: "BadRequestError", param: null, code: 400 },
  },
} satisfies Record<string, Reply>;

const refuseTools = (up: UpstreamDriver): Reply =>
  up.protocol === "ollama" ? REFUSALS.ollama : up.protocol === "openai" ? REFUSALS.ollamaOpenai : { error: 400 };

/** The upstream answers `text` (split into stream pieces as given) unless it is sent tools. */
function tagged(up: UpstreamDriver, pieces: string[], stream: boolean, refusal = refuseTools(up)) {
  return (r: Received): Reply => (r.body?.tools ? refusal : up.reply({ text: pieces, stop: "end", usage: { input: 10, output: 5 } }, stream));
}

async function exchange(client: ClientDriver, up: UpstreamDriver, c: Conversation, pieces: string[], opts: { base?: string; model?: string } = {}) {
  const server = running.get(up.protocol)!;
  const before = server.received.length;
  server.script(tagged(up, pieces, c.stream));
  const observed = await client.send(opts.base ?? `${proxy.url}/compat`, KEY, opts.model ?? `native-${up.protocol}`, c);
  expect(server.received.length).toBe(before + 1);
  const body = server.received.at(-1)!.body;
  return { observed, body, seen: up.seen(server.received.at(-1)!) };
}

/** The upstream got no tools, and an instruction naming every tool. */
function checkInstructed(body: any, seen: ReturnType<UpstreamDriver["seen"]>, c: Conversation) {
  expect(body).not.toHaveProperty("tools");
  expect(body).not.toHaveProperty("tool_choice");
  for (const t of c.tools ?? []) expect(seen.system).toContain(`### ${t.name}\n${t.description}`);
  expect(seen.system).toContain("<tool_call>");
}

const call = (name: string, args: unknown) => `<tool_call>\n${JSON.stringify({ name, arguments: args })}\n</tool_call>`;
const ask: Conversation = { turns: [{ role: "user", text: "Weather in Paris?" }], tools: [WEATHER, TIME], stream: false };

for (const client of clients)
  for (const up of upstreams)
    for (const stream of [false, true])
      describe(`${client.protocol} client → ${up.protocol} upstream without tools (${stream ? "streamed" : "plain"})`, () => {
        const c = { ...ask, stream };

        test("a tool round trip: the call reaches the client natively, its result goes back as tagged text", async () => {
          const first = await exchange(client, up, c, ["Let me check.\n", call("get_weather", { city: "Paris" })]);
          expect(first.observed.text).toBe("Let me check.");
          expect(first.observed.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual([{ name: "get_weather", input: { city: "Paris" } }]);
          expect(first.observed.stop).toBe("tool_use");
          checkInstructed(first.body, first.seen, c);
          expect(first.seen.turns).toEqual([{ role: "user", text: "Weather in Paris?", images: [], toolCalls: [], toolResults: [] }]);

          const id = first.observed.toolCalls[0]!.id;
          const followUp: Conversation = {
            ...c,
            turns: [
              ...c.turns,
              { role: "assistant", text: "Let me check.", toolCalls: [{ id, name: "get_weather", input: { city: "Paris" } }] },
              { role: "user", toolResults: [{ id, name: "get_weather", output: "Sunny, 21 °C" }] },
            ],
          };
          const second = await exchange(client, up, followUp, ["It is sunny", " in Paris."]);
          expect(second.observed.text).toBe("It is sunny in Paris.");
          expect(second.observed.toolCalls).toEqual([]);
          expect(second.observed.stop).toBe("end");
          checkInstructed(second.body, second.seen, c);
          expect(second.seen.turns.map((t) => ({ role: t.role, calls: t.toolCalls.length, results: t.toolResults.length }))).toEqual([
            { role: "user", calls: 0, results: 0 },
            { role: "assistant", calls: 0, results: 0 },
            { role: "user", calls: 0, results: 0 },
          ]);
          expect(second.seen.turns[1]!.text).toBe(`Let me check.\n\n${call("get_weather", { city: "Paris" })}`);
          expect(second.seen.turns[2]!.text).toBe('<tool_result name="get_weather">\nSunny, 21 °C\n</tool_result>');
        });

        test("several calls in one reply become parallel calls; text around them stays text", async () => {
          const { observed } = await exchange(client, up, c, [
            "Checking both.\n",
            call("get_weather", { city: "Paris" }),
            "\n",
            call("get_time", { city: "Paris", format: "24h" }),
            "\nOne moment.",
          ]);
          expect(observed.text).toBe("Checking both.One moment.");
          expect(observed.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual([
            { name: "get_weather", input: { city: "Paris" } },
            { name: "get_time", input: { city: "Paris", format: "24h" } },
          ]);
          const ids = observed.toolCalls.map((t) => t.id).filter(Boolean);
          expect(new Set(ids).size).toBe(ids.length);
          expect(observed.stop).toBe("tool_use");
        });

        test("a malformed call reaches the client as text and is counted", async () => {
          const events: CompatEvent[] = [];
          const off = onCompatEvent((e) => events.push(e));
          const before = compatCounters.malformed;
          const bad = '<tool_call>{"name": "launch_rocket", "arguments": {}}</tool_call>';
          const { observed } = await exchange(client, up, c, ["Trying: ", bad, " done"]);
          off();
          expect(observed.text).toBe(`Trying: ${bad} done`);
          expect(observed.toolCalls).toEqual([]);
          expect(observed.stop).toBe("end");
          expect(compatCounters.malformed).toBe(before + 1);
          expect(events).toContainEqual({ type: "malformed", target: `${up.protocol}/plain-model`, reason: 'unknown tool "launch_rocket"', text: bad });
        });

        if (stream)
          test("a tag split across chunks at every point is still found, and text before it is not held back", async () => {
            const tag = call("get_weather", { city: "Zürich" });
            for (let i = 1; i < tag.length; i++) {
              const { observed } = await exchange(client, up, c, ["Ok. ", tag.slice(0, i), tag.slice(i)]);
              expect(observed.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual([{ name: "get_weather", input: { city: "Zürich" } }]);
              expect(observed.text).toBe("Ok.");
              expect(observed.stop).toBe("tool_use");
            }
          });
      });

describe("switching it on", () => {
  const client = clients.find((c) => c.protocol === "openai")!;
  const reply = [call("get_weather", { city: "Rome" })];
  const rome = [{ name: "get_weather", input: { city: "Rome" } }];

  test("per model in the config (toolCompat: compat), without the path prefix", async () => {
    const { observed, body } = await exchange(client, ollamaUpstream, ask, reply, { base: proxy.url, model: "compat-ollama" });
    expect(observed.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual(rome);
    expect(body).not.toHaveProperty("tools");
  });

  test("under a group's path prefix: /{group}/compat/", async () => {
    const { observed, body } = await exchange(client, ollamaUpstream, ask, reply, { base: `${proxy.url}/team/compat`, model: "any" });
    expect(observed.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual(rome);
    expect(body).not.toHaveProperty("tools");
  });

  // Claude Code asks count_tokens before its turns: in compat mode the model reads an instruction, not `tools`.
  const countBody = (model: string) => ({
    model,
    messages: [{ role: "user", content: "Weather in Rome?" }],
    tools: [WEATHER, TIME].map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })),
  });
  const countAt = async (base: string, model: string) => {
    const res = await fetch(`${base}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify(countBody(model)),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { input_tokens: number }).input_tokens;
  };

  test("count_tokens counts the instruction the model will read, not native tools (counted here)", async () => {
    const native = await countAt(proxy.url, "native-ollama");
    const compat = await countAt(`${proxy.url}/compat`, "native-ollama");
    // The instruction repeats each tool's schema and adds how to call: it costs more than the tools alone.
    expect(compat).toBeGreaterThan(native + 50);
    expect(await countAt(proxy.url, "compat-ollama")).toBe(compat);
  });

  test("count_tokens asked of a Claude upstream carries the instruction in place of tools", async () => {
    const server = running.get("claude")!;
    server.script({ json: { input_tokens: 321 } } as Reply);
    expect(await countAt(`${proxy.url}/compat`, "native-claude")).toBe(321);
    const rec = server.received.at(-1)!;
    expect(rec.path).toBe("/v1/messages/count_tokens");
    expect(rec.body).not.toHaveProperty("tools");
    const system = JSON.stringify(rec.body.system);
    for (const t of [WEATHER, TIME]) expect(system).toContain(t.name);
  });

  test("native by default: the tools go to the upstream as they are", async () => {
    const server = running.get("ollama")!;
    server.script(ollamaUpstream.reply({ text: ["fine"], stop: "end", usage: { input: 1, output: 1 } }, false));
    await client.send(proxy.url, KEY, "native-ollama", ask);
    expect(server.received.at(-1)!.body.tools).toHaveLength(2);
  });
});

for (const up of [openaiUpstream, ollamaUpstream])
  describe(`auto against ${up.protocol}: native first, compat once the target refuses tools`, () => {
    const client = clients.find((c) => c.protocol === "claude")!;
    const server = () => running.get(up.protocol)!;

    test("the refusal is retried in compat mode, and remembered for the target", async () => {
      const events: CompatEvent[] = [];
      const off = onCompatEvent((e) => events.push(e));
      const before = server().received.length;
      const refusal = up.protocol === "openai" ? REFUSALS.vllm : REFUSALS.ollama;
      server().script(...[1, 2].map(() => tagged(up, [call("get_weather", { city: "Oslo" })], false, refusal)));
      const first = await client.send(proxy.url, KEY, `auto-${up.protocol}`, ask);
      expect(first.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual([{ name: "get_weather", input: { city: "Oslo" } }]);
      const sent = server().received.slice(before).map((r) => r.body);
      expect(sent.map((b) => Array.isArray(b.tools))).toEqual([true, false]);
      expect(events.filter((e) => e.type === "fallback").map((e) => e.target)).toEqual([`${up.protocol}/auto-model`]);

      // Remembered: the next request goes in compat mode at once, streamed too.
      server().script(tagged(up, ["Fine.\n", call("get_weather", { city: "Bergen" })], true));
      const second = await client.send(proxy.url, KEY, `auto-${up.protocol}`, { ...ask, stream: true });
      off();
      expect(second.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual([{ name: "get_weather", input: { city: "Bergen" } }]);
      expect(second.stop).toBe("tool_use");
      expect(server().received.length).toBe(before + 3);
      expect(server().received.at(-1)!.body).not.toHaveProperty("tools");
      expect(events.filter((e) => e.type === "fallback")).toHaveLength(1);
    });

    test("an error that is not about tools is not a refusal: it reaches the client, no retry", async () => {
      const before = server().received.length;
      const body = up.protocol === "ollama" ? { error: "context window exceeded" } : { error: { message: "context window exceeded", type: "invalid_request_error", param: "messages", code: null } };
      server().script({ error: 400, body });
      const e = await client.send(proxy.url, KEY, `auto-other-${up.protocol}`, ask).then(() => undefined, (x) => client.error(x));
      expect(e?.status).toBe(400);
      expect(e?.message).toContain("context window exceeded");
      expect(server().received.length).toBe(before + 1);
      expect(server().received.at(-1)!.body.tools).toHaveLength(2);
    });
  });

test("the request log records the refused native attempt and the compat retry", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-compat-log-"));
  const file = join(dir, "log.db");
  const logged = await startProxy({
    accessKeys: [KEY],
    logging: { path: file },
    providers: { ollama: { protocol: "ollama", baseUrl: running.get("ollama")!.url } },
    models: { "auto-*": { targets: ["ollama/logged-model"], toolCompat: "auto" } },
  });
  try {
    running.get("ollama")!.script(...[1, 2].map(() => tagged(ollamaUpstream, [call("get_weather", { city: "Lyon" })], false)));
    const client = clients.find((c) => c.protocol === "openai")!;
    const got = await client.send(logged.url, KEY, "auto-x", ask);
    expect(got.toolCalls.map((t) => t.name)).toEqual(["get_weather"]);
    await logged.log!.flush();
    const db = new Database(file, { readonly: true });
    const row = db.query("SELECT * FROM requests ORDER BY id DESC LIMIT 1").get() as any;
    db.close();
    expect(row).toMatchObject({ model: "auto-x", target: "ollama/logged-model", attempts: 2, status: 200 });
    const trail = JSON.parse(row.trail);
    expect(trail).toEqual([expect.objectContaining({ target: "ollama/logged-model", status: 400 })]);
    expect(trail[0].error).toContain("does not support tools (retried in tool compatibility mode)");
  } finally {
    await logged.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

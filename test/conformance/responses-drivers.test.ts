// The Responses API's two matrix drivers proved against each other and the official SDK, with no
// proxy between: the client driver's `openai` SDK talks straight to the scripted upstream. Every case
// of cases.ts, plain and streamed, must come back as its answer (what the client observed) and arrive
// as its conversation (what the upstream saw), as matrix.test.ts checks them; and a stream that is
// cut, fails, or stops short must make the client throw.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Upstream } from "../support/upstream.ts";
import { readSse } from "../support/wire.ts";
import { responsesEvents, responsesObject } from "../support/wire-responses.ts";
import { CASES, WEATHER, type Case } from "./cases.ts";
import { client } from "./clients/responses.ts";
import { upstream } from "./upstreams/responses.ts";
import type { Conversation, Observed, Seen } from "./types.ts";
import { checkClient as matrixClient, checkUpstream as matrixUpstream } from "./checks.ts";

const KEY = "sk-responses-test";
const MODEL = "gpt-up";

let up: Upstream;
/** The SDK's base is `${url}/v1`, as the proxy's is; the upstream's url already ends in /v1. */
let origin: string;

beforeAll(async () => {
  up = await upstream.start();
  origin = new URL(up.url).origin;
});
afterAll(async () => {
  await up?.close();
});

async function exchange(c: Conversation, reply: ReturnType<typeof upstream.reply>) {
  const before = up.received.length;
  up.script(reply);
  const observed = await client.send(origin, KEY, MODEL, c);
  expect(up.received.length).toBe(before + 1);
  const received = up.received.at(-1)!;
  expect(`${received.method} ${received.path}`).toBe("POST /v1/responses");
  expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
  return { observed, seen: upstream.seen(received) };
}

/**
 * The matrix's checks with both sides Responses, and more: the driver's own answers must come back
 * whole (call ids, the thinking's signature, each result paired by id, thinking sent back as it was).
 */
function checkClient(o: Observed, k: Case, stream: boolean) {
  matrixClient(o, k, client, upstream, stream);
  expect(o.toolCalls).toEqual((k.answer.toolCalls ?? []).map((t) => ({ id: t.id, name: t.name, input: JSON.parse(t.args.join("")) })));
  if (k.answer.thinking) expect(o.thinking).toEqual({ text: k.answer.thinking.pieces.join(""), signature: k.answer.thinking.signature });
}

function checkUpstream(s: Seen, c: Conversation) {
  matrixUpstream(s, c, upstream, client, MODEL);
  c.turns.forEach((t, i) => {
    if (t.role === "user") expect(s.turns[i]!.toolResults).toEqual(t.toolResults ?? []);
    else expect({ calls: s.turns[i]!.toolCalls, thinking: s.turns[i]!.thinking }).toEqual({ calls: t.toolCalls ?? [], thinking: t.thinking });
  });
}

describe("responses client → responses upstream, no proxy", () => {
  for (const k of CASES)
    for (const mode of k.modes ?? ["plain", "stream"])
      test(`${k.name} (${mode})`, async () => {
        const c: Conversation = { ...k.conversation, stream: mode === "stream" };
        const { observed, seen } = await exchange(c, upstream.reply(k.answer, c.stream));
        checkClient(observed, k, c.stream);
        checkUpstream(seen, c);
      });

  test("a tool round trip with thinking sends the reasoning back with its encrypted content", async () => {
    const c: Conversation = {
      tools: [WEATHER],
      turns: [
        { role: "user", text: "Weather in Paris?" },
        {
          role: "assistant",
          thinking: { text: "Look it up.", signature: "gAAAAB-enc" },
          text: "Checking.",
          toolCalls: [{ id: "call_t1", name: "get_weather", input: { city: "Paris" } }],
        },
        { role: "user", toolResults: [{ id: "call_t1", name: "get_weather", output: "18°C" }] },
      ],
      stream: false,
    };
    const { seen } = await exchange(c, upstream.reply({ text: ["18°C."], stop: "end", usage: { input: 1, output: 1 } }, false));
    checkUpstream(seen, c);
  });

  test("an incomplete response cut by the content filter is a content_filter stop", async () => {
    const answer = { text: ["I can"], stop: "content_filter" as const, usage: { input: 3, output: 2 } };
    for (const stream of [false, true]) {
      const { observed } = await exchange({ turns: [{ role: "user", text: "hi" }], stream }, upstream.reply(answer, stream));
      expect(observed.stop).toBe("content_filter");
    }
  });
});

describe("the Responses wire format", () => {
  test("each event names its type on its event: line and numbers itself in order from 0", async () => {
    const k = CASES.find((x) => x.answer.thinking)!;
    up.script(upstream.reply({ ...k.answer, toolCalls: [{ id: "call_x", name: "get_weather", args: ['{"city":', '"Oslo"}'] }] }, true));
    const r = await fetch(`${up.url}/responses`, { method: "POST", body: JSON.stringify({ model: MODEL, input: "hi", stream: true }) });
    const events = await readSse(r);
    const data = events.map((e) => JSON.parse(e.data));
    expect(events.map((e) => e.event)).toEqual(data.map((d) => d.type));
    expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i));
    expect(data.map((d) => d.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added", // reasoning
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added", // message
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added", // function call
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(data.at(-1).response.usage).toEqual({
      input_tokens: 42,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 17,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 59,
    });
  });

  test("a response echoes the request's instructions, tools, tool choice and sampling", async () => {
    up.script((req) => ({ json: responsesObject({ items: [{ type: "message", text: "ok" }], request: req.body }) }));
    const echoed = {
      instructions: "Be brief.",
      tools: [{ type: "function", name: WEATHER.name, description: WEATHER.description, parameters: WEATHER.parameters, strict: false }],
      tool_choice: "required",
      max_output_tokens: 64,
      temperature: 0.5,
      top_p: 0.9,
    };
    const body = JSON.stringify({ model: MODEL, input: "hi", ...echoed });
    const r = await (await fetch(`${up.url}/responses`, { method: "POST", body })).json();
    expect(r).toMatchObject({ object: "response", status: "completed", ...echoed });
  });
});

describe("the responses client fails instead of finishing", () => {
  const hi: Conversation = { turns: [{ role: "user", text: "hi" }], tools: [WEATHER], stream: true };
  const failure = async (c: Conversation) => {
    try {
      await client.send(origin, KEY, MODEL, c);
    } catch (e) {
      return e;
    }
    throw new Error("the client finished as if nothing went wrong");
  };

  test("on a stream cut before its final event", async () => {
    up.script(upstream.cutStream(["partial ", "answer"]));
    await failure(hi);
  });
  test("on a stream that closes cleanly without its final event", async () => {
    up.script({ sse: responsesEvents({ items: [{ type: "message", text: ["partial"] }] }).slice(0, -1) });
    expect(String(await failure(hi))).toContain("without response.completed");
  });
  test("on response.failed", async () => {
    const error = { code: "server_error", message: "The model crashed mid-answer." };
    up.script({ sse: responsesEvents({ items: [{ type: "message", text: ["par"] }], status: "failed", error, errorEvent: "none" }) });
    expect(String(await failure(hi))).toContain("The model crashed mid-answer.");
  });
  test("on an error event, in the reference's flat shape and the live API's nested one", async () => {
    for (const errorEvent of ["flat", "nested"] as const) {
      const error = { code: "insufficient_quota", message: `You exceeded your current quota (${errorEvent}).` };
      up.script({ sse: responsesEvents({ status: "failed", error, errorEvent }) });
      expect(String(await failure(hi))).toContain(error.message);
    }
  });
  test("on an upstream 429, which error() reports with its status", async () => {
    up.script({ error: 429 });
    const e = client.error(await failure({ ...hi, stream: false }));
    expect(e.status).toBe(429);
    expect(e.message).toContain("Upstream error 429");
  });
});

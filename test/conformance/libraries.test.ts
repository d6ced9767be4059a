// Client libraries as their users run them (LangChain JS, the AI SDK), streamed through the proxy to
// scripted upstreams of every protocol: what each library reports of the usage (input AND output
// tokens) and of the finish reason, and what the upstream received. Where a driver has a plain call,
// it runs too; the Responses API's users (the AI SDK's default OpenAI model, LangChain's ChatOpenAI)
// also run a tool round trip.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type Proxy } from "../support/proxy.ts";
import { closeUpstreams, startUpstreams, upstreamProviders, upstreams, type Running } from "./upstreams/index.ts";
import { aiSdkResponsesToolRoundTrip, langchainResponsesToolRoundTrip, libraries } from "./libraries/drivers.ts";
import { WEATHER } from "./cases.ts";
import type { Answer, Protocol } from "./types.ts";

const KEY = "libraries-key";
const UP_MODEL = "up-model";
/** Upstreams that give the input count before the first text (Claude's message_start, Gemini's every chunk). */
const COUNTS_FIRST: ReadonlySet<Protocol> = new Set(["claude", "gemini"]);

// Long enough that an estimate from its size is told apart from a constant.
const PROMPT = `Summarise this: ${"the quick brown fox jumps over the lazy dog ".repeat(40)}`;
const usage = { input: 42, output: 17 };
const ANSWERS: { name: string; answer: Answer; maxTokens?: number; finish: "end" | "max_tokens" }[] = [
  { name: "text", answer: { text: ["Hel", "lo, ", "wörld"], stop: "end", usage }, finish: "end" },
  { name: "cut at max tokens", answer: { text: ["1, 2", ", 3"], stop: "max_tokens", usage }, maxTokens: 5, finish: "max_tokens" },
];

let running: Running = new Map();
let proxy: Proxy;

beforeAll(async () => {
  running = await startUpstreams();
  proxy = await startProxy({
    accessKeys: [KEY],
    providers: upstreamProviders(running, (p) => `sk-${p}`),
    // Plain names: a library may put the model in a URL path (Gemini) where a slash would not do.
    models: Object.fromEntries(upstreams.map((u) => [`lib-${u.protocol}`, { targets: [`${u.protocol}/${UP_MODEL}`] }])),
  });
});
afterAll(async () => {
  await proxy?.close();
  await closeUpstreams(running);
});

for (const lib of libraries)
  for (const up of upstreams)
    describe(`${lib.name} → ${up.protocol} upstream, streamed`, () => {
      for (const k of ANSWERS)
        test(k.name, async () => {
          const server = running.get(up.protocol)!;
          server.script(up.reply(k.answer, true));
          const got = await lib.stream(proxy.url, KEY, `lib-${up.protocol}`, { prompt: PROMPT, maxTokens: k.maxTokens });

          const seen = up.seen(server.received.at(-1)!);
          expect(seen.stream).toBe(true);
          expect(seen.turns.map((t) => t.text)).toEqual([PROMPT]);

          expect(got.text).toBe(k.answer.text!.join(""));
          expect(got.finish).toBe(lib.finishes[k.finish]);
          // The scripted Claude upstream, as the API does, states output_tokens: 1 in message_start.
          expect(got.usage.output).toBe(usage.output + (lib.readsStartUsage && up.protocol === "claude" ? 1 : 0));
          // Before the upstream has counted the input, message_start holds the proxy's estimate from the request's size.
          if (lib.readsStartUsage && !COUNTS_FIRST.has(up.protocol)) {
            expect(got.usage.input).toBeGreaterThan(PROMPT.length / 5);
            expect(got.usage.input).toBeLessThan(PROMPT.length / 3);
          } else expect(got.usage.input).toBe(usage.input);
        });
    });

for (const lib of libraries)
  if (lib.generate)
    for (const up of upstreams)
      describe(`${lib.name} → ${up.protocol} upstream, plain`, () => {
        for (const k of ANSWERS)
          test(k.name, async () => {
            const server = running.get(up.protocol)!;
            server.script(up.reply(k.answer, false));
            const got = await lib.generate!(proxy.url, KEY, `lib-${up.protocol}`, { prompt: PROMPT, maxTokens: k.maxTokens });

            const seen = up.seen(server.received.at(-1)!);
            expect(seen.stream).toBe(false);
            expect(seen.turns.map((t) => t.text)).toEqual([PROMPT]);
            expect(got).toEqual({ text: k.answer.text!.join(""), usage, finish: lib.finishes[k.finish] });
          });
      });

/**
 * The AI SDK's tool loop: a call alone; a call after some text, with the SDK told `store: false`, so
 * the text goes back whole; and the same by the SDK's default, which sends the text back as an
 * `item_reference`: the proxy fills in the item it kept from the answer it converted, so any other
 * upstream gets the whole conversation, while a Responses upstream (its answer passed through, with
 * its own ids) gets the reference as sent, to resolve from its own store.
 */
const ROUND_TRIPS: { name: string; before?: string; store?: false }[] = [
  { name: "a call alone" },
  { name: "text before the call, store: false", before: "Let me check.", store: false },
  { name: "text before the call, stored by default (item_reference)", before: "Let me check." },
];

for (const up of upstreams)
  describe(`AI SDK @ai-sdk/openai (Responses) → ${up.protocol} upstream, a tool() round trip`, () => {
    for (const rt of ROUND_TRIPS)
      for (const stream of [true, false])
        test(`${rt.name}, ${stream ? "streamed (streamText)" : "plain (generateText)"}`, async () => {
          const server = running.get(up.protocol)!;
          const before = server.received.length;
          const call = { id: "call_lib1", name: WEATHER.name, args: ['{"ci', 'ty": "Paris"}'] };
          server.script(
            up.reply({ ...(rt.before ? { text: [rt.before] } : {}), toolCalls: [call], stop: "tool_use", usage }, stream),
            up.reply({ text: ["It is 18°C ", "and sunny."], stop: "end", usage }, stream),
          );
          const got = await aiSdkResponsesToolRoundTrip(proxy.url, KEY, `lib-${up.protocol}`, { prompt: "Weather in Paris?", stream, output: "18°C and sunny", store: rt.store });

          expect(got).toEqual({ text: `${rt.before ?? ""}It is 18°C and sunny.`, finishes: ["tool-calls", "stop"], executed: [{ city: "Paris" }] });
          expect(server.received.length - before).toBe(2);
          const [first, second] = server.received.slice(before);
          expect(up.seen(first!).tools).toEqual([WEATHER]);
          expect(up.seen(first!).stream).toBe(stream);
          const referenced = rt.before !== undefined && rt.store === undefined;
          const input: any[] = second!.body.input ?? [];
          if (up.protocol === "responses")
            expect(input.filter((i) => i.type === "item_reference").length).toBe(referenced ? 1 : 0);
          // The neutral reading of a Responses body has no form for a reference; what it names is the upstream's to resolve.
          const turns = up.seen(up.protocol === "responses" ? { ...second!, body: { ...second!.body, input: input.filter((i) => i.type !== "item_reference") } } : second!).turns;
          expect(turns.map((t) => t.role)).toEqual(["user", "assistant", "user"]);
          expect(turns[0]!.text).toBe("Weather in Paris?");
          expect(turns[1]!.text).toBe(referenced && up.protocol === "responses" ? "" : (rt.before ?? ""));
          expect(turns[1]!.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual([{ name: WEATHER.name, input: { city: "Paris" } }]);
          expect(turns[2]!.toolResults.map(({ name, output }) => ({ name, output }))).toEqual([{ name: WEATHER.name, output: "18°C and sunny" }]);
          // The output answers the call it came for: by the upstream's own id where its protocol has ids.
          if (up.protocol !== "gemini" && up.protocol !== "ollama") {
            expect(turns[1]!.toolCalls[0]!.id).toBe(call.id);
            expect(turns[2]!.toolResults[0]!.id).toBe(call.id);
          }
        });
  });

/**
 * Upstreams that take signed thinking back in the history, and check the signature (a Gemini upstream
 * takes no thought parts back: its signature rides on the call part).
 */
const THINKING_BACK: ReadonlySet<Protocol> = new Set(["claude", "responses"]);

for (const up of upstreams)
  describe(`LangChain ChatOpenAI useResponsesApi → ${up.protocol} upstream, a bindTools round trip`, () => {
    for (const stream of [true, false])
      test(stream ? "streamed" : "plain (invoke)", async () => {
        const server = running.get(up.protocol)!;
        const before = server.received.length;
        const thinking = { pieces: ["Needs the ", "weather."], signature: "sig-lc1" };
        server.script(
          up.reply({ thinking, text: ["Let me check."], toolCalls: [{ id: "call_lc1", name: WEATHER.name, args: ['{"city":', '"Paris"}'] }], stop: "tool_use", usage }, stream),
          up.reply({ text: ["It is 18°C ", "and sunny."], stop: "end", usage }, stream),
        );
        const got = await langchainResponsesToolRoundTrip(proxy.url, KEY, `lib-${up.protocol}`, { prompt: "Weather in Paris?", stream, output: "18°C and sunny" });

        expect(got.calls.map(({ name, args }) => ({ name, args }))).toEqual([{ name: WEATHER.name, args: { city: "Paris" } }]);
        expect(got.reasoning).toBe(thinking.pieces.join(""));
        expect(got.text).toBe("It is 18°C and sunny.");
        expect(server.received.length - before).toBe(2);
        const turns = up.seen(server.received.at(-1)!).turns;
        expect(turns.map((t) => t.role)).toEqual(["user", "assistant", "user"]);
        expect(turns[1]!.text).toBe("Let me check.");
        expect(turns[1]!.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual([{ name: WEATHER.name, input: { city: "Paris" } }]);
        expect(turns[2]!.toolResults.map((r) => r.output)).toEqual(["18°C and sunny"]);
        // The thinking goes back with its signature, which a signing upstream checks.
        if (THINKING_BACK.has(up.protocol)) expect(turns[1]!.thinking).toEqual({ text: thinking.pieces.join(""), signature: thinking.signature });
        if (up.protocol !== "gemini" && up.protocol !== "ollama") {
          expect(got.calls[0]!.id).toBe("call_lc1");
          expect(turns[2]!.toolResults[0]!.id).toBe("call_lc1");
        }
      });
  });

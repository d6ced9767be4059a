// Shaping per group and per model entry (`shape:`), through every client protocol's official SDK:
// each option's test asserts on what the scripted upstream received. Prompt and tool options are
// checked against a Claude upstream (its system field is one text, easy to read whole); extra
// body fields against an upstream of every protocol, since they are merged after encoding.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { TIME, WEATHER } from "./conformance/cases.ts";
import { clients } from "./conformance/clients/index.ts";
import { closeUpstreams, startUpstreams, upstreamProviders, upstreams, type Running } from "./conformance/upstreams/index.ts";
import type { ClientDriver, Conversation, Seen, UpstreamDriver } from "./conformance/types.ts";

const KEY = "shape-key";
const TEAM_KEY = "team-key";
const claudeUp = upstreams.find((u) => u.protocol === "claude")!;
let running: Running = new Map();
let proxy: Proxy;

const to = (shape: unknown, target = "claude/up-model") => ({ targets: [target], shape });

beforeAll(async () => {
  running = await startUpstreams();
  const providers = upstreamProviders(running, () => "sk-up");
  proxy = await startProxy({
    accessKeys: [KEY],
    providers,
    models: {
      plain: { targets: ["claude/up-model"] },
      "sys-prepend": to({ prompt: { prepend: "RULES FIRST." } }),
      "sys-append": to({ prompt: { append: "RULES LAST.", where: "system" } }),
      "sys-replace": to({ prompt: { replace: "ONLY THESE RULES." } }),
      "user-prepend": to({ prompt: { prepend: "Note:", where: "lastUser" } }),
      "user-append": to({ prompt: { append: "Answer briefly.", where: "lastUser" } }),
      "user-replace": to({ prompt: { replace: "Say hello.", where: "lastUser" } }),
      "only-tools": to({ prompt: { append: "USE TOOLS WISELY.", onlyWithTools: true } }),
      "drop-name": to({ dropTools: ["get_time"] }),
      "drop-glob": to({ dropTools: ["get_*"] }),
      "temp-fixed": to({ params: { temperature: 0.2 } }),
      "temp-scaled": to({ params: { temperature: { scale: 0.5 } } }),
      "top-p": to({ params: { top_p: { scale: 0.5 } } }),
      "top-p-fixed": to({ params: { top_p: 0.3 } }),
      "cap": to({ params: { maxTokens: { cap: 100 } } }),
      "compat-drop": { ...to({ dropTools: ["get_time"] }), toolCompat: "compat" },
      ...Object.fromEntries(upstreams.map((u) => [`extra-${u.protocol}`, to({ params: { extra: { reasoning_effort: "low", service_tier: "flex" } } }, `${u.protocol}/up-model`)])),
    },
    groups: {
      team: {
        accessKeys: [TEAM_KEY],
        shape: { prompt: { prepend: "GROUP RULES." }, dropTools: ["get_time"], params: { temperature: { scale: 0.5 }, extra: { service_tier: "flex", user_tag: "team" } } },
        models: {
          plain: { targets: ["claude/up-model"] },
          combined: to({ prompt: { append: "MODEL RULES." }, params: { temperature: { scale: 0.5 }, maxTokens: { cap: 64 }, extra: { user_tag: "model" } } }),
        },
      },
    },
  });
});
afterAll(async () => {
  await proxy?.close();
  await closeUpstreams(running);
});

const ANSWER = { text: ["ok"], stop: "end" as const, usage: { input: 3, output: 1 } };

/** Sends `c` as `client`; returns what the upstream of `up` received, raw and in neutral terms. */
async function sent(client: ClientDriver, model: string, c: Conversation, o: { up?: UpstreamDriver; group?: boolean } = {}): Promise<{ seen: Seen; body: any }> {
  const up = o.up ?? claudeUp;
  const server = running.get(up.protocol)!;
  const before = server.received.length;
  server.script(up.reply(ANSWER, c.stream));
  const observed = await client.send(o.group ? `${proxy.url}/team` : proxy.url, o.group ? TEAM_KEY : KEY, model, c);
  expect(observed.text).toBe("ok");
  expect(server.received.length).toBe(before + 1);
  const r = server.received.at(-1)!;
  return { seen: up.seen(r), body: r.body };
}

const ask = (o: Partial<Conversation> = {}): Conversation => ({
  system: "You are terse.",
  turns: [
    { role: "user", text: "Hi" },
    { role: "assistant", text: "Hello." },
    { role: "user", text: "Weather in Paris?" },
  ],
  sampling: { maxTokens: 500, temperature: 0.8, topP: 0.9 },
  stream: false,
  ...o,
});
const names = (s: Seen) => s.tools.map((t) => t.name);

for (const client of clients)
  for (const stream of [false, true])
    describe(`shaping, ${client.protocol} client (${stream ? "streamed" : "plain"})`, () => {
      const c = (o: Partial<Conversation> = {}) => ask({ stream, ...o });

      test("no shape: the request goes as asked", async () => {
        const { seen } = await sent(client, "plain", c({ tools: [WEATHER, TIME] }));
        expect(seen.system).toBe("You are terse.");
        expect(names(seen)).toEqual(["get_weather", "get_time"]);
        expect(seen.sampling.temperature).toBe(0.8);
      });

      test("prompt on the system prompt: prepend, append, replace", async () => {
        expect((await sent(client, "sys-prepend", c())).seen.system).toMatch(/^RULES FIRST\.\s+You are terse\.$/);
        expect((await sent(client, "sys-append", c())).seen.system).toMatch(/^You are terse\.\s+RULES LAST\.$/);
        expect((await sent(client, "sys-replace", c())).seen.system).toBe("ONLY THESE RULES.");
        // A request without a system prompt is given one.
        expect((await sent(client, "sys-prepend", c({ system: undefined }))).seen.system).toBe("RULES FIRST.");
      });

      test("prompt on the last user turn: prepend, append, replace; earlier turns untouched", async () => {
        const texts = async (model: string) => (await sent(client, model, c())).seen.turns.map((t) => t.text);
        expect(await texts("user-prepend")).toEqual(["Hi", "Hello.", expect.stringMatching(/^Note:\s*Weather in Paris\?$/)]);
        expect(await texts("user-append")).toEqual(["Hi", "Hello.", expect.stringMatching(/^Weather in Paris\?\s*Answer briefly\.$/)]);
        expect(await texts("user-replace")).toEqual(["Hi", "Hello.", "Say hello."]);
      });

      test("onlyWithTools: the edit only when the request has tools", async () => {
        expect((await sent(client, "only-tools", c())).seen.system).toBe("You are terse.");
        expect((await sent(client, "only-tools", c({ tools: [WEATHER] }))).seen.system).toMatch(/^You are terse\.\s+USE TOOLS WISELY\.$/);
      });

      test("dropTools by name and by glob", async () => {
        expect(names((await sent(client, "drop-name", c({ tools: [WEATHER, TIME] }))).seen)).toEqual(["get_weather"]);
        const all = await sent(client, "drop-glob", c({ tools: [WEATHER, TIME], toolChoice: "auto" }));
        expect(all.body).not.toHaveProperty("tools");
        expect(all.body).not.toHaveProperty("tool_choice");
      });

      test("temperature fixed and scaled; top_p scaled and fixed; max tokens capped", async () => {
        expect((await sent(client, "temp-fixed", c())).seen.sampling.temperature).toBe(0.2);
        expect((await sent(client, "temp-scaled", c())).seen.sampling.temperature).toBe(0.4);
        expect((await sent(client, "temp-scaled", c({ sampling: { maxTokens: 500 } }))).seen.sampling.temperature).toBeUndefined();
        expect((await sent(client, "top-p", c())).seen.sampling.topP).toBe(0.45);
        expect((await sent(client, "top-p-fixed", c())).seen.sampling.topP).toBe(0.3);
        expect((await sent(client, "cap", c())).seen.sampling.maxTokens).toBe(100);
        expect((await sent(client, "cap", c({ sampling: { maxTokens: 50 } }))).seen.sampling.maxTokens).toBe(50);
      });

      test("a group's shaping applies to its models; an entry's goes on top of it", async () => {
        const g = await sent(client, "plain", c({ tools: [WEATHER, TIME] }), { group: true });
        expect(g.seen.system).toMatch(/^GROUP RULES\.\s+You are terse\.$/);
        expect(names(g.seen)).toEqual(["get_weather"]);
        expect(g.seen.sampling.temperature).toBe(0.4);
        expect(g.body).toMatchObject({ service_tier: "flex", user_tag: "team" });

        const m = await sent(client, "combined", c({ tools: [WEATHER, TIME] }), { group: true });
        expect(m.seen.system).toMatch(/^GROUP RULES\.\s+You are terse\.\s+MODEL RULES\.$/);
        expect(names(m.seen)).toEqual(["get_weather"]);
        expect(m.seen.sampling.temperature).toBe(0.2);
        expect(m.seen.sampling.maxTokens).toBe(64);
        expect(m.body).toMatchObject({ service_tier: "flex", user_tag: "model" });
      });
    });

describe("extra fields reach an upstream of every protocol, after encoding", () => {
  const client = clients.find((c) => c.protocol === "openai")!;
  for (const up of upstreams)
    test(`${up.protocol} upstream`, async () => {
      const { body, seen } = await sent(client, `extra-${up.protocol}`, ask(), { up });
      expect(body).toMatchObject({ reasoning_effort: "low", service_tier: "flex" });
      expect(seen.turns.at(-1)!.text).toBe("Weather in Paris?"); // the encoded request is intact
    });

  test("a client of the upstream's own protocol is shaped too (its body is not passed through as it came)", async () => {
    const responses = upstreams.find((u) => u.protocol === "responses")!;
    const { body } = await sent(clients.find((c) => c.protocol === "responses")!, "extra-responses", ask(), { up: responses });
    expect(body).toMatchObject({ reasoning_effort: "low", service_tier: "flex" });
  });

  test("a route without extra fields adds none", async () => {
    const { body } = await sent(client, "plain", ask());
    expect(body).not.toHaveProperty("reasoning_effort");
    expect(body).not.toHaveProperty("service_tier");
  });
});

test("tool compatibility mode sees only the tools that remain", async () => {
  const { body, seen } = await sent(clients.find((c) => c.protocol === "claude")!, "compat-drop", ask({ tools: [WEATHER, TIME] }));
  expect(body).not.toHaveProperty("tools");
  expect(seen.system).toContain(`### ${WEATHER.name}`);
  expect(seen.system).not.toContain(`### ${TIME.name}`);
});

test("a group's target named directly is shaped as the entry that routes to it", async () => {
  const { seen } = await sent(clients.find((c) => c.protocol === "openai")!, "claude/up-model", ask({ tools: [WEATHER, TIME] }), { group: true });
  expect(seen.system).toMatch(/^GROUP RULES\.\s+You are terse\.$/);
  expect(names(seen)).toEqual(["get_weather"]);
});

// What a conformance exchange must show, in neutral terms: the client got the case's answer, and the
// upstream received the case's conversation, each as far as both protocols can say it.
import { expect } from "bun:test";
import type { Case } from "./cases.ts";
import type { ClientDriver, Conversation, Observed, Protocol, Seen, UpstreamDriver } from "./types.ts";

/** Protocols whose tool calls carry ids, so an id survives from upstream to client unchanged. */
const WITH_IDS: ReadonlySet<Protocol> = new Set(["openai", "claude", "responses"]);
/** Protocols whose thinking carries a signature the client must get back unchanged. */
const SIGNED: ReadonlySet<Protocol> = new Set(["claude", "gemini", "responses"]);
/** Protocols with no tool choice at all (Ollama): a client's choice cannot be sent, nor an upstream's seen. */
const NO_TOOL_CHOICE: ReadonlySet<Protocol> = new Set(["ollama"]);
/** Sampling fields a protocol has no place for (the Responses API takes no stop sequences): a client cannot send them, nor an upstream see them. */
const NO_SAMPLING: Partial<Record<Protocol, string[]>> = { responses: ["stop"] };

export function checkClient(o: Observed, k: Case, client: ClientDriver, up: UpstreamDriver, stream: boolean) {
  const a = k.answer;
  expect(o.text).toBe((a.text ?? []).join(""));
  expect(o.stop).toBe(a.stop);
  expect(o.usage).toEqual(a.usage);
  if (stream && a.text) expect(o.chunks).toBe(a.text.length);
  expect(o.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual(
    (a.toolCalls ?? []).map((t) => ({ name: t.name, input: JSON.parse(t.args.join("")) })),
  );
  const ids = o.toolCalls.map((t) => t.id);
  if (WITH_IDS.has(client.protocol) && WITH_IDS.has(up.protocol)) expect(ids).toEqual((a.toolCalls ?? []).map((t) => t.id));
  else if (WITH_IDS.has(client.protocol)) expect(new Set(ids.filter(Boolean)).size).toBe(ids.length);
  if (a.thinking) {
    expect(o.thinking?.text).toBe(a.thinking.pieces.join(""));
    if (client.protocol === up.protocol && SIGNED.has(up.protocol)) expect(o.thinking?.signature).toBe(a.thinking.signature);
  }
}

export function checkUpstream(s: Seen, c: Conversation, up: UpstreamDriver, client: ClientDriver, model: string) {
  expect(s.model).toBe(model);
  expect(s.stream).toBe(c.stream);
  expect(s.system).toBe(c.system);
  expect(s.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.length }))).toEqual(
    c.turns.map((t) => ({ role: t.role, text: t.text ?? "", images: t.role === "user" && t.image ? 1 : 0 })),
  );
  c.turns.forEach((t, i) => {
    const got = s.turns[i]!;
    if (t.role === "user") {
      if (t.image) expect(got.images[0]).toEqual(t.image);
      expect(got.toolResults.map((r) => r.output)).toEqual((t.toolResults ?? []).map((r) => r.output));
    } else expect(got.toolCalls.map(({ name, input }) => ({ name, input }))).toEqual((t.toolCalls ?? []).map(({ name, input }) => ({ name, input })));
  });
  // Every tool result answers a call of the turn before it, by id where the upstream protocol has ids, else by name.
  s.turns.forEach((t, i) => {
    for (const r of t.toolResults) {
      const calls = s.turns[i - 1]?.toolCalls ?? [];
      if (WITH_IDS.has(up.protocol)) expect(calls.map((k) => k.id)).toContain(r.id);
      else expect(calls.map((k) => k.name)).toContain(r.name);
    }
  });
  expect(s.tools).toEqual(c.tools ?? []);
  if (!NO_TOOL_CHOICE.has(up.protocol) && !NO_TOOL_CHOICE.has(client.protocol)) expect(s.toolChoice).toEqual(c.toolChoice);
  const unsent = [...(NO_SAMPLING[client.protocol] ?? []), ...(NO_SAMPLING[up.protocol] ?? [])];
  for (const [field, value] of Object.entries(c.sampling ?? {}))
    if (!unsent.includes(field)) expect(s.sampling[field as keyof Seen["sampling"]]).toEqual(value);
}

// Turn shaping on unified messages that several protocols' turn functions share.
import { Type } from "@sinclair/typebox";
import type { Message, Part, TextPart, ToolCallPart, ToolResultPart } from "../unified/index.ts";
import type { MappingFunction } from "../mapping/functions.ts";

/**
 * The `args:` of a protocol's turn function: `decode` makes the protocol's messages unified turns,
 * `encode` makes unified turns the ones the protocol accepts.
 */
export const TurnDirection = Type.Union([Type.Literal("decode"), Type.Literal("encode")], { description: "decode or encode" });

/** Leading system messages become the system prompt; later ones stay where they are. */
export const hoistSystem: MappingFunction = (v: { messages?: Message[] }) => {
  const messages = v?.messages ?? [];
  let i = 0;
  const system: TextPart[] = [];
  for (; i < messages.length && messages[i]!.role === "system"; i++)
    for (const p of messages[i]!.content) if (p.type === "text") system.push(p);
  return { system: system.length ? system : undefined, messages: i ? messages.slice(i) : messages };
};

/**
 * Consecutive turns of the same role become one; in a user turn, tool results come first
 * (Claude and Gemini require it; OpenAI-style protocols send results as separate messages).
 */
export const mergeTurns: MappingFunction = (messages: Message[] | undefined) => {
  if (!Array.isArray(messages)) return messages;
  const out: Message[] = [];
  // The merged turn gets its own array once, then grows in place: copying it per turn was quadratic.
  let owned = false;
  for (const m of messages) {
    const last = out[out.length - 1];
    if (last && last.role === m.role && m.role !== "system") {
      if (!owned) (last.content = last.content.slice()), (owned = true);
      for (const p of m.content) last.content.push(p);
    } else (out.push({ role: m.role, content: m.content }), (owned = false));
  }
  for (const m of out) if (m.role === "user") m.content = resultsFirst(m.content);
  return out;
};

function resultsFirst(content: Part[]): Part[] {
  const i = content.findIndex((p) => p.type !== "tool_result");
  if (i < 0 || !content.slice(i).some((p) => p.type === "tool_result")) return content;
  return [...content.filter((p) => p.type === "tool_result"), ...content.filter((p) => p.type !== "tool_result")];
}

const UNANSWERED = "No result: the call was not answered.";

/**
 * Every tool call answered in the turn right after it, every result answering a call: Claude and
 * OpenAI reject a conversation where either is not so (a client that was interrupted mid-call
 * leaves one behind). A missing result is answered as an error; a stray one becomes text.
 */
export function pairToolResults(messages: Message[]): Message[] {
  const out: Message[] = [];
  let calls: ToolCallPart[] = [];
  for (const m of messages) {
    if (calls.length && m.role !== "user") out.push({ role: "user", content: calls.map(unanswered) });
    if (m.role === "user") out.push(answerCalls(calls, m));
    else out.push(m);
    calls = m.role === "assistant" ? m.content.filter((p): p is ToolCallPart => p.type === "tool_call") : [];
  }
  if (calls.length) out.push({ role: "user", content: calls.map(unanswered) });
  return out;
}

/** The user turn after `calls`: their results first, in call order, then the rest; unchanged when already so. */
function answerCalls(calls: ToolCallPart[], m: Message): Message {
  const results = new Map<string, ToolResultPart>();
  const rest: Part[] = [];
  const ids = new Set(calls.map((c) => c.id));
  let stray = false;
  for (const p of m.content) {
    if (p.type !== "tool_result") rest.push(p);
    else if (ids.has(p.id) && !results.has(p.id)) results.set(p.id, p);
    else (stray = true), rest.push({ type: "text", text: `Result of tool call ${p.id}: ${resultText(p)}` });
  }
  if (!stray && results.size === calls.length) return m;
  return { role: "user", content: [...calls.map((c) => results.get(c.id) ?? unanswered(c)), ...rest] };
}

function unanswered(c: ToolCallPart): ToolResultPart {
  return { type: "tool_result", id: c.id, name: c.name, content: [{ type: "text", text: UNANSWERED }], isError: true };
}

const resultText = (p: ToolResultPart) => p.content.map((c) => (c.type === "text" ? c.text : "[image]")).join("\n");

/** Drops text parts that carry no text: Claude rejects empty text blocks. */
export function withoutEmptyText(content: Part[]): Part[] {
  return content.some((p) => p.type === "text" && !p.text) ? content.filter((p) => p.type !== "text" || p.text) : content;
}

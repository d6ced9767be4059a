// Turn-shaping functions on unified messages that several protocols' mappings call by name.
import type { Message, Part, TextPart } from "../unified/index.ts";
import type { MappingFunction } from "../mapping/functions.ts";

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
  for (const m of messages) {
    const last = out[out.length - 1];
    if (last && last.role === m.role && m.role !== "system") last.content = [...last.content, ...m.content];
    else out.push({ role: m.role, content: m.content });
  }
  for (const m of out) if (m.role === "user") m.content = resultsFirst(m.content);
  return out;
};

function resultsFirst(content: Part[]): Part[] {
  const i = content.findIndex((p) => p.type !== "tool_result");
  if (i < 0 || !content.slice(i).some((p) => p.type === "tool_result")) return content;
  return [...content.filter((p) => p.type === "tool_result"), ...content.filter((p) => p.type !== "tool_result")];
}

/** Drops text parts that carry no text: Claude rejects empty text blocks. */
export function withoutEmptyText(content: Part[]): Part[] {
  return content.some((p) => p.type === "text" && !p.text) ? content.filter((p) => p.type !== "text" || p.text) : content;
}

export const turnFunctions = { hoistSystem, mergeTurns };

// Claude's escape hatches: what its message rules need beyond field mapping.
import type { Message, Part } from "../../unified/index.ts";
import type { MappingFunction } from "../../mapping/functions.ts";
import { mergeTurns, pairToolResults, withoutEmptyText } from "../turns.ts";

/**
 * Unified messages → the turns Claude accepts: a mid-conversation system message becomes user
 * text, same-role turns merge (tool results first), empty text blocks go, thinking without a
 * signature (another vendor's reasoning) goes, a turn left empty is dropped, and every tool call
 * is paired with its result.
 */
export const claudeTurns: MappingFunction = (messages: Message[] | undefined) => {
  if (!Array.isArray(messages)) return messages;
  const shaped = messages.map((m) => ({
    role: m.role === "system" ? ("user" as const) : m.role,
    content: withoutEmptyText(m.content).filter((p) => p.type !== "thinking" || p.signature || p.redacted),
  }));
  return pairToolResults((mergeTurns(shaped, {}) as Message[]).filter((m) => m.content.length));
};

/**
 * Response content for Claude: no empty text blocks. Another vendor's reasoning is shown as an
 * unsigned thinking block, as the stream shows it; claudeTurns drops it if the client echoes it back.
 */
export const claudeContent: MappingFunction = (content: Part[] | undefined) =>
  Array.isArray(content) ? withoutEmptyText(content) : content;

/** Claude accepts tool ids of `[A-Za-z0-9_-]` only; other vendors' ids are made to fit, the same way each time. */
export const claudeToolId: MappingFunction = (id: unknown) =>
  typeof id === "string" ? (/^[A-Za-z0-9_-]+$/.test(id) ? id : id.replace(/[^A-Za-z0-9_-]/g, "_")) : id;

export const claudeFunctions = { claudeTurns, claudeContent, claudeToolId };

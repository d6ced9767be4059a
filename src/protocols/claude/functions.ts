// Claude's escape hatches: what its message rules need beyond field mapping.
import type { Message } from "../../unified/index.ts";
import { NoArgs, withArgs } from "../../mapping/functions.ts";
import { mergeTurns, pairToolResults, withoutEmptyText } from "../turns.ts";

/**
 * Unified messages → the turns Claude accepts: a mid-conversation system message becomes user
 * text, same-role turns merge (tool results first), empty text blocks go, thinking without a
 * signature (another vendor's reasoning) goes, a turn left empty is dropped, and every tool call
 * is paired with its result.
 */
export const claudeTurns = withArgs(NoArgs, (messages: Message[] | undefined) => {
  if (!Array.isArray(messages)) return messages;
  const shaped = messages.map((m) => ({
    role: m.role === "system" ? ("user" as const) : m.role,
    content: withoutEmptyText(m.content).filter((p) => p.type !== "thinking" || p.signature || p.redacted),
  }));
  return pairToolResults((mergeTurns(shaped, {}) as Message[]).filter((m) => m.content.length));
});

export const claudeFunctions = { claudeTurns };

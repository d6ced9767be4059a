// OpenAI's escape hatch: its message list has system prompts and tool results as messages of their own.
import type { Message, Part, Request, ToolResultPart } from "../../unified/index.ts";
import { withArgs } from "../../mapping/functions.ts";
import { hoistSystem, mergeTurns, pairToolResults, TurnDirection } from "../turns.ts";

type OpenAITurn = Message | { role: "tool"; id: string; content: Part[] };

/**
 * OpenAI's turn rules. `decode`: decoded messages → the unified request's `system` (the leading
 * system and developer messages) and `messages` (tool messages joined to the user turn after them).
 * `encode`: unified request → the ordered turns OpenAI expects.
 */
export const openaiTurns = withArgs(TurnDirection, (v: unknown, _ctx, direction?: "decode" | "encode") =>
  direction === "decode" ? hoistSystem({ messages: mergeTurns(v, {}) }, {}) : encodeTurns(v as Request),
);

/**
 * The system prompt first, then each user turn's tool results as one `tool` message per call
 * (before the rest of that turn), every call answered and every result answering a call.
 */
function encodeTurns(req: Request): OpenAITurn[] {
  const out: OpenAITurn[] = [];
  if (req.system?.length) out.push({ role: "system", content: req.system });
  for (const m of pairToolResults(mergeTurns(req.messages ?? [], {}) as Message[])) {
    if (m.role !== "user" || !m.content.some((p) => p.type === "tool_result")) {
      out.push(m);
      continue;
    }
    const rest: Part[] = [];
    for (const p of m.content)
      if (p.type === "tool_result") out.push({ role: "tool", id: p.id, content: resultContent(p) });
      else rest.push(p);
    if (rest.length) out.push({ role: "user", content: rest });
  }
  return out;
}

/** OpenAI tool messages carry text only; an error flag becomes words the model can read. */
function resultContent(p: ToolResultPart): Part[] {
  return p.isError ? [{ type: "text", text: "Error:" }, ...p.content] : p.content;
}

export const openaiFunctions = { openaiTurns };

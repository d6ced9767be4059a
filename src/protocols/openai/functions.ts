// OpenAI's escape hatch: its message list has tool results as separate messages.
import type { Message, Part, Request, ToolResultPart } from "../../unified/index.ts";
import type { MappingFunction } from "../../mapping/functions.ts";
import { mergeTurns, pairToolResults } from "../turns.ts";

type OpenAITurn = Message | { role: "tool"; id: string; content: Part[] };

/**
 * Unified request → the ordered turns OpenAI expects: the system prompt first, then each user
 * turn's tool results as one `tool` message per call (before the rest of that turn), every call
 * answered and every result answering a call.
 */
export const openaiTurns: MappingFunction = (req: Request) => {
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
};

/** OpenAI tool messages carry text only; an error flag becomes words the model can read. */
function resultContent(p: ToolResultPart): Part[] {
  return p.isError ? [{ type: "text", text: "Error:" }, ...p.content] : p.content;
}

export const openaiFunctions = { openaiTurns };

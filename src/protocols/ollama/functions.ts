// Ollama's escape hatches: tool calls without ids, results paired by name, images as raw base64
// only, and the model_info of a model it does not hold.
import type { Message, Part, Request, ToolCallPart } from "../../unified/index.ts";
import { NoArgs, withArgs } from "../../mapping/functions.ts";
import { hoistSystem, mergeTurns, TurnDirection } from "../turns.ts";

/**
 * Ollama tool calls usually have no id and its `tool` messages name the tool (`tool_name`), sometimes
 * with a `tool_call_id`. Calls get ids from their position (`call_0`, `call_1`, … over the whole
 * conversation), so the same history always gets the same ids; each result takes the id of the
 * unanswered call it names (by id, else by name, else the oldest), in order.
 */
function ollamaPairTools(messages: Message[] | undefined): Message[] | undefined {
  if (!Array.isArray(messages)) return messages;
  let n = 0;
  let open: ToolCallPart[] = [];
  for (const m of messages) {
    if (m.role === "assistant" && m.content.some((p) => p.type === "tool_call")) open = [];
    for (const p of m.content) {
      if (p.type === "tool_call") {
        p.id ||= `call_${n}`;
        n++;
        open.push(p);
      } else if (p.type === "tool_result") {
        const call = (p.id && open.find((c) => c.id === p.id)) || open.find((c) => c.name === p.name) || open[0];
        if (call) {
          p.id = call.id;
          p.name ||= call.name;
          open.splice(open.indexOf(call), 1);
        } else p.id ||= `call_${n++}`;
      }
    }
  }
  return messages;
}

type OllamaTurn = Message | { role: "tool"; name?: string; content: Part[] };

/**
 * Ollama's turn rules. `decode`: decoded messages → the unified request's `system` (the leading
 * system messages) and `messages` (calls given ids and results paired with them, as ollamaPairTools
 * does, then tool results joined into one user turn). `encode`: unified request → Ollama's messages.
 */
export const ollamaTurns = withArgs(TurnDirection, (v: unknown, _ctx, direction?: "decode" | "encode") =>
  direction === "decode"
    ? hoistSystem({ messages: mergeTurns(ollamaPairTools(v as Message[] | undefined), {}) }, {})
    : encodeTurns(v as Request),
);

/**
 * The system prompt first, each tool result as its own `tool` message naming its tool (looked up by
 * call id when the client protocol gave only ids). Ollama takes images as base64 data only; an image
 * given by URL becomes a text note naming the URL, so the model is told what it cannot see rather
 * than the image vanishing unnoticed.
 */
function encodeTurns(req: Request): OllamaTurn[] {
  const out: OllamaTurn[] = [];
  const names = new Map<string, string>();
  if (req.system?.length) out.push({ role: "system", content: req.system });
  for (const m of req.messages ?? []) {
    const content = m.content.map(inlineImagesOnly);
    if (m.role !== "user" || !content.some((p) => p.type === "tool_result")) {
      for (const p of content) if (p.type === "tool_call") names.set(p.id, p.name);
      out.push({ role: m.role, content });
      continue;
    }
    const rest: Part[] = [];
    for (const p of content)
      if (p.type !== "tool_result") rest.push(p);
      else {
        const text: Part[] = p.isError ? [{ type: "text", text: "Error:" }, ...p.content] : p.content;
        out.push({ role: "tool", name: p.name ?? names.get(p.id), content: text.map(inlineImagesOnly) });
      }
    if (rest.length) out.push({ role: "user", content: rest });
  }
  return out;
}

function inlineImagesOnly<P extends Part>(p: P): P | Part {
  return p.type === "image" && !p.data ? { type: "text", text: `[image not sent: ${p.url}]` } : p;
}

/** Ollama's model_info for a model it does not hold: the architecture and, where known, its context length. */
export const ollamaModelInfo = withArgs(NoArgs, (m: { family?: unknown; contextLength?: unknown }) => {
  if (typeof m?.family !== "string") return {};
  const info: Record<string, unknown> = { "general.architecture": m.family };
  if (typeof m.contextLength === "number") info[`${m.family}.context_length`] = m.contextLength;
  return info;
});

export const ollamaFunctions = { ollamaTurns, ollamaModelInfo };

// Ollama's escape hatches: tool calls without ids, results paired by name, raw base64 images,
// and the nanosecond durations its replies report.
import type { Message, Part, Request, ToolCallPart } from "../../unified/index.ts";
import { randomId, type MappingFunction, type MappingContext } from "../../mapping/functions.ts";

/**
 * Ollama tool calls usually have no id and its `tool` messages name the tool (`tool_name`), sometimes
 * with a `tool_call_id`. Calls get ids from their position (`call_0`, `call_1`, … over the whole
 * conversation), so the same history always gets the same ids; each result takes the id of the
 * unanswered call it names (by id, else by name, else the oldest), in order.
 */
export const ollamaPairTools: MappingFunction = (messages: Message[] | undefined) => {
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
};

type OllamaTurn = Message | { role: "tool"; name?: string; content: Part[] };

/**
 * Unified request → Ollama's message list: the system prompt first, each tool result as its own
 * `tool` message naming its tool (looked up by call id when the client protocol gave only ids).
 * Ollama takes images as base64 data only; an image given by URL becomes a text note naming the URL,
 * so the model is told what it cannot see rather than the image vanishing unnoticed.
 */
export const ollamaTurns: MappingFunction = (req: Request) => {
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
};

function inlineImagesOnly<P extends Part>(p: P): P | Part {
  return p.type === "image" && !p.data ? { type: "text", text: `[image not sent: ${p.url}]` } : p;
}

/** The media type of raw base64 image data, from its first bytes (Ollama sends no type). */
export const imageType: MappingFunction = (data) => {
  if (typeof data !== "string") return undefined;
  if (data.startsWith("/9j/")) return "image/jpeg";
  if (data.startsWith("R0lGOD")) return "image/gif";
  if (data.startsWith("UklGR")) return "image/webp";
  return "image/png";
};

/** /api/generate's `suffix` as text a chat model can act on (chat has no fill-in-the-middle). */
export const labelSuffix: MappingFunction = (suffix) =>
  typeof suffix === "string" && suffix ? `[Continue the text above so that it leads into this ending:]\n${suffix}` : undefined;

/** A tool call id for a reply: the upstream's, else a fresh one (Ollama usually sends none). */
export const ollamaCallId: MappingFunction = (id) => (typeof id === "string" && id ? id : `call_${randomId()}`);

/** Starts the request's clock at decode time; returns nothing, so the spread it sits in adds nothing. */
export const startClock: MappingFunction = (_v, ctx: MappingContext) => void (ctx.startedNs ??= Bun.nanoseconds());

/** Nanoseconds since the request was decoded, as Ollama reports its durations. */
export const elapsedNs: MappingFunction = (_v, ctx: MappingContext) =>
  Bun.nanoseconds() - ((ctx.startedNs as number | undefined) ?? Bun.nanoseconds());

/** RFC 3339 time, as Ollama's `created_at` and `modified_at`. */
export const isoNow: MappingFunction = () => new Date().toISOString();

/** A stable sha256 hex digest of a model name, standing in for Ollama's model digest. */
export const digestOf: MappingFunction = (name) =>
  typeof name === "string" ? new Bun.CryptoHasher("sha256").update(name).digest("hex") : undefined;

/** Ollama's model_info for a model it does not hold: the architecture and, where known, its context length. */
export const ollamaModelInfo: MappingFunction = (m: { family?: unknown; contextLength?: unknown }) => {
  if (typeof m?.family !== "string") return {};
  const info: Record<string, unknown> = { "general.architecture": m.family };
  if (typeof m.contextLength === "number") info[`${m.family}.context_length`] = m.contextLength;
  return info;
};

export const ollamaFunctions = {
  ollamaModelInfo,
  ollamaPairTools,
  ollamaTurns,
  imageType,
  labelSuffix,
  ollamaCallId,
  startClock,
  elapsedNs,
  isoNow,
  digestOf,
};

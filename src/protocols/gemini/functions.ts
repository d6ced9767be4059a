// Gemini's escape hatches: call ids it does not have, results paired by name, turns that must
// alternate user/model, function results that must be JSON objects, and tool schemas in its subset.
import type { Message, Part, TextPart, ToolCallPart, ToolResultPart } from "../../unified/index.ts";
import { NoArgs, randomId, withArgs, type MappingFunction } from "../../mapping/functions.ts";
import { mergeTurns, TurnDirection, withoutEmptyText } from "../turns.ts";
import { geminiSchema, jsonSchemaFromGemini } from "./schema.ts";

/**
 * Gemini has no call ids (or optional ones): calls without one get `call_<turn>_<n>`, the same each
 * time the conversation is sent, and each result without one takes the id of the earliest
 * unanswered call of the same name, so results pair with calls by name and order.
 */
export const geminiIds: MappingFunction = (messages: Message[] | undefined) => {
  if (!Array.isArray(messages)) return messages;
  const open: ToolCallPart[] = [];
  messages.forEach((m, mi) => {
    let n = 0;
    for (const p of m.content) {
      if (p.type === "tool_call") {
        p.id ||= `call_${mi}_${n}`;
        n++;
        open.push(p);
      } else if (p.type === "tool_result") {
        const i = open.findIndex((c) => (p.id ? c.id === p.id : c.name === p.name));
        const call = i >= 0 ? open.splice(i, 1)[0] : undefined;
        p.id ||= call?.id ?? `call_${mi}_${n++}`;
        p.name ??= call?.name;
      }
    }
  });
  return messages;
};

/**
 * Gemini's turn rules. `decode`: calls and results given the ids Gemini may leave out (geminiIds).
 * `encode`: unified messages → the turns Gemini accepts (encodeTurns).
 */
export const geminiTurns = withArgs(TurnDirection, (messages: Message[] | undefined, _ctx, direction?: "decode" | "encode") =>
  direction === "decode" ? geminiIds(messages, {}) : encodeTurns(messages),
);

/**
 * Mid-conversation system text becomes user text, each result names its function (found by the
 * call's id), thinking stays out (its signature belongs to whichever vendor wrote it; Gemini keeps
 * what it needs on the call parts), empty text goes, same-role turns merge with results first,
 * and an empty turn is dropped.
 */
function encodeTurns(messages: Message[] | undefined) {
  if (!Array.isArray(messages)) return messages;
  const names = new Map<string, string>();
  const shaped = messages.map((m) => ({
    role: m.role === "system" ? ("user" as const) : m.role,
    content: withoutEmptyText(m.content).flatMap((p): Part[] => {
      if (p.type === "tool_call") {
        names.set(p.id, p.name);
        const signature = callSignature(p);
        return [signature ? { ...p, signature } : p];
      }
      if (p.type === "thinking") return [];
      if (p.type === "tool_result" && !p.name) return [{ ...p, name: names.get(p.id) ?? p.id }];
      return [p];
    }),
  }));
  return (mergeTurns(shaped, {}) as Message[]).filter((m) => m.content.length);
}

/**
 * A tool result → Gemini's `functionResponse.response`, which must be a JSON object: an object
 * text is sent as that object, other text under `output` (or `error` for a failed call), the keys
 * the Gemini docs name for a function's output and its error.
 * @see https://ai.google.dev/api/caching#FunctionResponse
 */
export const geminiResponse = withArgs(NoArgs, (p: ToolResultPart) => {
  const text = (p?.content ?? []).filter((c): c is TextPart => c.type === "text").map((c) => c.text).join("\n");
  if (!p?.isError) {
    try {
      const v = JSON.parse(text);
      if (v && typeof v === "object" && !Array.isArray(v)) return v;
    } catch {
      // plain text: wrapped below
    }
  }
  return p?.isError ? { error: text } : { output: text };
});

/** `functionResponse.response` → unified result content: `{output}` / `{error}` unwrapped, anything else as JSON text. */
export const geminiResultContent = withArgs(NoArgs, (response: unknown) => {
  const r = response && typeof response === "object" && !Array.isArray(response) ? (response as Record<string, unknown>) : {};
  const keys = Object.keys(r);
  const only = keys.length === 1 ? keys[0] : undefined;
  if ((only === "output" || only === "error") && typeof r[only] === "string")
    return { content: r[only] ? [{ type: "text", text: r[only] }] : [], isError: only === "error" || undefined };
  return { content: [{ type: "text", text: JSON.stringify(response ?? {}) }] };
});

/**
 * The id of a call a Gemini upstream sent (a part with `functionCall`): its own id if it gave one,
 * else a fresh one that carries the part's thoughtSignature (as base64url), so the signature comes
 * back with the call through clients whose protocol has no place for it (OpenAI, Claude).
 */
export const geminiCallId = withArgs(NoArgs, (part: { functionCall?: { id?: string }; thoughtSignature?: string }) => {
  if (part?.functionCall?.id) return part.functionCall.id;
  const sig = part?.thoughtSignature;
  return `call_${randomId()}${sig ? `_s_${Buffer.from(sig).toString("base64url")}` : ""}`;
});

/** The signature a call's id carries (see geminiCallId), or the one it came with. */
export function callSignature(p: ToolCallPart): string | undefined {
  if (p.signature) return p.signature;
  const m = /^call_[a-z0-9]+_s_([A-Za-z0-9_-]+)$/.exec(p.id);
  return m ? Buffer.from(m[1]!, "base64url").toString() : undefined;
}

export const geminiFunctions = { geminiTurns, geminiCallId, geminiResponse, geminiResultContent, geminiSchema, jsonSchemaFromGemini };

// The Claude upstream side of the matrix: exact Messages bodies and event streams.
import { startUpstream } from "../../support/upstream.ts";
import { claudeEvents, claudeMessage, type ClaudeStreamBlock, type StopReason } from "../../support/wire.ts";
import type { Answer, Seen, Stop, UpstreamDriver } from "../types.ts";

const STOP: Record<Stop, StopReason> = {
  end: "end_turn",
  max_tokens: "max_tokens",
  tool_use: "tool_use",
  stop_sequence: "stop_sequence",
  content_filter: "refusal",
};

function blocks(a: Answer): ClaudeStreamBlock[] {
  const out: ClaudeStreamBlock[] = [];
  if (a.thinking) out.push({ type: "thinking", pieces: a.thinking.pieces, signature: a.thinking.signature ?? "" });
  if (a.text) out.push({ type: "text", pieces: a.text });
  for (const t of a.toolCalls ?? []) out.push({ type: "tool_use", id: t.id, name: t.name, jsonPieces: t.args });
  return out;
}

function message(a: Answer) {
  const content = blocks(a).map((b) => {
    if (b.type === "text") return { type: "text", text: b.pieces.join("") };
    if (b.type === "thinking") return { type: "thinking", thinking: b.pieces.join(""), signature: b.signature };
    if (b.type === "tool_use") return { type: "tool_use", id: b.id, name: b.name, input: JSON.parse(b.jsonPieces.join("") || "{}") };
    return { type: "redacted_thinking", data: b.data };
  });
  return claudeMessage({ content, stop_reason: STOP[a.stop], usage: a.usage });
}

const text = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.filter((p) => p.type === "text").map((p) => p.text).join("") : "";

function seen(body: any): Seen {
  const names = new Map<string, string>();
  const turns: Seen["turns"] = (body.messages ?? []).map((m: any) => {
    const t: Seen["turns"][number] = { role: m.role, text: text(m.content), images: [], toolCalls: [], toolResults: [] };
    for (const b of typeof m.content === "string" ? [] : m.content) {
      if (b.type === "image") t.images.push({ mediaType: b.source.media_type, data: b.source.data });
      else if (b.type === "tool_use") names.set(b.id, b.name), t.toolCalls.push({ id: b.id, name: b.name, input: b.input });
      else if (b.type === "tool_result") t.toolResults.push({ id: b.tool_use_id, name: names.get(b.tool_use_id) ?? "", output: text(b.content) });
      else if (b.type === "thinking") t.thinking = { text: b.thinking, signature: b.signature };
    }
    return t;
  });
  const tc = body.tool_choice;
  return {
    model: body.model,
    stream: body.stream === true,
    system: body.system === undefined ? undefined : text(body.system),
    turns,
    tools: (body.tools ?? []).map((t: any) => ({ name: t.name, description: t.description, parameters: t.input_schema })),
    toolChoice: tc === undefined ? undefined : tc.type === "tool" ? { name: tc.name } : tc.type,
    sampling: { maxTokens: body.max_tokens, temperature: body.temperature, topP: body.top_p, topK: body.top_k, stop: body.stop_sequences },
  };
}

export const upstream: UpstreamDriver = {
  protocol: "claude",
  start: () => startUpstream("claude"),
  reply: (a, stream) =>
    stream ? { sse: claudeEvents({ blocks: blocks(a), stop_reason: STOP[a.stop], usage: a.usage }) } : { json: message(a) },
  // Everything up to the last text delta: no block stop, no message_delta, no message_stop.
  cutStream: (pieces) => ({ sse: claudeEvents({ blocks: [{ type: "text", pieces }] }).slice(0, -3), cut: true }),
  seen: (r) => seen(r.body),
};

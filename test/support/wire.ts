// Builders for exact upstream wire objects (OpenAI chat.completion / chunks, Claude message /
// stream events) plus SSE parsers for asserting raw proxy output.
import type { SseEvent } from "./upstream.ts";

// ---------- OpenAI ----------
export interface OpenAIToolCall { id: string; name: string; arguments: string | string[] } // string[] = stream fragments
export interface OpenAIUsage { prompt: number; completion: number; cached?: number; reasoning?: number }
export interface OpenAIOpts {
  content?: string | string[]; // string[] = stream pieces (joined for non-stream)
  toolCalls?: OpenAIToolCall[];
  reasoning?: string | string[];
  reasoningField?: "reasoning_content" | "reasoning"; // DeepSeek vs Ollama/OpenRouter naming
  finish?: "stop" | "length" | "tool_calls" | "content_filter" | "function_call";
  usage?: OpenAIUsage;
  model?: string;
  id?: string;
  created?: number;
}
export interface OpenAIChunkOpts extends OpenAIOpts {
  interleave?: boolean; // round-robin fragments of parallel tool calls
  includeUsage?: boolean; // default true: `usage:null` on chunks + final `choices:[]` usage chunk
  done?: boolean; // default true: trailing `data: [DONE]`
}

const joined = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : v);
const pieces = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function openaiUsage(u: OpenAIUsage = { prompt: 10, completion: 5 }) {
  return {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const defaultFinish = (o: OpenAIOpts) => o.finish ?? (o.toolCalls?.length ? "tool_calls" : "stop");

export function openaiCompletion(o: OpenAIOpts = {}) {
  const message: Record<string, unknown> = { role: "assistant", content: joined(o.content) ?? null, refusal: null };
  if (o.reasoning !== undefined) message[o.reasoningField ?? "reasoning_content"] = joined(o.reasoning);
  if (o.toolCalls?.length) {
    message.tool_calls = o.toolCalls.map((t) => ({
      id: t.id,
      type: "function",
      function: { name: t.name, arguments: joined(t.arguments) },
    }));
  }
  return {
    id: o.id ?? "chatcmpl-upstream",
    object: "chat.completion",
    created: o.created ?? 1700000000,
    model: o.model ?? "gpt-4o-mini",
    choices: [{ index: 0, message, logprobs: null, finish_reason: defaultFinish(o) }],
    usage: openaiUsage(o.usage),
  };
}

export function openaiChunks(o: OpenAIChunkOpts = {}): SseEvent[] {
  const includeUsage = o.includeUsage ?? true;
  const head = { id: o.id ?? "chatcmpl-upstream", object: "chat.completion.chunk", created: o.created ?? 1700000000, model: o.model ?? "gpt-4o-mini" };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseEvent => ({
    data: {
      ...head,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    },
  });
  const out: SseEvent[] = [chunk({ role: "assistant", content: "", refusal: null })];
  const rf = o.reasoningField ?? "reasoning_content";
  for (const p of pieces(o.reasoning)) out.push(chunk({ [rf]: p }));
  for (const p of pieces(o.content)) out.push(chunk({ content: p }));

  // Per call: a header fragment (id/type/name, arguments "") then the argument fragments.
  const seqs = (o.toolCalls ?? []).map((t, index) => [
    { index, id: t.id, type: "function", function: { name: t.name, arguments: "" } },
    ...pieces(t.arguments).map((a) => ({ index, function: { arguments: a } })),
  ]);
  const frags: unknown[] = [];
  if (o.interleave) {
    const rounds = Math.max(0, ...seqs.map((s) => s.length));
    for (let r = 0; r < rounds; r++) for (const s of seqs) if (r < s.length) frags.push(s[r]);
  } else for (const s of seqs) frags.push(...s);
  for (const f of frags) out.push(chunk({ tool_calls: [f] }));

  out.push(chunk({}, defaultFinish(o)));
  if (includeUsage) out.push({ data: { ...head, choices: [], usage: openaiUsage(o.usage) } });
  if (o.done ?? true) out.push({ data: "[DONE]" });
  return out;
}

export function openaiModels(ids: string[] = ["gpt-4o-mini"]) {
  return { object: "list", data: ids.map((id) => ({ id, object: "model", created: 1700000000, owned_by: "openai" })) };
}

// ---------- Claude ----------
export interface ClaudeUsageIn {
  input?: number; output?: number; cacheCreation?: number; cacheRead?: number;
  // wire names are accepted too
  input_tokens?: number; output_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number;
}
export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal" | "model_context_window_exceeded";

export function claudeUsage(u: ClaudeUsageIn = {}) {
  return {
    input_tokens: u.input ?? u.input_tokens ?? 10,
    output_tokens: u.output ?? u.output_tokens ?? 5,
    cache_creation_input_tokens: u.cacheCreation ?? u.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: u.cacheRead ?? u.cache_read_input_tokens ?? 0,
  };
}

export interface ClaudeMessageOpts {
  content: string | Record<string, unknown>[]; // string = one text block; blocks are passed through
  stop_reason?: StopReason;
  stop_sequence?: string | null;
  usage?: ClaudeUsageIn;
  model?: string;
  id?: string;
}

export function claudeMessage(o: ClaudeMessageOpts) {
  const content = typeof o.content === "string" ? [{ type: "text", text: o.content }] : o.content;
  return {
    id: o.id ?? "msg_upstream",
    type: "message",
    role: "assistant",
    model: o.model ?? "claude-sonnet-4-6",
    content,
    stop_reason: o.stop_reason ?? (content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn"),
    stop_sequence: o.stop_sequence ?? null,
    usage: claudeUsage(o.usage),
  };
}

export type ClaudeStreamBlock =
  | { type: "text"; pieces: string[] }
  | { type: "tool_use"; id: string; name: string; jsonPieces: string[] }
  | { type: "thinking"; pieces: string[]; signature: string }
  | { type: "redacted_thinking"; data: string };

export interface ClaudeEventsOpts {
  blocks: ClaudeStreamBlock[];
  stop_reason?: StopReason;
  stop_sequence?: string | null;
  usage?: ClaudeUsageIn; // output = cumulative total reported in message_delta
  model?: string;
  id?: string;
}

export function claudeEvents(o: ClaudeEventsOpts): SseEvent[] {
  const u = claudeUsage(o.usage);
  const ev = (data: Record<string, unknown>): SseEvent => ({ data });
  const out: SseEvent[] = [
    ev({
      type: "message_start",
      message: {
        id: o.id ?? "msg_upstream", type: "message", role: "assistant", model: o.model ?? "claude-sonnet-4-6",
        content: [], stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 1 },
      },
    }),
    ev({ type: "ping" }),
  ];
  o.blocks.forEach((b, index) => {
    const delta = (d: Record<string, unknown>) => out.push(ev({ type: "content_block_delta", index, delta: d }));
    if (b.type === "text") {
      out.push(ev({ type: "content_block_start", index, content_block: { type: "text", text: "" } }));
      for (const text of b.pieces) delta({ type: "text_delta", text });
    } else if (b.type === "tool_use") {
      out.push(ev({ type: "content_block_start", index, content_block: { type: "tool_use", id: b.id, name: b.name, input: {} } }));
      for (const partial_json of ["", ...b.jsonPieces]) delta({ type: "input_json_delta", partial_json });
    } else if (b.type === "thinking") {
      out.push(ev({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } }));
      for (const thinking of b.pieces) delta({ type: "thinking_delta", thinking });
      delta({ type: "signature_delta", signature: b.signature });
    } else {
      // redacted_thinking arrives whole in content_block_start, no deltas
      out.push(ev({ type: "content_block_start", index, content_block: { type: "redacted_thinking", data: b.data } }));
    }
    out.push(ev({ type: "content_block_stop", index }));
  });
  const stop_reason = o.stop_reason ?? (o.blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn");
  out.push(ev({ type: "message_delta", delta: { stop_reason, stop_sequence: o.stop_sequence ?? null }, usage: { output_tokens: u.output_tokens } }));
  out.push(ev({ type: "message_stop" }));
  return out;
}

/** Mid-stream error event (may follow a 200 status). */
export function claudeErrorEvent(type = "overloaded_error", message = "Overloaded"): SseEvent {
  return { event: "error", data: { type: "error", error: { type, message } } };
}

export function claudeModels(ids: string[] = ["claude-sonnet-4-6"]) {
  const data = ids.map((id) => ({ type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z" }));
  return { data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null };
}

// ---------- SSE parsing ----------
export interface ParsedSse { event?: string; data: string }

/** WHATWG-style SSE parse: CR/LF/CRLF line ends, `:` comments, optional space after the colon,
 *  multi-line data joined by "\n". An unterminated trailing event is dropped, as clients do. */
export function readSseText(text: string): ParsedSse[] {
  const out: ParsedSse[] = [];
  let event: string | undefined;
  let data: string[] = [];
  let hasData = false;
  for (const line of text.split(/\r\n|\r|\n/).slice(0, -1)) {
    if (line === "") {
      if (hasData) out.push(event === undefined ? { data: data.join("\n") } : { event, data: data.join("\n") });
      event = undefined;
      data = [];
      hasData = false;
      continue;
    }
    if (line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") {
      data.push(value);
      hasData = true;
    }
  }
  return out;
}

/** Reads the whole body (decoder handles UTF-8 split across chunks) and parses it. */
export async function readSse(response: Response): Promise<ParsedSse[]> {
  return readSseText(await response.text());
}

/** Parses each SSE data payload as JSON, leaving non-JSON (e.g. "[DONE]") as the string. */
export function sseJson(events: ParsedSse[]): unknown[] {
  return events.map((e) => {
    try {
      return JSON.parse(e.data);
    } catch {
      return e.data;
    }
  });
}

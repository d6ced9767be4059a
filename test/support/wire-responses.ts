// Builders for exact OpenAI Responses API wire data: the whole response object and its SSE event
// stream (each event with `type` and an increasing `sequence_number`; upstream.ts writes the
// `event:` line from the type). Field names are held to the `openai` SDK's types with `satisfies`;
// where the live API sends more than the SDK declares (`store`, item `status`), the extra is typed here.
// @see https://platform.openai.com/docs/api-reference/responses/object
// @see https://platform.openai.com/docs/api-reference/responses-streaming
import type {
  Response,
  ResponseCustomToolCall,
  ResponseFunctionToolCall,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseStreamEvent,
  ResponseUsage,
} from "openai/resources/responses/responses";
import type { SseEvent } from "./upstream.ts";

type Pieces = string | string[]; // string[] = stream deltas, joined in the whole object

export type ResponsesItem =
  | { type: "message"; text: Pieces; id?: string }
  /** `encrypted` is the item's encrypted_content, what other protocols call a thinking signature */
  | { type: "reasoning"; summary: Pieces; encrypted?: string; id?: string }
  | { type: "function_call"; callId: string; name: string; arguments: Pieces; id?: string }
  | { type: "custom_tool_call"; callId: string; name: string; input: Pieces; id?: string };

export interface ResponsesUsage { input: number; output: number; cached?: number; reasoning?: number; cacheWrite?: number }

export interface ResponsesOpts {
  items?: ResponsesItem[];
  /** completed (the default), incomplete (with `incomplete`), or failed (with `error`) */
  status?: "completed" | "incomplete" | "failed";
  incomplete?: "max_output_tokens" | "content_filter";
  error?: { code: string; message: string };
  usage?: ResponsesUsage;
  model?: string;
  id?: string;
  created?: number;
  /** The request body, for the fields a response echoes (instructions, tools, tool_choice, sampling) */
  request?: Record<string, any>;
}

export interface ResponsesEventsOpts extends ResponsesOpts {
  /**
   * How a failed stream reports its error before response.failed: the reference's flat `error` event
   * (the default), the live API's nested `{error: {type, code, message, param}}`, or not at all.
   */
  errorEvent?: "flat" | "nested" | "none";
}

/** The live API sends `store`, a null `user`, and no usage before the end; the SDK declares none of these. */
type WireResponse = Omit<Partial<Response>, "usage" | "output_text" | "user"> & {
  store: boolean;
  user: string | null;
  usage: ReturnType<typeof responsesUsage> | null;
};
type ItemStatus = "in_progress" | "completed" | "incomplete";
/** The live API marks a custom tool call with a status, as it does a function call. */
type WireCustomToolCall = ResponseCustomToolCall & { status?: ItemStatus };

const FAILED = { code: "server_error", message: "The model failed to generate a response." };

const joined = (v: Pieces) => (Array.isArray(v) ? v.join("") : v);
const pieces = (v: Pieces) => (Array.isArray(v) ? v : [v]);

const PREFIX: Record<ResponsesItem["type"], string> = { message: "msg", reasoning: "rs", function_call: "fc", custom_tool_call: "ctc" };
const itemId = (it: ResponsesItem, index: number) => it.id ?? `${PREFIX[it.type]}_upstream${String(index).padStart(3, "0")}`;

/** Usage as the live API sends it: `cache_write_tokens`, which the SDK declares, only when given (recorded responses leave it out). */
export function responsesUsage(u: ResponsesUsage = { input: 10, output: 5 }) {
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached ?? 0, ...(u.cacheWrite !== undefined ? { cache_write_tokens: u.cacheWrite } : {}) },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: u.input + u.output,
  } satisfies Omit<ResponseUsage, "input_tokens_details"> & { input_tokens_details: Partial<ResponseUsage.InputTokensDetails> };
}

/** An output item as it stands when finished (`status` marks the last message of an incomplete response). */
function finalItem(it: ResponsesItem, id: string, status: ItemStatus) {
  switch (it.type) {
    case "message":
      return {
        id, type: "message", status, role: "assistant",
        content: [{ type: "output_text", annotations: [], logprobs: [], text: joined(it.text) } satisfies ResponseOutputText],
      } satisfies ResponseOutputMessage;
    case "reasoning":
      return {
        id, type: "reasoning",
        summary: joined(it.summary) === "" ? [] : [{ type: "summary_text" as const, text: joined(it.summary) }],
        ...(it.encrypted !== undefined ? { encrypted_content: it.encrypted } : {}),
      } satisfies ResponseReasoningItem;
    case "function_call":
      return { id, type: "function_call", status: "completed", arguments: joined(it.arguments), call_id: it.callId, name: it.name } satisfies ResponseFunctionToolCall;
    case "custom_tool_call":
      return { id, type: "custom_tool_call", status: "completed", call_id: it.callId, name: it.name, input: joined(it.input) } satisfies WireCustomToolCall;
  }
}

/** An output item as response.output_item.added announces it: nothing generated yet. */
function openingItem(it: ResponsesItem, id: string) {
  switch (it.type) {
    case "message":
      return { id, type: "message", status: "in_progress", content: [], role: "assistant" } satisfies ResponseOutputMessage;
    case "reasoning":
      return { id, type: "reasoning", summary: [], ...(it.encrypted !== undefined ? { encrypted_content: it.encrypted } : {}) } satisfies ResponseReasoningItem;
    case "function_call":
      return { id, type: "function_call", status: "in_progress", arguments: "", call_id: it.callId, name: it.name } satisfies ResponseFunctionToolCall;
    case "custom_tool_call":
      return { id, type: "custom_tool_call", call_id: it.callId, name: it.name, input: "" } satisfies WireCustomToolCall;
  }
}

function finalItems(o: ResponsesOpts) {
  const items = o.items ?? [];
  const lastMessage = items.findLastIndex((it) => it.type === "message");
  return items.map((it, i) => finalItem(it, itemId(it, i), o.status === "incomplete" && i === lastMessage ? "incomplete" : "completed"));
}

/** The response object: its state, output and usage, and the request fields it echoes. */
function envelope(o: ResponsesOpts, state: "in_progress" | "completed" | "incomplete" | "failed", output: unknown[]): WireResponse {
  const r = o.request ?? {};
  const created = o.created ?? 1741290958;
  const done = state !== "in_progress";
  return {
    id: o.id ?? "resp_upstream0001",
    object: "response",
    created_at: created,
    status: state,
    background: false,
    completed_at: state === "completed" ? created + 1 : null,
    error: state === "failed" ? (o.error ?? FAILED) as Response["error"] : null,
    incomplete_details: state === "incomplete" ? { reason: o.incomplete ?? "max_output_tokens" } : null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    max_tool_calls: null,
    model: o.model ?? "gpt-5.1-2025-11-13",
    moderation: null,
    output: output as Response["output"],
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: null,
    prompt_cache_key: r.prompt_cache_key ?? null,
    prompt_cache_retention: null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    safety_identifier: null,
    service_tier: done ? "default" : "auto",
    store: r.store ?? true,
    temperature: r.temperature ?? 1,
    text: { format: r.text?.format ?? { type: "text" }, verbosity: r.text?.verbosity ?? "medium" },
    tool_choice: r.tool_choice ?? "auto",
    tools: r.tools ?? [],
    top_logprobs: 0,
    top_p: r.top_p ?? 1,
    truncation: "disabled",
    usage: done ? responsesUsage(o.usage) : null,
    user: null,
    metadata: {},
  };
}

/** The whole response a plain (non-streamed) `POST /responses` returns. */
export function responsesObject(o: ResponsesOpts = {}) {
  return envelope(o, o.status ?? "completed", finalItems(o));
}

type Body<E> = E extends unknown ? Omit<E, "sequence_number"> : never;
/** An event before its sequence number is given; lifecycle events carry the wire response. */
type Draft = Body<Exclude<ResponseStreamEvent, { response: Response }>> | { type: `response.${"created" | "in_progress" | "completed" | "incomplete" | "failed"}`; response: WireResponse };

/**
 * The event stream of a streamed `POST /responses`: created, in_progress, then per output item
 * output_item.added → its content events → output_item.done, and last completed | incomplete |
 * failed (a failed stream sends an `error` event first) with the whole response.
 */
export function responsesEvents(o: ResponsesEventsOpts = {}): SseEvent[] {
  const drafts: Draft[] = [
    { type: "response.created", response: envelope(o, "in_progress", []) },
    { type: "response.in_progress", response: envelope(o, "in_progress", []) },
  ];
  const done = finalItems(o);
  (o.items ?? []).forEach((it, output_index) => {
    const item_id = itemId(it, output_index);
    drafts.push({ type: "response.output_item.added", output_index, item: openingItem(it, item_id) });
    if (it.type === "message") {
      const at = { item_id, output_index, content_index: 0 };
      const text = joined(it.text);
      drafts.push({ type: "response.content_part.added", ...at, part: { type: "output_text", annotations: [], logprobs: [], text: "" } });
      for (const delta of pieces(it.text)) drafts.push({ type: "response.output_text.delta", ...at, delta, logprobs: [] });
      drafts.push({ type: "response.output_text.done", ...at, text, logprobs: [] });
      drafts.push({ type: "response.content_part.done", ...at, part: { type: "output_text", annotations: [], logprobs: [], text } });
    } else if (it.type === "reasoning") {
      const text = joined(it.summary);
      const at = { item_id, output_index, summary_index: 0 };
      if (text !== "") {
        drafts.push({ type: "response.reasoning_summary_part.added", ...at, part: { type: "summary_text", text: "" } });
        for (const delta of pieces(it.summary)) drafts.push({ type: "response.reasoning_summary_text.delta", ...at, delta });
        drafts.push({ type: "response.reasoning_summary_text.done", ...at, text });
        drafts.push({ type: "response.reasoning_summary_part.done", ...at, part: { type: "summary_text", text } });
      }
    } else if (it.type === "function_call") {
      for (const delta of pieces(it.arguments)) drafts.push({ type: "response.function_call_arguments.delta", item_id, output_index, delta });
      drafts.push({ type: "response.function_call_arguments.done", item_id, output_index, arguments: joined(it.arguments) });
    } else {
      for (const delta of pieces(it.input)) drafts.push({ type: "response.custom_tool_call_input.delta", item_id, output_index, delta });
      drafts.push({ type: "response.custom_tool_call_input.done", item_id, output_index, input: joined(it.input) });
    }
    drafts.push({ type: "response.output_item.done", output_index, item: done[output_index]! });
  });
  const state = o.status ?? "completed";
  if (state === "failed" && (o.errorEvent ?? "flat") !== "none") drafts.push(errorDraft(o.error ?? FAILED, o.errorEvent === "nested"));
  drafts.push({ type: `response.${state}`, response: envelope(o, state, done) });
  return drafts.map(stamp);
}

/** The event on the wire: its type, then its sequence number, then its fields. */
function stamp(d: Draft, sequence_number: number): SseEvent {
  const { type, ...fields } = d;
  return { data: { type, sequence_number, ...fields } };
}

function errorDraft(error: { code: string; message: string }, nested: boolean): Draft {
  // The live API nests the error (and adds its type); the reference and the SDK's type are flat.
  if (nested) return { type: "error", error: { type: error.code, code: error.code, message: error.message, param: null } } as unknown as Draft;
  return { type: "error", code: error.code, message: error.message, param: null };
}

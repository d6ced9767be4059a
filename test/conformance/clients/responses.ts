// The OpenAI Responses client side of the matrix: the official `openai` SDK's `responses.create`
// (plain) and `responses.stream` (streamed) against the proxy's /v1/responses.
import OpenAI from "openai";
import type { Response, ResponseCreateParamsNonStreaming, ResponseInputItem, Tool } from "openai/resources/responses/responses";
import type { ClientDriver, Conversation, Observed, Stop, ToolCall } from "../types.ts";
import { client as chat } from "./openai.ts";

/** Conversation turns as input items: system goes to `instructions`, not here. */
function input(c: Conversation): ResponseInputItem[] {
  const out: ResponseInputItem[] = [];
  for (const t of c.turns) {
    if (t.role === "assistant") {
      // Thinking from any protocol travels as a reasoning item; it has no item id of its own to give.
      if (t.thinking)
        out.push({
          type: "reasoning",
          summary: [{ type: "summary_text", text: t.thinking.text }],
          ...(t.thinking.signature ? { encrypted_content: t.thinking.signature } : {}),
        } as ResponseInputItem);
      if (t.text) out.push({ role: "assistant", content: t.text });
      for (const k of t.toolCalls ?? []) out.push({ type: "function_call", call_id: k.id!, name: k.name, arguments: JSON.stringify(k.input) });
      continue;
    }
    for (const r of t.toolResults ?? []) out.push({ type: "function_call_output", call_id: r.id!, output: r.output });
    if (t.image)
      out.push({
        role: "user",
        content: [
          ...(t.text ? [{ type: "input_text" as const, text: t.text }] : []),
          { type: "input_image", image_url: `data:${t.image.mediaType};base64,${t.image.data}`, detail: "auto" },
        ],
      });
    else if (t.text) out.push({ role: "user", content: t.text });
  }
  return out;
}

/** `strict: false`: the API's default for function tools is strict, which these schemas do not meet. */
const tool = (t: NonNullable<Conversation["tools"]>[number]): Tool => ({
  type: "function",
  name: t.name,
  description: t.description,
  parameters: t.parameters,
  strict: false,
});

/** Responses has no top_k and no stop sequences: a conversation's `topK` and `stop` are not sent. */
function params(model: string, c: Conversation): Omit<ResponseCreateParamsNonStreaming, "stream"> {
  const s = c.sampling ?? {};
  const choice = c.toolChoice;
  return {
    model,
    input: input(c),
    ...(c.system ? { instructions: c.system } : {}),
    ...(c.tools ? { tools: c.tools.map(tool) } : {}),
    ...(choice ? { tool_choice: typeof choice === "object" ? { type: "function" as const, name: choice.name } : choice === "any" ? ("required" as const) : choice } : {}),
    ...(s.maxTokens !== undefined ? { max_output_tokens: s.maxTokens } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    // With encrypted reasoning included, a stateless client can send its reasoning back next turn.
    ...(c.thinking ? { reasoning: { effort: "high" as const, summary: "auto" as const }, include: ["reasoning.encrypted_content" as const] } : {}),
  };
}

/**
 * Responses has no stop reason: a finished turn with function calls is tool_use, an incomplete one
 * says why in incomplete_details.
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
function stop(r: Response, calls: number): Stop {
  if (r.status === "completed") return calls ? "tool_use" : "end";
  if (r.status === "incomplete") return r.incomplete_details?.reason === "content_filter" ? "content_filter" : "max_tokens";
  throw new Error(`the response ended ${r.status}${r.error ? `: ${r.error.message}` : ""}`);
}

function observe(r: Response, chunks: number): Observed {
  let text = "";
  let thinking: Observed["thinking"];
  const toolCalls: ToolCall[] = [];
  for (const it of r.output) {
    if (it.type === "message") for (const p of it.content) text += p.type === "output_text" ? p.text : "";
    else if (it.type === "reasoning")
      thinking = { text: (thinking?.text ?? "") + it.summary.map((s) => s.text).join(""), signature: it.encrypted_content ?? undefined };
    else if (it.type === "function_call") toolCalls.push({ id: it.call_id, name: it.name, input: JSON.parse(it.arguments || "{}") });
    else if (it.type === "custom_tool_call") toolCalls.push({ id: it.call_id, name: it.name, input: { input: it.input } });
  }
  return {
    text,
    thinking,
    toolCalls,
    stop: stop(r, toolCalls.length),
    usage: r.usage && { input: r.usage.input_tokens, output: r.usage.output_tokens },
    chunks,
  };
}

const ENDS = new Set(["response.completed", "response.incomplete"]);

async function send(proxyUrl: string, key: string, model: string, c: Conversation): Promise<Observed> {
  const client = new OpenAI({ apiKey: key, baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
  if (!c.stream) return observe(await client.responses.create(params(model, c)), 1);
  // The SDK throws on an `error` event, but resolves a stream that merely stops, or ends failed:
  // a client that trusts it must look for the final event itself.
  const stream = client.responses.stream(params(model, c));
  let chunks = 0;
  let end: string | undefined;
  for await (const ev of stream) {
    if (ev.type === "response.output_text.delta") chunks++;
    else if (ev.type === "response.failed") throw new Error(`response.failed: ${ev.response.error?.message ?? "no error given"}`);
    else if (ENDS.has(ev.type)) end = ev.type;
  }
  if (!end) throw new Error("the stream ended without response.completed or response.incomplete");
  return observe(await stream.finalResponse(), chunks);
}

export const client: ClientDriver = {
  protocol: "responses",
  send,
  // The same SDK and the same error body as chat completions: `{error: {message, type, param, code}}`.
  error: chat.error,
  errorType: chat.errorType,
  raw: (proxyUrl, key, _model, body) =>
    fetch(`${proxyUrl}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }),
  missingField: { field: "input", body: (model) => ({ model }) },
};

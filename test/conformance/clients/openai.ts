// The OpenAI client side of the matrix: the official `openai` SDK against the proxy's /v1/chat/completions.
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionContentPart } from "openai/resources/chat/completions";
import type { ClientDriver, Conversation, Observed, Stop, ToolCall } from "../types.ts";

const STOPS: Record<string, Stop> = { stop: "end", length: "max_tokens", tool_calls: "tool_use", content_filter: "content_filter" };

function messages(c: Conversation): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (c.system) out.push({ role: "system", content: c.system });
  for (const t of c.turns) {
    if (t.role === "assistant") {
      out.push({
        role: "assistant",
        content: t.text ?? null,
        ...(t.toolCalls?.length
          ? { tool_calls: t.toolCalls.map((k) => ({ id: k.id!, type: "function" as const, function: { name: k.name, arguments: JSON.stringify(k.input) } })) }
          : {}),
      });
      continue;
    }
    for (const r of t.toolResults ?? []) out.push({ role: "tool", tool_call_id: r.id!, content: r.output });
    if (t.image) {
      const parts: ChatCompletionContentPart[] = [];
      if (t.text) parts.push({ type: "text", text: t.text });
      parts.push({ type: "image_url", image_url: { url: `data:${t.image.mediaType};base64,${t.image.data}` } });
      out.push({ role: "user", content: parts });
    } else if (t.text) out.push({ role: "user", content: t.text });
  }
  return out;
}

function params(model: string, c: Conversation) {
  const s = c.sampling ?? {};
  const choice = c.toolChoice;
  return {
    model,
    messages: messages(c),
    ...(c.tools ? { tools: c.tools.map((t) => ({ type: "function" as const, function: t })) } : {}),
    ...(choice
      ? { tool_choice: typeof choice === "object" ? { type: "function" as const, function: { name: choice.name } } : choice === "any" ? ("required" as const) : choice }
      : {}),
    ...(s.maxTokens !== undefined ? { max_tokens: s.maxTokens } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.stop ? { stop: s.stop } : {}),
    ...(c.thinking ? { reasoning_effort: "high" as const } : {}),
  };
}

function sdk(proxyUrl: string, key: string) {
  return new OpenAI({ apiKey: key, baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
}

async function send(proxyUrl: string, key: string, model: string, c: Conversation): Promise<Observed> {
  const client = sdk(proxyUrl, key);
  if (!c.stream) {
    const r = await client.chat.completions.create(params(model, c));
    const m = r.choices[0]!.message as typeof r.choices[0]["message"] & { reasoning_content?: string };
    return {
      text: m.content ?? "",
      thinking: m.reasoning_content ? { text: m.reasoning_content } : undefined,
      toolCalls: (m.tool_calls ?? []).map((k) => ({ id: k.id, name: (k as any).function.name, input: JSON.parse((k as any).function.arguments) })),
      stop: STOPS[r.choices[0]!.finish_reason]!,
      usage: r.usage && { input: r.usage.prompt_tokens, output: r.usage.completion_tokens },
      chunks: 1,
    };
  }
  const stream = await client.chat.completions.create({ ...params(model, c), stream: true, stream_options: { include_usage: true } });
  let text = "";
  let thinking = "";
  let chunks = 0;
  let finish: string | undefined;
  let usage: Observed["usage"];
  const calls: { id?: string; name: string; args: string }[] = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
    const choice = chunk.choices[0];
    if (!choice) continue;
    const d = choice.delta as typeof choice.delta & { reasoning_content?: string };
    if (d.content) (text += d.content), chunks++;
    if (d.reasoning_content) thinking += d.reasoning_content;
    for (const t of d.tool_calls ?? []) {
      const call = (calls[t.index] ??= { name: "", args: "" });
      if (t.id) call.id = t.id;
      if (t.function?.name) call.name += t.function.name;
      if (t.function?.arguments) call.args += t.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  const toolCalls: ToolCall[] = calls.map((k) => ({ id: k.id, name: k.name, input: k.args ? JSON.parse(k.args) : {} }));
  if (!finish) throw new Error("stream ended without a finish_reason");
  return { text, thinking: thinking ? { text: thinking } : undefined, toolCalls, stop: STOPS[finish]!, usage, chunks };
}

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "server_error",
  502: "server_error",
  503: "server_error",
  504: "timeout_error",
  529: "server_error", // an overloaded upstream: OpenAI has no 529, its 5xx type
};

export const client: ClientDriver = {
  protocol: "openai",
  send,
  error(thrown) {
    if (!(thrown instanceof OpenAI.APIError)) throw thrown;
    const body = thrown.error as { type?: string; message?: string } | undefined;
    return { status: thrown.status ?? 0, type: body?.type ?? (thrown as any).type, message: body?.message ?? thrown.message };
  },
  errorType: (status) => TYPES[status],
  raw: (proxyUrl, key, _model, body) =>
    fetch(`${proxyUrl}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }),
  missingField: { field: "messages", body: (model) => ({ model }) },
};

// The Claude client side of the matrix: the official `@anthropic-ai/sdk` against the proxy's /v1/messages.
import Anthropic from "@anthropic-ai/sdk";
import type { ClientDriver, Conversation, Observed, Stop } from "../types.ts";

const STOPS: Record<string, Stop> = {
  end_turn: "end",
  max_tokens: "max_tokens",
  tool_use: "tool_use",
  stop_sequence: "stop_sequence",
  refusal: "content_filter",
};

function messages(c: Conversation): Anthropic.MessageParam[] {
  return c.turns.map((t) => {
    const content: Anthropic.ContentBlockParam[] = [];
    if (t.role === "assistant") {
      if (t.thinking?.signature) content.push({ type: "thinking", thinking: t.thinking.text, signature: t.thinking.signature });
      if (t.text) content.push({ type: "text", text: t.text });
      for (const k of t.toolCalls ?? []) content.push({ type: "tool_use", id: k.id!, name: k.name, input: k.input });
      return { role: "assistant", content };
    }
    for (const r of t.toolResults ?? []) content.push({ type: "tool_result", tool_use_id: r.id!, content: r.output });
    if (t.text) content.push({ type: "text", text: t.text });
    if (t.image)
      content.push({ type: "image", source: { type: "base64", media_type: t.image.mediaType as "image/png", data: t.image.data } });
    return { role: "user", content };
  });
}

function params(model: string, c: Conversation): Anthropic.MessageCreateParamsNonStreaming {
  const s = c.sampling ?? {};
  const choice = c.toolChoice;
  return {
    model,
    max_tokens: s.maxTokens ?? (c.thinking ? 4096 : 1024),
    messages: messages(c),
    ...(c.system ? { system: c.system } : {}),
    ...(c.tools ? { tools: c.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters as Anthropic.Tool.InputSchema })) } : {}),
    ...(choice ? { tool_choice: typeof choice === "object" ? { type: "tool" as const, name: choice.name } : { type: choice } } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.topK !== undefined ? { top_k: s.topK } : {}),
    ...(s.stop ? { stop_sequences: s.stop } : {}),
    ...(c.thinking ? { thinking: { type: "enabled" as const, budget_tokens: 2048 } } : {}),
  };
}

function observe(m: Anthropic.Message, chunks: number): Observed {
  let text = "";
  let thinking: Observed["thinking"];
  const toolCalls: Observed["toolCalls"] = [];
  for (const b of m.content) {
    if (b.type === "text") text += b.text;
    else if (b.type === "thinking") thinking = { text: (thinking?.text ?? "") + b.thinking, signature: b.signature || undefined };
    else if (b.type === "tool_use") toolCalls.push({ id: b.id, name: b.name, input: b.input as Record<string, unknown> });
  }
  return {
    text,
    thinking,
    toolCalls,
    stop: STOPS[m.stop_reason ?? ""]!,
    usage: { input: m.usage.input_tokens, output: m.usage.output_tokens },
    chunks,
  };
}

async function send(proxyUrl: string, key: string, model: string, c: Conversation): Promise<Observed> {
  const client = new Anthropic({ apiKey: key, baseURL: proxyUrl, maxRetries: 0 });
  if (!c.stream) return observe(await client.messages.create(params(model, c)), 1);
  const stream = client.messages.stream(params(model, c));
  let chunks = 0;
  for await (const ev of stream) if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") chunks++;
  return observe(await stream.finalMessage(), chunks);
}

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  502: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export const client: ClientDriver = {
  protocol: "claude",
  send,
  error(thrown) {
    if (!(thrown instanceof Anthropic.APIError)) throw thrown;
    const body = thrown.error as { error?: { type?: string; message?: string } } | undefined;
    return { status: thrown.status ?? 0, type: body?.error?.type, message: body?.error?.message ?? thrown.message };
  },
  errorType: (status) => TYPES[status],
  raw: (proxyUrl, key, _model, body) =>
    fetch(`${proxyUrl}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body,
    }),
  missingField: { field: "max_tokens", body: (model) => ({ model, messages: [{ role: "user", content: "hi" }] }) },
};

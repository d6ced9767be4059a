// The Gemini client side of the matrix: the official `@google/genai` SDK against the proxy's
// /v1beta/models/{model}:generateContent and :streamGenerateContent (?alt=sse).
import { ApiError, FunctionCallingConfigMode, GoogleGenAI, type Content, type GenerateContentConfig, type GenerateContentResponse, type Part } from "@google/genai";
import type { ClientDriver, Conversation, Observed, Stop, ToolCall } from "../types.ts";

/** Gemini has no tool-use finish reason: a turn with calls stops with STOP. */
const STOPS: Record<string, Stop> = { STOP: "end", MAX_TOKENS: "max_tokens", SAFETY: "content_filter", RECITATION: "content_filter", PROHIBITED_CONTENT: "content_filter" };

function contents(c: Conversation): Content[] {
  return c.turns.map((t): Content => {
    const parts: Part[] = [];
    if (t.role === "assistant") {
      if (t.thinking) parts.push({ text: t.thinking.text, thought: true, ...(t.thinking.signature ? { thoughtSignature: t.thinking.signature } : {}) });
      if (t.text) parts.push({ text: t.text });
      // No ids: Gemini pairs results with calls by name and order.
      for (const k of t.toolCalls ?? []) parts.push({ functionCall: { name: k.name, args: k.input } });
      return { role: "model", parts };
    }
    for (const r of t.toolResults ?? []) parts.push({ functionResponse: { name: r.name, response: { output: r.output } } });
    if (t.text) parts.push({ text: t.text });
    if (t.image) parts.push({ inlineData: { mimeType: t.image.mediaType, data: t.image.data } });
    return { role: "user", parts };
  });
}

function config(c: Conversation): GenerateContentConfig {
  const s = c.sampling ?? {};
  const choice = c.toolChoice;
  const mode = { auto: FunctionCallingConfigMode.AUTO, any: FunctionCallingConfigMode.ANY, none: FunctionCallingConfigMode.NONE };
  return {
    ...(c.system ? { systemInstruction: c.system } : {}),
    ...(c.tools ? { tools: [{ functionDeclarations: c.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }] } : {}),
    ...(choice
      ? {
          toolConfig: {
            functionCallingConfig: typeof choice === "object" ? { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [choice.name] } : { mode: mode[choice] },
          },
        }
      : {}),
    ...(s.maxTokens !== undefined ? { maxOutputTokens: s.maxTokens } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { topP: s.topP } : {}),
    ...(s.topK !== undefined ? { topK: s.topK } : {}),
    ...(s.stop ? { stopSequences: s.stop } : {}),
    ...(c.thinking ? { thinkingConfig: { includeThoughts: true } } : {}),
  };
}

/** What the chunks (or the one response) said, folded together as the SDK's user would. */
function observe(responses: GenerateContentResponse[]): Observed {
  let text = "";
  let thinking: Observed["thinking"];
  let finish: string | undefined;
  let usage: Observed["usage"];
  let chunks = 0;
  const toolCalls: ToolCall[] = [];
  for (const r of responses) {
    const cand = r.candidates?.[0];
    let sawText = false;
    for (const p of cand?.content?.parts ?? []) {
      if (p.thought) {
        thinking = { text: (thinking?.text ?? "") + (p.text ?? ""), signature: p.thoughtSignature ?? thinking?.signature };
      } else if (p.functionCall) {
        toolCalls.push({ id: p.functionCall.id, name: p.functionCall.name!, input: (p.functionCall.args ?? {}) as Record<string, unknown> });
      } else if (p.text) (text += p.text), (sawText = true);
    }
    if (sawText) chunks++;
    if (cand?.finishReason) finish = cand.finishReason;
    // usageMetadata is cumulative: the last one counts. Output includes the thoughts, as the other protocols count it.
    const u = r.usageMetadata;
    if (u) usage = { input: u.promptTokenCount, output: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) };
  }
  if (!finish) throw new Error("response ended without a finishReason");
  const stop = finish === "STOP" && toolCalls.length ? "tool_use" : STOPS[finish]!;
  return { text, thinking, toolCalls, stop, usage, chunks: responses.length === 1 ? 1 : chunks };
}

async function send(proxyUrl: string, key: string, model: string, c: Conversation): Promise<Observed> {
  const ai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: proxyUrl } });
  const req = { model, contents: contents(c), config: config(c) };
  if (!c.stream) return observe([await ai.models.generateContent(req)]);
  const all: GenerateContentResponse[] = [];
  for await (const chunk of await ai.models.generateContentStream(req)) all.push(chunk);
  const o = observe(all);
  return { ...o, chunks: all.filter((r) => r.candidates?.[0]?.content?.parts?.some((p) => !p.thought && p.text)).length };
}

/** google.rpc.Status names per HTTP status, as Gemini sends them. */
const TYPES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  502: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
  529: "UNAVAILABLE", // overloaded, as Gemini says it
};

export const client: ClientDriver = {
  protocol: "gemini",
  send,
  error(thrown) {
    if (!(thrown instanceof ApiError)) throw thrown;
    // The SDK's message is the error body's JSON text (for errors in a stream, after a "got status" prefix).
    const json = thrown.message.slice(thrown.message.indexOf("{"));
    const body = JSON.parse(json) as { error?: { status?: string; message?: string } };
    return { status: thrown.status, type: body.error?.status, message: body.error?.message ?? thrown.message };
  },
  errorType: (status) => TYPES[status],
  raw: (proxyUrl, key, model, body) =>
    fetch(`${proxyUrl}/v1beta/models/${model}:generateContent`, { method: "POST", headers: { "x-goog-api-key": key, "content-type": "application/json" }, body }),
  missingField: { field: "contents", body: () => ({ generationConfig: { temperature: 0 } }) },
};

// Every client route the proxy serves, and a valid request for each, built from the conformance
// conversations (tools, images, tool calls and results, system prompts, sampling, thinking) the way
// each protocol's official SDK writes them.
import { CASES } from "../conformance/cases.ts";
import type { Conversation } from "../conformance/types.ts";
import type { Rng } from "./rng.ts";

export type Client = "openai" | "claude" | "gemini" | "ollama";
export const UPSTREAMS: readonly Client[] = ["openai", "claude", "gemini", "ollama"];

export interface Route {
  /** How the table names it */
  name: string;
  method: "GET" | "POST";
  /** Whose error shape an answer takes (for the shared GET /v1/models, the one its headers say) */
  client: Client;
  path(model: string): string;
  /** The valid body, for POST routes */
  body?(model: string, r: Rng): Record<string, unknown>;
  /** The upstream protocols that serve the route, when not all do (embeddings: not Claude) */
  upstreams?: readonly Client[];
  /** A streamed answer: how its frames are told apart */
  streams?: (body: Record<string, unknown> | undefined) => boolean;
}

const conversation = (r: Rng): Conversation => ({ ...r.pick(CASES).conversation, stream: false });

export function openaiBody(model: string, c: Conversation): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [];
  if (c.system) messages.push({ role: "system", content: c.system });
  for (const t of c.turns) {
    if (t.role === "assistant") {
      messages.push({
        role: "assistant",
        content: t.text ?? null,
        ...(t.toolCalls?.length ? { tool_calls: t.toolCalls.map((k) => ({ id: k.id, type: "function", function: { name: k.name, arguments: JSON.stringify(k.input) } })) } : {}),
      });
      continue;
    }
    for (const res of t.toolResults ?? []) messages.push({ role: "tool", tool_call_id: res.id, content: res.output });
    if (t.image)
      messages.push({ role: "user", content: [...(t.text ? [{ type: "text", text: t.text }] : []), { type: "image_url", image_url: { url: `data:${t.image.mediaType};base64,${t.image.data}` } }] });
    else if (t.text) messages.push({ role: "user", content: t.text });
  }
  const s = c.sampling ?? {};
  const choice = c.toolChoice;
  return {
    model,
    messages,
    ...(c.tools ? { tools: c.tools.map((t) => ({ type: "function", function: t })) } : {}),
    ...(choice ? { tool_choice: typeof choice === "object" ? { type: "function", function: { name: choice.name } } : choice === "any" ? "required" : choice } : {}),
    ...(s.maxTokens !== undefined ? { max_tokens: s.maxTokens } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.stop ? { stop: s.stop } : {}),
    ...(c.thinking ? { reasoning_effort: "high" } : {}),
    ...(c.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

export function claudeBody(model: string, c: Conversation): Record<string, unknown> {
  const messages = c.turns.map((t) => {
    const content: Record<string, unknown>[] = [];
    if (t.role === "assistant") {
      if (t.text) content.push({ type: "text", text: t.text });
      for (const k of t.toolCalls ?? []) content.push({ type: "tool_use", id: k.id, name: k.name, input: k.input });
      return { role: "assistant", content };
    }
    for (const res of t.toolResults ?? []) content.push({ type: "tool_result", tool_use_id: res.id, content: res.output });
    if (t.text) content.push({ type: "text", text: t.text });
    if (t.image) content.push({ type: "image", source: { type: "base64", media_type: t.image.mediaType, data: t.image.data } });
    return { role: "user", content };
  });
  const s = c.sampling ?? {};
  const choice = c.toolChoice;
  return {
    model,
    max_tokens: s.maxTokens ?? (c.thinking ? 4096 : 1024),
    messages,
    ...(c.system ? { system: c.system } : {}),
    ...(c.tools ? { tools: c.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
    ...(choice ? { tool_choice: typeof choice === "object" ? { type: "tool", name: choice.name } : { type: choice } } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.stop ? { stop_sequences: s.stop } : {}),
    ...(c.thinking ? { thinking: { type: "enabled", budget_tokens: 2048 } } : {}),
    ...(c.stream ? { stream: true } : {}),
  };
}

export function geminiBody(c: Conversation): Record<string, unknown> {
  const contents = c.turns.map((t) => {
    const parts: Record<string, unknown>[] = [];
    if (t.role === "assistant") {
      if (t.text) parts.push({ text: t.text });
      for (const k of t.toolCalls ?? []) parts.push({ functionCall: { name: k.name, args: k.input } });
      return { role: "model", parts };
    }
    for (const res of t.toolResults ?? []) parts.push({ functionResponse: { name: res.name, response: { output: res.output } } });
    if (t.text) parts.push({ text: t.text });
    if (t.image) parts.push({ inlineData: { mimeType: t.image.mediaType, data: t.image.data } });
    return { role: "user", parts };
  });
  const s = c.sampling ?? {};
  const choice = c.toolChoice;
  const generationConfig = {
    ...(s.maxTokens !== undefined ? { maxOutputTokens: s.maxTokens } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { topP: s.topP } : {}),
    ...(s.stop ? { stopSequences: s.stop } : {}),
    ...(c.thinking ? { thinkingConfig: { includeThoughts: true } } : {}),
  };
  const modes = { auto: "AUTO", any: "ANY", none: "NONE" };
  return {
    contents,
    ...(c.system ? { systemInstruction: { parts: [{ text: c.system }] } } : {}),
    ...(c.tools ? { tools: [{ functionDeclarations: c.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }] } : {}),
    ...(choice
      ? { toolConfig: { functionCallingConfig: typeof choice === "object" ? { mode: "ANY", allowedFunctionNames: [choice.name] } : { mode: modes[choice] } } }
      : {}),
    ...(Object.keys(generationConfig).length ? { generationConfig } : {}),
  };
}

export function ollamaBody(model: string, c: Conversation): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [];
  if (c.system) messages.push({ role: "system", content: c.system });
  for (const t of c.turns) {
    if (t.role === "assistant") {
      messages.push({
        role: "assistant",
        content: t.text ?? "",
        ...(t.toolCalls?.length ? { tool_calls: t.toolCalls.map((k) => ({ function: { name: k.name, arguments: k.input } })) } : {}),
      });
      continue;
    }
    for (const res of t.toolResults ?? []) messages.push({ role: "tool", tool_name: res.name, content: res.output });
    if (t.text || t.image) messages.push({ role: "user", content: t.text ?? "", ...(t.image ? { images: [t.image.data] } : {}) });
  }
  const s = c.sampling ?? {};
  const options = {
    ...(s.maxTokens !== undefined ? { num_predict: s.maxTokens } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.stop ? { stop: s.stop } : {}),
  };
  return {
    model,
    messages,
    ...(c.tools ? { tools: c.tools.map((t) => ({ type: "function", function: t })) } : {}),
    ...(Object.keys(options).length ? { options } : {}),
    ...(c.thinking ? { think: true } : {}),
    stream: c.stream,
  };
}

const streamed = (r: Rng) => r.chance(0.5);
/** Claude has no embeddings endpoint: its refusal is tested in test/conformance/embeddings.test.ts. */
const EMBEDDERS: readonly Client[] = ["openai", "gemini", "ollama"];
const TEXTS = ["The quick brown fox", "Why is the sky blue?", "Llamas are members of the camelid family", "✓ unicode text"];
const texts = (r: Rng) => TEXTS.slice(0, 1 + Math.floor(r.next() * TEXTS.length));

function openaiEmbedBody(model: string, r: Rng): Record<string, unknown> {
  return {
    model,
    input: r.chance(0.5) ? r.pick(TEXTS) : texts(r),
    ...(r.chance(0.5) ? { encoding_format: r.pick(["float", "base64"]) } : {}),
    ...(r.chance(0.3) ? { dimensions: 8, user: "fuzz" } : {}),
  };
}
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const gemini = (method: string, query = "") => (model: string) => `/v1beta/models/${model}:${method}${query}`;

export const ROUTES: readonly Route[] = [
  { name: "POST /v1/chat/completions", method: "POST", client: "openai", path: () => "/v1/chat/completions", body: (m, r) => openaiBody(m, { ...conversation(r), stream: streamed(r) }), streams: (b) => b?.stream === true },
  { name: "POST /chat/completions", method: "POST", client: "openai", path: () => "/chat/completions", body: (m, r) => openaiBody(m, { ...conversation(r), stream: streamed(r) }), streams: (b) => b?.stream === true },
  { name: "POST /v1/messages", method: "POST", client: "claude", path: () => "/v1/messages", body: (m, r) => claudeBody(m, { ...conversation(r), stream: streamed(r) }), streams: (b) => b?.stream === true },
  {
    name: "POST /v1/messages/count_tokens",
    method: "POST",
    client: "claude",
    path: () => "/v1/messages/count_tokens",
    body: (m, r) => {
      const { max_tokens: _, ...body } = claudeBody(m, conversation(r));
      return body;
    },
  },
  { name: "POST :generateContent", method: "POST", client: "gemini", path: gemini("generateContent"), body: (_, r) => geminiBody(conversation(r)) },
  { name: "POST :streamGenerateContent?alt=sse", method: "POST", client: "gemini", path: gemini("streamGenerateContent", "?alt=sse"), body: (_, r) => geminiBody(conversation(r)), streams: () => true },
  { name: "POST :streamGenerateContent", method: "POST", client: "gemini", path: gemini("streamGenerateContent"), body: (_, r) => geminiBody(conversation(r)), streams: () => true },
  {
    name: "POST :countTokens",
    method: "POST",
    client: "gemini",
    path: gemini("countTokens"),
    body: (m, r) => (r.chance(0.5) ? geminiBody(conversation(r)) : { generateContentRequest: { model: `models/${m}`, ...geminiBody(conversation(r)) } }),
  },
  { name: "POST /api/chat", method: "POST", client: "ollama", path: () => "/api/chat", body: (m, r) => ollamaBody(m, { ...conversation(r), stream: streamed(r) }), streams: (b) => b?.stream !== false },
  {
    name: "POST /api/generate",
    method: "POST",
    client: "ollama",
    path: () => "/api/generate",
    body: (m, r) => ({
      model: m,
      prompt: r.pick(["Why is the sky blue?", "Describe this image.", "Say hello."]),
      ...(r.chance(0.4) ? { system: "You answer briefly." } : {}),
      ...(r.chance(0.3) ? { images: [PNG] } : {}),
      ...(r.chance(0.3) ? { format: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] } } : {}),
      ...(r.chance(0.5) ? { options: { temperature: 0.2, num_predict: 64 } } : {}),
      stream: streamed(r),
    }),
    streams: (b) => b?.stream !== false,
  },
  { name: "POST /api/show", method: "POST", client: "ollama", path: () => "/api/show", body: (m, r) => (r.chance(0.8) ? { model: m } : { name: m }) },
  { name: "POST /v1/embeddings", upstreams: EMBEDDERS, method: "POST", client: "openai", path: () => "/v1/embeddings", body: (m, r) => openaiEmbedBody(m, r) },
  { name: "POST /embeddings", upstreams: EMBEDDERS, method: "POST", client: "openai", path: () => "/embeddings", body: (m, r) => openaiEmbedBody(m, r) },
  {
    name: "POST :embedContent",
    upstreams: EMBEDDERS,
    method: "POST",
    client: "gemini",
    path: gemini("embedContent"),
    body: (_, r) => ({ content: { parts: [{ text: r.pick(TEXTS) }] }, ...(r.chance(0.5) ? { taskType: "RETRIEVAL_QUERY", outputDimensionality: 8 } : {}) }),
  },
  {
    name: "POST :batchEmbedContents",
    upstreams: EMBEDDERS,
    method: "POST",
    client: "gemini",
    path: gemini("batchEmbedContents"),
    body: (m, r) => ({ requests: texts(r).map((text) => ({ model: `models/${m}`, content: { parts: [{ text }] }, ...(r.chance(0.3) ? { title: "Doc", taskType: "RETRIEVAL_DOCUMENT" } : {}) })) }),
  },
  {
    name: "POST /api/embed",
    upstreams: EMBEDDERS,
    method: "POST",
    client: "ollama",
    path: () => "/api/embed",
    body: (m, r) => ({ model: m, input: r.chance(0.5) ? r.pick(TEXTS) : texts(r), ...(r.chance(0.3) ? { truncate: true, dimensions: 8, keep_alive: "5m" } : {}) }),
  },
  { name: "POST /api/embeddings", upstreams: EMBEDDERS, method: "POST", client: "ollama", path: () => "/api/embeddings", body: (m, r) => ({ model: m, prompt: r.pick(TEXTS) }) },
  { name: "GET /v1/models (openai)", method: "GET", client: "openai", path: () => "/v1/models" },
  { name: "GET /v1/models (claude)", method: "GET", client: "claude", path: () => "/v1/models" },
  { name: "GET /models", method: "GET", client: "openai", path: () => "/models" },
  { name: "GET /v1beta/models", method: "GET", client: "gemini", path: () => "/v1beta/models" },
  { name: "GET /v1beta/models/{model}", method: "GET", client: "gemini", path: (m) => `/v1beta/models/${m}` },
  { name: "GET /api/tags", method: "GET", client: "ollama", path: () => "/api/tags" },
  { name: "GET /api/version", method: "GET", client: "ollama", path: () => "/api/version" },
];

/** The headers each client's SDK authenticates with, and the ones the shared routes sniff. */
export function authHeaders(client: Client, key: string): Record<string, string> {
  switch (client) {
    case "openai":
    case "ollama":
      return { authorization: `Bearer ${key}` };
    case "claude":
      return { "x-api-key": key, "anthropic-version": "2023-06-01" };
    case "gemini":
      return { "x-goog-api-key": key };
  }
}

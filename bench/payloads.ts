// The bench's requests, one per client protocol, and how a response proves it went through the
// conversion it claims: the emulator names its protocol in the text ("EMU-openai"/"EMU-claude"), or
// for embeddings in the first value of every vector, and the client-side shape ("type":"message",
// "chat.completion", "object":"response", "candidates", "done":true, "object":"embedding") names
// the protocol the client got.
export type Direction =
  | "claude→openai"
  | "openai→openai"
  | "openai→claude"
  | "responses→openai"
  | "gemini→openai"
  | "ollama→openai"
  | "embeddings→gemini";
export const DIRECTIONS: Direction[] = [
  "claude→openai", "openai→openai", "openai→claude", "responses→openai", "gemini→openai", "ollama→openai", "embeddings→gemini",
];
/** "embeddings" is OpenAI's /v1/embeddings: its own request and reply, and no stream. */
export type ClientProtocol = "openai" | "claude" | "responses" | "gemini" | "ollama" | "embeddings";
/** Embeddings are answered whole: no stream, so no time to first token or held stream. */
export const streams = (d: Direction) => d !== "embeddings→gemini";

/** The model name selects the emulator's reply mode: plain JSON/SSE, paced SSE, or held open. */
export type Mode = "fast" | "paced" | "hold";

const SYSTEM = "You are a careful coding assistant. Answer briefly and use the tools when a file is needed.";
const TURNS = [
  { role: "user", text: "Read src/main.ts and tell me what the entry point does." },
  { role: "assistant", text: "I will read the file first, then summarise the command line handling." },
  { role: "user", text: "Thanks. Keep it to three sentences, and mention the config lookup order." },
];
const TOOL = {
  name: "read_file",
  description: "Read a file from the workspace",
  schema: { type: "object", properties: { path: { type: "string", description: "path from the workspace root" } }, required: ["path"] },
};
const LIST_TOOL = {
  name: "list_dir",
  description: "List a directory of the workspace",
  schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
};

export function claudeRequest(model: string, stream: boolean) {
  return {
    model,
    max_tokens: 1024,
    system: SYSTEM,
    messages: TURNS.map((t) => ({ role: t.role, content: t.text })),
    tools: [{ name: TOOL.name, description: TOOL.description, input_schema: TOOL.schema }],
    ...(stream ? { stream: true } : {}),
  };
}

export function openaiRequest(model: string, stream: boolean) {
  return {
    model,
    max_tokens: 1024,
    messages: [{ role: "system", content: SYSTEM }, ...TURNS.map((t) => ({ role: t.role, content: t.text }))],
    tools: [{ type: "function", function: { name: TOOL.name, description: TOOL.description, parameters: TOOL.schema } }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

/** A Responses API request as Codex sends one: the system prompt as a developer message, the turns
 *  as input items, function tools with strict off, no stored state. */
export function responsesRequest(model: string, stream: boolean) {
  const item = (role: string, text: string) => ({ type: "message", role, content: [{ type: role === "assistant" ? "output_text" : "input_text", text }] });
  return {
    model,
    input: [item("developer", SYSTEM), ...TURNS.map((t) => item(t.role, t.text))],
    tools: [TOOL, LIST_TOOL].map((t) => ({ type: "function", name: t.name, description: t.description, strict: false, parameters: t.schema })),
    tool_choice: "auto",
    parallel_tool_calls: true,
    max_output_tokens: 1024,
    store: false,
    stream,
  };
}

/** The chat completions request ccproxy makes of `responsesRequest` (its direct call): checked
 *  against what the proxy sent when this was written; key order as the proxy writes it. */
export function responsesChatRequest(model: string, stream: boolean) {
  return {
    model,
    messages: [{ role: "system", content: SYSTEM }, ...TURNS.map((t) => ({ role: t.role, content: t.text }))],
    max_tokens: 1024,
    tools: [TOOL, LIST_TOOL].map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.schema } })),
    tool_choice: "auto",
    parallel_tool_calls: true,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  };
}

/** The chat completions request ccproxy makes of `geminiRequest` and `ollamaRequest` (their direct
 *  call): the same bytes the proxy sent when this was written, key order included. */
export function convertedChatRequest(model: string, stream: boolean) {
  return {
    model,
    messages: [{ role: "system", content: SYSTEM }, ...TURNS.map((t) => ({ role: t.role, content: t.text }))],
    max_tokens: 1024,
    tools: [{ type: "function", function: { name: TOOL.name, description: TOOL.description, parameters: TOOL.schema } }],
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  };
}

/** A Gemini request: the model and whether it streams are in the URL, not the body. */
export function geminiRequest() {
  return {
    systemInstruction: { parts: [{ text: SYSTEM }] },
    contents: TURNS.map((t) => ({ role: t.role === "assistant" ? "model" : "user", parts: [{ text: t.text }] })),
    tools: [{ functionDeclarations: [{ name: TOOL.name, description: TOOL.description, parameters: TOOL.schema }] }],
    generationConfig: { maxOutputTokens: 1024 },
  };
}

/** An Ollama /api/chat request: streams unless told not to, so `stream` is always stated. */
export function ollamaRequest(model: string, stream: boolean) {
  return {
    model,
    messages: [{ role: "system", content: SYSTEM }, ...TURNS.map((t) => ({ role: t.role, content: t.text }))],
    tools: [{ type: "function", function: { name: TOOL.name, description: TOOL.description, parameters: TOOL.schema } }],
    stream,
    options: { num_predict: 1024 },
  };
}

/** Texts to embed: three chunks of a source file, as a code-search index sends them. */
const CHUNKS = [
  "export function parseArgs(argv: string[]): Options {\n  const out: Options = { config: undefined, port: 8080 };\n  for (let i = 0; i < argv.length; i++) {\n    if (argv[i] === '--config') out.config = argv[++i];\n    else if (argv[i] === '--port') out.port = Number(argv[++i]);\n  }\n  return out;\n}",
  "The config is looked up in this order: the --config flag, the CCPROXY_CONFIG environment variable, ./ccproxy.yaml in the working directory, and ~/.config/ccproxy/config.yaml; the first that exists wins.",
  "async function main() {\n  const opts = parseArgs(process.argv.slice(2));\n  const config = await loadConfig(opts.config);\n  const server = await serve(config, opts.port);\n  console.log(`listening on ${server.url}`);\n}",
];

/** OpenAI's embeddings request, floats asked for (the official SDKs ask base64 by default; floats keep
 *  the upstream's marker readable in the reply). */
export function embeddingsRequest(model: string) {
  return { model, input: CHUNKS, encoding_format: "float" };
}

/** The Gemini :batchEmbedContents request ccproxy makes of `embeddingsRequest` (its direct call). */
export function geminiEmbedRequest(model: string) {
  return { requests: CHUNKS.map((text) => ({ model: `models/${model}`, content: { parts: [{ text }] } })) };
}

/** A vector's length: Gemini's and OpenAI's small embedding models answer 768 and 1,536 floats. */
export const EMBED_DIMS = 768;
/** The first value of every vector the emulator answers: the upstream's marker in an embeddings reply. */
export const EMBED_MARK: Record<Upstream, number> = { openai: 0.0421337, claude: NaN, gemini: 0.0427331 };

const CLIENT: Record<Direction, ClientProtocol> = {
  "claude→openai": "claude",
  "openai→openai": "openai",
  "openai→claude": "openai",
  "responses→openai": "responses",
  "gemini→openai": "gemini",
  "ollama→openai": "ollama",
  "embeddings→gemini": "embeddings",
};
export const clientOf = (d: Direction): ClientProtocol => CLIENT[d];
export type Upstream = "openai" | "claude" | "gemini";
export const upstreamOf = (d: Direction): Upstream => (d.endsWith("claude") ? "claude" : d.endsWith("gemini") ? "gemini" : "openai");

/** What a whole plain reply in each client protocol holds: its shape, and for Responses the text item too. */
const SHAPE: Record<ClientProtocol, string[]> = {
  claude: ['"type":"message"'],
  openai: ['"chat.completion"'],
  responses: ['"object":"response"', '"status":"completed"', '"type":"output_text"'],
  gemini: ['"candidates":[', '"role":"model"', '"finishReason":"STOP"'],
  ollama: ['"message":{', '"done":true'],
  embeddings: ['"object":"list"', '"object":"embedding"'],
};

/** Substrings every correct plain reply in protocol `p` from the emulator's `up` side contains
 *  (checked on every request in wrk): for embeddings, a vector that starts with the upstream's mark. */
export const markers = (p: ClientProtocol, up: Upstream): string[] => [...SHAPE[p], p === "embeddings" ? `[${EMBED_MARK[up]},` : `EMU-${up}`];

/** What an upstream's own embeddings reply holds (the direct call of an embeddings direction). */
export const embedMarkers = (up: Upstream): string[] => [up === "gemini" ? '"embeddings":[' : '"object":"embedding"', `[${EMBED_MARK[up]},`];

const SSE_EVENT = /\r?\n\r?\n/;

/** How each protocol's stream carries a text delta, and the event it must end with: the stream timer
 *  counts only these deltas (a Responses stream restates the text in its done events) and fails a
 *  stream without its end, so a stream of the wrong protocol or cut short cannot pass. SSE events
 *  end with a blank line, Ollama's NDJSON objects with a newline. */
export const STREAM_SHAPE: Record<Exclude<ClientProtocol, "embeddings">, { delta: string; end: string; split: RegExp }> = {
  openai: { delta: '"object":"chat.completion.chunk"', end: "data: [DONE]", split: SSE_EVENT },
  claude: { delta: '"type":"content_block_delta"', end: '"type":"message_stop"', split: SSE_EVENT },
  responses: { delta: '"type":"response.output_text.delta"', end: '"type":"response.completed"', split: SSE_EVENT },
  // Gemini has no end event: its last chunk is the one with a finish reason
  gemini: { delta: '"text":"', end: '"finishReason":"STOP"', split: SSE_EVENT },
  ollama: { delta: '"done":false', end: '"done":true', split: /\n/ },
};

/** Streamed text deltas carry the emulator's send time, so the client sees each chunk's transit time. */
export const stampText = (ms: number) => `[t=${ms.toFixed(4)}]`;
export const STAMP = /\[t=(\d+\.\d+)\]/g;

/** A clock shared by the emulator and the client processes (wall-clock origin, monotonic offset, ms). */
export const clock = () => performance.timeOrigin + performance.now();

export const PACED_DELTAS = 64;
export const PACED_GAP_MS = 5;

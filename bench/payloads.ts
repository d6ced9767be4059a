// The bench's requests, one per client protocol, and how a response proves it went through the
// conversion it claims: the emulator names its protocol in the text ("EMU-openai"/"EMU-claude"), and
// the client-side shape ("type":"message", "chat.completion", "object":"response") names the
// protocol the client got.
export type Direction = "claude→openai" | "openai→openai" | "openai→claude" | "responses→openai";
export const DIRECTIONS: Direction[] = ["claude→openai", "openai→openai", "openai→claude", "responses→openai"];
export type ClientProtocol = "openai" | "claude" | "responses";

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

export const clientOf = (d: Direction): ClientProtocol => (d.startsWith("claude") ? "claude" : d.startsWith("responses") ? "responses" : "openai");
export type Upstream = "openai" | "claude";
export const upstreamOf = (d: Direction): Upstream => (d.endsWith("claude") ? "claude" : "openai");

/** What a whole plain reply in each client protocol holds: its shape, and for Responses the text item too. */
const SHAPE: Record<ClientProtocol, string[]> = {
  claude: ['"type":"message"'],
  openai: ['"chat.completion"'],
  responses: ['"object":"response"', '"status":"completed"', '"type":"output_text"'],
};

/** Substrings every correct plain reply in protocol `p` from the emulator's `up` side contains
 *  (checked on every request in wrk). */
export const markers = (p: ClientProtocol, up: Upstream): string[] => [...SHAPE[p], `EMU-${up}`];

/** How each protocol's stream carries a text delta, and the event it must end with: the stream timer
 *  counts only these deltas (a Responses stream restates the text in its done events) and fails a
 *  stream without its end, so a stream of the wrong protocol or cut short cannot pass. */
export const STREAM_SHAPE: Record<ClientProtocol, { delta: string; end: string }> = {
  openai: { delta: '"object":"chat.completion.chunk"', end: "data: [DONE]" },
  claude: { delta: '"type":"content_block_delta"', end: '"type":"message_stop"' },
  responses: { delta: '"type":"response.output_text.delta"', end: '"type":"response.completed"' },
};

/** Streamed text deltas carry the emulator's send time, so the client sees each chunk's transit time. */
export const stampText = (ms: number) => `[t=${ms.toFixed(4)}]`;
export const STAMP = /\[t=(\d+\.\d+)\]/g;

/** A clock shared by the emulator and the client processes (wall-clock origin, monotonic offset, ms). */
export const clock = () => performance.timeOrigin + performance.now();

export const PACED_DELTAS = 64;
export const PACED_GAP_MS = 5;

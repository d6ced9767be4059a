// The bench's requests, one per client protocol, and how a response proves it went through the
// conversion it claims: the emulator names its protocol in the text ("EMU-openai"/"EMU-claude"), and
// the client-side shape ("type":"message" vs "chat.completion") names the protocol the client got.
export type Direction = "claude→openai" | "openai→openai" | "openai→claude";
export const DIRECTIONS: Direction[] = ["claude→openai", "openai→openai", "openai→claude"];

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

export const clientOf = (d: Direction) => (d.startsWith("claude") ? "claude" : "openai");
export const upstreamOf = (d: Direction) => (d.endsWith("claude") ? "claude" : "openai");

/** Substrings every correct plain response for the direction contains (checked on every request in wrk). */
export function markers(d: Direction): string[] {
  const shape = clientOf(d) === "claude" ? '"type":"message"' : '"chat.completion"';
  return [shape, `EMU-${upstreamOf(d)}`];
}

/** Streamed text deltas carry the emulator's send time, so the client sees each chunk's transit time. */
export const stampText = (ms: number) => `[t=${ms.toFixed(4)}]`;
export const STAMP = /\[t=(\d+\.\d+)\]/g;

/** A clock shared by the emulator and the client processes (wall-clock origin, monotonic offset, ms). */
export const clock = () => performance.timeOrigin + performance.now();

export const PACED_DELTAS = 64;
export const PACED_GAP_MS = 5;

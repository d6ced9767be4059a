// Builders for exact Ollama /api/chat wire objects: the whole reply (stream: false) and NDJSON lines.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md — field order as the server writes it.

export interface OllamaToolCall { name: string; arguments: Record<string, unknown>; id?: string }
export interface OllamaOpts {
  content?: string | string[]; // string[] = stream pieces (joined for a whole reply)
  thinking?: string | string[];
  toolCalls?: OllamaToolCall[];
  doneReason?: "stop" | "length" | "load" | "unload";
  usage?: { prompt: number; eval: number };
  model?: string;
}

const CREATED = "2025-07-07T20:22:19.184789Z";
const joined = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : v);
const pieces = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function toolCalls(calls: OllamaToolCall[]) {
  return calls.map((c) => ({ ...(c.id ? { id: c.id } : {}), function: { name: c.name, arguments: c.arguments } }));
}

/** The closing metrics; counts are omitted when zero, as Ollama's omitempty does. */
function done(o: OllamaOpts) {
  const u = o.usage ?? { prompt: 26, eval: 9 };
  return {
    done: true,
    done_reason: o.doneReason ?? "stop",
    total_duration: 182242375,
    load_duration: 41295167,
    ...(u.prompt ? { prompt_eval_count: u.prompt } : {}),
    prompt_eval_duration: 24573166,
    ...(u.eval ? { eval_count: u.eval } : {}),
    eval_duration: 115959084,
  };
}

export function ollamaChat(o: OllamaOpts = {}) {
  const message: Record<string, unknown> = { role: "assistant", content: joined(o.content) ?? "" };
  if (o.thinking !== undefined) message.thinking = joined(o.thinking);
  if (o.toolCalls?.length) message.tool_calls = toolCalls(o.toolCalls);
  return { model: o.model ?? "llama3.2", created_at: CREATED, message, ...done(o) };
}

/** NDJSON lines: thinking pieces, text pieces, one line with the whole calls, then the done line. */
export function ollamaLines(o: OllamaOpts = {}) {
  const head = { model: o.model ?? "llama3.2", created_at: CREATED };
  const line = (message: Record<string, unknown>) => ({ ...head, message: { role: "assistant", content: "", ...message }, done: false });
  const out: unknown[] = [];
  for (const p of pieces(o.thinking)) out.push(line({ thinking: p }));
  for (const p of pieces(o.content)) out.push(line({ content: p }));
  if (o.toolCalls?.length) out.push(line({ tool_calls: toolCalls(o.toolCalls) }));
  out.push({ ...head, message: { role: "assistant", content: "" }, ...done(o) });
  return out;
}

/** Parses an NDJSON body into its lines. */
export function parseNdjson(text: string): any[] {
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

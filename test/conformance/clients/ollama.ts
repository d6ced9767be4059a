// The Ollama client side of the matrix: the official `ollama` npm client against the proxy's /api/chat.
// Ollama has no call ids (results name their tool) and no tool_choice, so neither is sent.
import { Ollama, type ChatRequest, type ChatResponse, type Message } from "ollama";
import type { ClientDriver, Conversation, Observed, Stop } from "../types.ts";

/** done_reason is "stop" even after tool calls; the calls say it was a tool turn. */
function stopOf(doneReason: string | undefined, calls: number): Stop {
  if (doneReason === "length") return "max_tokens";
  return calls ? "tool_use" : "end";
}

function messages(c: Conversation): Message[] {
  const out: Message[] = [];
  if (c.system) out.push({ role: "system", content: c.system });
  for (const t of c.turns) {
    if (t.role === "assistant") {
      out.push({
        role: "assistant",
        content: t.text ?? "",
        ...(t.thinking ? { thinking: t.thinking.text } : {}),
        ...(t.toolCalls?.length ? { tool_calls: t.toolCalls.map((k) => ({ function: { name: k.name, arguments: k.input } })) } : {}),
      });
      continue;
    }
    for (const r of t.toolResults ?? []) out.push({ role: "tool", tool_name: r.name, content: r.output });
    if (t.text || t.image) out.push({ role: "user", content: t.text ?? "", ...(t.image ? { images: [t.image.data] } : {}) });
  }
  return out;
}

function params(model: string, c: Conversation): ChatRequest {
  const s = c.sampling ?? {};
  const options = {
    ...(s.maxTokens !== undefined ? { num_predict: s.maxTokens } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.topK !== undefined ? { top_k: s.topK } : {}),
    ...(s.stop ? { stop: s.stop } : {}),
  };
  return {
    model,
    messages: messages(c),
    ...(c.tools ? { tools: c.tools.map((t) => ({ type: "function", function: t as any })) } : {}),
    ...(Object.keys(options).length ? { options } : {}),
    ...(c.thinking ? { think: true } : {}),
  };
}

function observe(parts: ChatResponse[]): Observed {
  const last = parts.at(-1)!;
  const toolCalls = parts.flatMap((p) => p.message.tool_calls ?? []).map((k) => ({ name: k.function.name, input: k.function.arguments }));
  const thinking = parts.map((p) => p.message.thinking ?? "").join("");
  return {
    text: parts.map((p) => p.message.content).join(""),
    thinking: thinking ? { text: thinking } : undefined,
    toolCalls,
    stop: stopOf(last.done_reason, toolCalls.length),
    usage: { input: last.prompt_eval_count, output: last.eval_count },
    chunks: parts.length === 1 ? 1 : parts.filter((p) => p.message.content).length,
  };
}

async function send(proxyUrl: string, key: string, model: string, c: Conversation): Promise<Observed> {
  const client = new Ollama({ host: proxyUrl, headers: { Authorization: `Bearer ${key}` } });
  if (!c.stream) return observe([await client.chat({ ...params(model, c), stream: false })]);
  const parts: ChatResponse[] = [];
  // The SDK throws on an error line and on a stream that ends without a done line.
  for await (const p of await client.chat({ ...params(model, c), stream: true })) parts.push(p);
  if (!parts.at(-1)?.done) throw new Error("stream ended without a done line");
  return observe(parts);
}

export const client: ClientDriver = {
  protocol: "ollama",
  send,
  error(thrown) {
    // Ollama's error body is {"error": message}: a status and a message, no type.
    const e = thrown as { name?: string; status_code?: number; error?: string };
    if (e?.name !== "ResponseError") throw thrown;
    return { status: e.status_code ?? 0, message: e.error ?? "" };
  },
  errorType: () => undefined,
  raw: (proxyUrl, key, _model, body) =>
    fetch(`${proxyUrl}/api/chat`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }),
  missingField: { field: "messages", body: (model) => ({ model }) },
};

// The Ollama upstream side of the matrix: exact /api/chat replies and NDJSON streams.
import { startUpstream } from "../../support/upstream.ts";
import { ollamaChat, ollamaLines, type OllamaOpts } from "../../support/wire-ollama.ts";
import type { Answer, Seen, UpstreamDriver } from "../types.ts";
import { turnList } from "./turns.ts";

function opts(a: Answer): OllamaOpts {
  return {
    content: a.text,
    thinking: a.thinking?.pieces,
    // Ollama sends calls whole, with arguments as an object and no id.
    toolCalls: a.toolCalls?.map((t) => ({ name: t.name, arguments: JSON.parse(t.args.join("") || "{}") })),
    doneReason: a.stop === "max_tokens" ? "length" : "stop",
    usage: { prompt: a.usage.input, eval: a.usage.output },
  };
}

/** Ollama images carry no media type; the data's first bytes tell it. */
const mediaType = (data: string) => (data.startsWith("/9j/") ? "image/jpeg" : data.startsWith("iVBOR") ? "image/png" : undefined);

function seen(body: any): Seen {
  const { turns, turn } = turnList();
  const system: string[] = [];
  for (const m of body.messages ?? []) {
    if (m.role === "system") system.push(m.content);
    else if (m.role === "tool") turn("user").toolResults.push({ name: m.tool_name, output: m.content });
    else if (m.role === "user") {
      const t = turn("user");
      t.text += m.content ?? "";
      for (const data of m.images ?? []) t.images.push({ mediaType: mediaType(data), data });
    } else {
      const t = turn("assistant");
      t.text += m.content ?? "";
      if (m.thinking) t.thinking = { text: m.thinking };
      for (const k of m.tool_calls ?? []) t.toolCalls.push({ name: k.function.name, input: k.function.arguments });
    }
  }
  const o = body.options ?? {};
  return {
    model: body.model,
    stream: body.stream !== false, // Ollama streams when the field is absent
    system: system.length ? system.join("\n") : undefined,
    turns,
    tools: (body.tools ?? []).map((t: any) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters })),
    sampling: { maxTokens: o.num_predict, temperature: o.temperature, topP: o.top_p, topK: o.top_k, stop: o.stop },
  };
}

export const upstream: UpstreamDriver = {
  protocol: "ollama",
  start: () => startUpstream("ollama"),
  reply: (a, stream) => (stream ? { ndjson: ollamaLines(opts(a)) } : { json: ollamaChat(opts(a)) }),
  cutStream: (pieces) => ({ ndjson: ollamaLines({ content: pieces }).slice(0, -1), cut: true }),
  seen: (r) => seen(r.body),
};

// The OpenAI-compatible upstream side of the matrix: exact chat.completion bodies and chunk streams.
import { startUpstream } from "../../support/upstream.ts";
import { openaiChunks, openaiCompletion, type OpenAIOpts } from "../../support/wire.ts";
import type { Answer, Seen, Stop, ToolResult, UpstreamDriver } from "../types.ts";
import { turnList } from "./turns.ts";

const FINISH: Record<Stop, NonNullable<OpenAIOpts["finish"]>> = {
  end: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  stop_sequence: "stop",
  content_filter: "content_filter",
};

function opts(a: Answer): OpenAIOpts {
  return {
    content: a.text,
    reasoning: a.thinking?.pieces,
    toolCalls: a.toolCalls?.map((t) => ({ id: t.id, name: t.name, arguments: t.args })),
    finish: FINISH[a.stop],
    usage: { prompt: a.usage.input, completion: a.usage.output },
  };
}

const text = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.filter((p) => p.type === "text").map((p) => p.text).join("") : "";

function seen(body: any): Seen {
  const { turns, turn } = turnList();
  const system: string[] = [];
  const names = new Map<string, string>();
  for (const m of body.messages ?? []) {
    if (m.role === "system" || m.role === "developer") system.push(text(m.content));
    else if (m.role === "tool") turn("user").toolResults.push({ id: m.tool_call_id, name: names.get(m.tool_call_id) ?? "", output: text(m.content) });
    else if (m.role === "user") {
      const t = turn("user");
      t.text += text(m.content);
      if (Array.isArray(m.content))
        for (const p of m.content)
          if (p.type === "image_url") {
            const [, mediaType, data] = /^data:([^;]+);base64,(.*)$/.exec(p.image_url.url) ?? [];
            t.images.push({ mediaType, data });
          }
    } else {
      const t = turn("assistant");
      t.text += text(m.content);
      if (m.reasoning_content) t.thinking = { text: m.reasoning_content };
      for (const k of m.tool_calls ?? []) {
        names.set(k.id, k.function.name);
        t.toolCalls.push({ id: k.id, name: k.function.name, input: JSON.parse(k.function.arguments || "{}") });
      }
    }
  }
  const tc = body.tool_choice;
  return {
    model: body.model,
    stream: body.stream === true,
    system: system.length ? system.join("\n") : undefined,
    turns,
    tools: (body.tools ?? []).map((t: any) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters })),
    toolChoice: tc === undefined ? undefined : typeof tc === "object" ? { name: tc.function.name } : tc === "required" ? "any" : tc,
    sampling: {
      maxTokens: body.max_completion_tokens ?? body.max_tokens,
      temperature: body.temperature,
      topP: body.top_p,
      stop: typeof body.stop === "string" ? [body.stop] : body.stop,
    },
  };
}

export const upstream: UpstreamDriver = {
  protocol: "openai",
  start: () => startUpstream("openai"),
  reply: (a, stream) => (stream ? { sse: openaiChunks(opts(a)) } : { json: openaiCompletion(opts(a)) }),
  cutStream: (pieces) => ({ sse: openaiChunks({ content: pieces, done: false, includeUsage: false }).slice(0, -1), cut: true }),
  seen: (r) => seen(r.body),
};

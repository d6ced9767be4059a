// The Gemini upstream side of the matrix: exact GenerateContentResponse bodies and SSE chunks.
import { startUpstream } from "../../support/upstream.ts";
import { geminiChunks, geminiResponse, type GeminiOpts } from "../../support/wire-gemini.ts";
import type { Answer, Seen, Stop, UpstreamDriver } from "../types.ts";

/** Gemini has no tool-use or stop-sequence finish reason: both are STOP. */
const FINISH: Record<Stop, string> = { end: "STOP", max_tokens: "MAX_TOKENS", tool_use: "STOP", stop_sequence: "STOP", content_filter: "SAFETY" };

/** Calls arrive whole, without ids: the fragments of the neutral answer are joined. */
function opts(a: Answer): GeminiOpts {
  return {
    text: a.text,
    thought: a.thinking?.pieces,
    thoughtSignature: a.thinking?.signature,
    calls: (a.toolCalls ?? []).map((t) => ({ name: t.name, args: JSON.parse(t.args.join("") || "{}") })),
    finish: FINISH[a.stop],
    usage: { prompt: a.usage.input, candidates: a.usage.output },
  };
}

const texts = (parts: any[] | undefined) => (parts ?? []).filter((p) => typeof p.text === "string" && !p.thought).map((p) => p.text).join("");

/** `{output}` is how the proxy wraps plain text; anything else is the result object as JSON. */
function output(response: any): string {
  return typeof response?.output === "string" && Object.keys(response).length === 1 ? response.output : JSON.stringify(response);
}

function seen(path: string, body: any): Seen {
  const m = /^\/v1beta\/models\/(.+):(generateContent|streamGenerateContent)$/.exec(path);
  const turns: Seen["turns"] = (body.contents ?? []).map((c: any) => {
    const parts: any[] = c.parts ?? [];
    const thought = parts.filter((p) => p.thought);
    return {
      role: c.role === "model" ? "assistant" : "user",
      text: texts(parts),
      images: parts.filter((p) => p.inlineData).map((p) => ({ mediaType: p.inlineData.mimeType, data: p.inlineData.data })),
      toolCalls: parts.filter((p) => p.functionCall).map((p) => ({ id: p.functionCall.id, name: p.functionCall.name, input: p.functionCall.args ?? {} })),
      toolResults: parts.filter((p) => p.functionResponse).map((p) => ({ id: p.functionResponse.id, name: p.functionResponse.name, output: output(p.functionResponse.response) })),
      ...(thought.length ? { thinking: { text: thought.map((p) => p.text ?? "").join(""), signature: thought.find((p) => p.thoughtSignature)?.thoughtSignature } } : {}),
    };
  });
  const fc = body.toolConfig?.functionCallingConfig;
  const names: string[] | undefined = fc?.allowedFunctionNames;
  const g = body.generationConfig ?? {};
  return {
    model: m?.[1] ?? "",
    stream: m?.[2] === "streamGenerateContent",
    system: body.systemInstruction ? texts(body.systemInstruction.parts) : undefined,
    turns,
    tools: (body.tools ?? []).flatMap((t: any) => t.functionDeclarations ?? []).map((d: any) => ({ name: d.name, description: d.description, parameters: d.parameters })),
    toolChoice: fc === undefined ? undefined : fc.mode === "ANY" && names?.length === 1 ? { name: names[0]! } : (fc.mode as string).toLowerCase() as "auto" | "any" | "none",
    sampling: { maxTokens: g.maxOutputTokens, temperature: g.temperature, topP: g.topP, topK: g.topK, stop: g.stopSequences },
  };
}

export const upstream: UpstreamDriver = {
  protocol: "gemini",
  start: () => startUpstream("gemini"),
  reply: (a, stream) => (stream ? { sse: geminiChunks(opts(a)) } : { json: geminiResponse(opts(a)) }),
  // Text chunks only: no chunk with a finish reason.
  cutStream: (pieces) => ({ sse: geminiChunks({ text: pieces }).slice(0, -1), cut: true }),
  seen: (r) => seen(r.path, r.body),
};

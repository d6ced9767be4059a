// Builders for exact Gemini wire objects: GenerateContentResponse, its stream chunks (one whole
// response per SSE event, text as deltas, calls whole, cumulative usageMetadata, no sentinel).
import type { SseEvent } from "./upstream.ts";

export interface GeminiCall { name: string; args: Record<string, unknown>; id?: string; signature?: string }
export interface GeminiUsage { prompt: number; candidates: number; cached?: number; thoughts?: number }
export interface GeminiOpts {
  text?: string | string[]; // string[] = stream pieces (joined for a whole response)
  thought?: string | string[];
  thoughtSignature?: string;
  calls?: GeminiCall[];
  finish?: string; // STOP, MAX_TOKENS, SAFETY, …
  usage?: GeminiUsage;
  model?: string;
  id?: string;
}

const pieces = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function geminiUsage(u: GeminiUsage = { prompt: 10, candidates: 5 }) {
  const out: Record<string, unknown> = {
    promptTokenCount: u.prompt,
    candidatesTokenCount: u.candidates,
    totalTokenCount: u.prompt + u.candidates + (u.thoughts ?? 0),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: u.prompt }],
  };
  if (u.cached !== undefined) out.cachedContentTokenCount = u.cached;
  if (u.thoughts !== undefined) out.thoughtsTokenCount = u.thoughts;
  return out;
}

function callPart(c: GeminiCall) {
  const fc: Record<string, unknown> = { name: c.name, args: c.args };
  if (c.id) fc.id = c.id;
  return c.signature ? { functionCall: fc, thoughtSignature: c.signature } : { functionCall: fc };
}

function envelope(o: GeminiOpts, parts: unknown[] | undefined, finish: string | undefined, usage: unknown) {
  const candidate: Record<string, unknown> = {};
  if (parts) candidate.content = { parts, role: "model" };
  if (finish) candidate.finishReason = finish;
  candidate.index = 0;
  return { candidates: [candidate], usageMetadata: usage, modelVersion: o.model ?? "gemini-2.5-flash", responseId: o.id ?? "resp-upstream-1" };
}

export function geminiResponse(o: GeminiOpts = {}) {
  const parts: unknown[] = [];
  if (o.thought !== undefined) parts.push({ text: pieces(o.thought).join(""), thought: true, ...(o.thoughtSignature ? { thoughtSignature: o.thoughtSignature } : {}) });
  if (o.text !== undefined) parts.push({ text: pieces(o.text).join("") });
  for (const c of o.calls ?? []) parts.push(callPart(c));
  return envelope(o, parts, o.finish ?? "STOP", geminiUsage(o.usage));
}

/**
 * The chunks a streamed reply sends: thought and text pieces one per chunk (with a partial, growing
 * usage), each call whole in its own chunk, then a final chunk with the finish reason, the full
 * usage and no parts. `finalParts` puts the last text piece in the finishing chunk instead.
 */
export function geminiChunks(o: GeminiOpts = {}, opts: { finalParts?: boolean } = {}): SseEvent[] {
  const u = o.usage ?? { prompt: 10, candidates: 5 };
  const partial = { promptTokenCount: u.prompt, totalTokenCount: u.prompt };
  const out: SseEvent[] = [];
  const thoughts = pieces(o.thought);
  thoughts.forEach((t, i) => {
    const sig = i === thoughts.length - 1 && o.thoughtSignature ? { thoughtSignature: o.thoughtSignature } : {};
    out.push({ data: envelope(o, [{ text: t, thought: true, ...sig }], undefined, partial) });
  });
  const texts = pieces(o.text);
  const last = opts.finalParts ? texts.pop() : undefined;
  for (const t of texts) out.push({ data: envelope(o, [{ text: t }], undefined, partial) });
  for (const c of o.calls ?? []) out.push({ data: envelope(o, [callPart(c)], undefined, partial) });
  out.push({ data: envelope(o, last !== undefined ? [{ text: last }] : undefined, o.finish ?? "STOP", geminiUsage(u)) });
  return out;
}

// A first figure for a stream's input tokens, for the client protocols that state one before any
// text (Claude's message_start) when the upstream only counts at its end (OpenAI, Ollama). It is
// made from what the request path has anyway: the length of the body sent upstream, at about four
// characters a token, with images at a fixed price. No tokenizer runs on the request
// path; the upstream's exact count follows at the stream's end.
import type { Request } from "../unified/index.ts";

/** Characters per token, the usual rule of thumb for English text and JSON */
const CHARS_PER_TOKEN = 4;
/** Claude's figure for a 1092×1092 image; local counts (count.ts) price images the same */
export const IMAGE_TOKENS = 1600;

/** `payloadChars`: the length of the upstream body; its images' base64 is priced per image instead. */
export function estimateInputTokens(payloadChars: number, req: Request): number {
  let chars = payloadChars;
  let images = 0;
  const image = (data: string | undefined) => {
    images++;
    chars -= data?.length ?? 0;
  };
  for (const m of req.messages)
    for (const p of m.content) {
      if (p.type === "image") image(p.data);
      else if (p.type === "tool_result") for (const c of p.content) if (c.type === "image") image(c.data);
    }
  return Math.max(1, Math.round(Math.max(0, chars) / CHARS_PER_TOKEN)) + images * IMAGE_TOKENS;
}

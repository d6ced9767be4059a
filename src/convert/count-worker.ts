// The token counter, in its own worker thread: loading the tokenizer (hundreds of ms, ~60-75 MB) and
// counting a long prompt never hold up the request path, and a count is bounded by a time budget.
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { countText } from "./count-text.ts";
import { lowerThreadPriority } from "../log/priority.ts";

export type ToCounter = { id: number; texts: string[]; budgetMs: number };
export type FromCounter = { type: "counted"; id: number; tokens: number; exact: boolean };

declare const self: Worker;

// A prompt may hold "<|endoftext|>" and the like: it is text to the model, so it is counted as text.
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const count = (piece: string) => countTokens(piece, AS_TEXT);

lowerThreadPriority(); // a long count yields the CPU to the request path

self.onmessage = (ev: MessageEvent<ToCounter>) => {
  const { id, texts, budgetMs } = ev.data;
  const deadline = performance.now() + budgetMs;
  const { tokens, exact } = countText(texts.join("\n"), count, () => performance.now() < deadline);
  self.postMessage({ type: "counted", id, tokens, exact } satisfies FromCounter);
};

// A streamed answer put back together from its unified events, so a logged stream reads like a
// whole response (content parts, stop reason, usage) whatever protocol the upstream spoke.
import type { Part, StreamEvent } from "../unified/index.ts";

export interface Assembled {
  id?: string;
  model?: string;
  content: Part[];
  stopReason?: string;
  usage?: unknown;
  error?: string;
  /** Characters of text, thinking and tool arguments past the cap, not kept */
  leftOut?: number;
}

/** `cap`: the most characters of deltas kept, so a long stream's row does not hold all of it. */
export function assembler(cap = Infinity): { push(e: StreamEvent): void; result: Assembled } {
  const result: Assembled = { content: [] };
  const open = new Map<number, Part & { json?: string }>();
  let room = cap;
  /** The part of a delta that fits, the rest counted */
  const fit = (s: string): string => {
    if (s.length <= room) return (room -= s.length), s;
    const kept = s.slice(0, Math.max(room, 0));
    result.leftOut = (result.leftOut ?? 0) + s.length - kept.length;
    room = 0;
    return kept;
  };
  return {
    result,
    push(e) {
      switch (e.type) {
        case "start":
          result.id = e.id;
          result.model = e.model;
          return;
        case "block_start": {
          const part: Part & { json?: string } =
            e.kind === "tool_call" ? { type: "tool_call", id: e.id ?? "", name: e.name ?? "", input: {}, json: "" }
            : e.kind === "thinking" ? { type: "thinking", text: "", ...(e.redacted && { redacted: e.redacted }) }
            : { type: "text", text: "" };
          open.set(e.index, part);
          result.content.push(part);
          return;
        }
        case "text_delta":
        case "thinking_delta": {
          const p = open.get(e.index);
          if (p && (p.type === "text" || p.type === "thinking")) p.text += fit(e.text);
          return;
        }
        case "signature_delta": {
          const p = open.get(e.index);
          if (p?.type === "thinking") p.signature = (p.signature ?? "") + e.signature;
          return;
        }
        case "tool_delta": {
          const p = open.get(e.index);
          if (p) p.json = (p.json ?? "") + fit(e.json);
          return;
        }
        case "block_stop": {
          const p = open.get(e.index);
          if (p?.type === "tool_call") {
            p.input = e.input ?? {};
            delete p.json;
          }
          open.delete(e.index);
          return;
        }
        case "stop":
          result.stopReason = e.reason;
          result.usage = e.usage;
          return;
        case "error":
          result.error = e.message;
          return;
      }
    },
  };
}

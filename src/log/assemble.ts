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
}

export function assembler(): { push(e: StreamEvent): void; result: Assembled } {
  const result: Assembled = { content: [] };
  const open = new Map<number, Part & { json?: string }>();
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
          if (p && (p.type === "text" || p.type === "thinking")) p.text += e.text;
          return;
        }
        case "signature_delta": {
          const p = open.get(e.index);
          if (p?.type === "thinking") p.signature = (p.signature ?? "") + e.signature;
          return;
        }
        case "tool_delta": {
          const p = open.get(e.index);
          if (p) p.json = (p.json ?? "") + e.json;
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

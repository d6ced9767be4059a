// A whole response replayed as stream events, for an upstream that answered a streamed request
// with one JSON body: the client still gets its protocol's stream grammar.
import type { Response as UnifiedResponse, StreamEvent } from "../unified/index.ts";

export function responseEvents(r: UnifiedResponse): StreamEvent[] {
  const out: StreamEvent[] = [{ type: "start", id: r.id, model: r.model, usage: { input: r.usage.input } }];
  let toolIndex = 0;
  r.content.forEach((p, index) => {
    switch (p.type) {
      case "text":
        if (!p.text) return;
        out.push({ type: "block_start", index, kind: "text" }, { type: "text_delta", index, text: p.text });
        out.push({ type: "block_stop", index, kind: "text" });
        return;
      case "thinking":
        out.push({ type: "block_start", index, kind: "thinking", redacted: p.redacted });
        if (p.text) out.push({ type: "thinking_delta", index, text: p.text });
        if (p.signature) out.push({ type: "signature_delta", index, signature: p.signature });
        out.push({ type: "block_stop", index, kind: "thinking", signature: p.signature });
        return;
      case "tool_call": {
        const t = toolIndex++;
        out.push({ type: "block_start", index, kind: "tool_call", id: p.id, name: p.name, toolIndex: t });
        out.push({ type: "tool_delta", index, toolIndex: t, json: p.raw ?? JSON.stringify(p.input) });
        out.push({ type: "block_stop", index, kind: "tool_call", id: p.id, name: p.name, toolIndex: t, input: p.input });
        return;
      }
    }
  });
  out.push({ type: "stop", reason: r.stopReason, stopSequence: r.stopSequence, usage: r.usage });
  return out;
}

/** A turn that called tools stops for tool use, whatever the upstream said (Gemini, Ollama say "stop"). */
export function settleStopReason(r: UnifiedResponse): UnifiedResponse {
  if (r.stopReason === "end" && r.content.some((p) => p.type === "tool_call")) r.stopReason = "tool_use";
  return r;
}

// A whole response replayed as stream events, for an upstream that answered a streamed request
// with one JSON body: the client still gets its protocol's stream grammar.
import type { BlockStop, Response as UnifiedResponse, StreamEvent } from "../unified/index.ts";

/** `whole`: as the normalizer gives it to an encoding that restates the answer (texts on block stops, every block on the stop). */
export function responseEvents(r: UnifiedResponse, whole = false): StreamEvent[] {
  const out: StreamEvent[] = [{ type: "start", id: r.id, model: r.model, usage: { input: r.usage.input } }];
  let toolIndex = 0;
  r.content.forEach((p, index) => {
    switch (p.type) {
      case "text":
        if (!p.text) return;
        out.push({ type: "block_start", index, kind: "text" }, { type: "text_delta", index, text: p.text });
        out.push(whole ? { type: "block_stop", index, kind: "text", text: p.text } : { type: "block_stop", index, kind: "text" });
        return;
      case "thinking":
        out.push({ type: "block_start", index, kind: "thinking", redacted: p.redacted });
        if (p.text) out.push({ type: "thinking_delta", index, text: p.text });
        if (p.signature) out.push({ type: "signature_delta", index, signature: p.signature });
        out.push({ type: "block_stop", index, kind: "thinking", signature: p.signature, ...(whole && !p.redacted ? { text: p.text } : {}) });
        return;
      case "tool_call": {
        const t = toolIndex++;
        out.push({ type: "block_start", index, kind: "tool_call", id: p.id, name: p.name, toolIndex: t });
        const json = p.raw ?? JSON.stringify(p.input);
        out.push(whole ? { type: "tool_delta", index, toolIndex: t, json, name: p.name } : { type: "tool_delta", index, toolIndex: t, json });
        const stop: BlockStop = { type: "block_stop", index, kind: "tool_call", id: p.id, name: p.name, toolIndex: t, input: p.input };
        out.push(whole ? { ...stop, text: json } : stop);
        return;
      }
    }
  });
  const stop: StreamEvent = { type: "stop", reason: r.stopReason, stopSequence: r.stopSequence, usage: r.usage };
  if (whole) stop.blocks = out.filter((e): e is BlockStop => e.type === "block_stop");
  out.push(stop);
  return out;
}

/** A turn that called tools stops for tool use, whatever the upstream said (Gemini, Ollama say "stop"). */
export function settleStopReason(r: UnifiedResponse): UnifiedResponse {
  if (r.stopReason === "end" && r.content.some((p) => p.type === "tool_call")) r.stopReason = "tool_use";
  return r;
}

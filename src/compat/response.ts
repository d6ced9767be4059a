// The response side of tool compatibility mode: the model's tagged text becomes native tool calls,
// in a whole response and in a stream of decoded events (before the normalizer, so each call
// becomes the client protocol's own streamed tool call and the stop reason becomes tool use).
import type { DecodedEvent, Part, Response, Tool } from "../unified/index.ts";
import { randomId } from "../mapping/functions.ts";
import { compatEvent } from "./events.ts";
import { createScanner, type Piece, type Scanner } from "./parse.ts";

function scanner(tools: readonly Tool[], target: string): Scanner {
  return createScanner(tools, (m) => compatEvent({ type: "malformed", target, ...m }));
}

function toPart(p: Piece, target: string): Part {
  if (p.type === "text") return p;
  compatEvent({ type: "call", target, name: p.name });
  return { type: "tool_call", id: `call_${randomId()}`, name: p.name, input: p.input };
}

export function compatResponse(r: Response, tools: readonly Tool[], target: string): Response {
  if (!r.content.some((p) => p.type === "text")) return r;
  const content: Part[] = [];
  for (const part of r.content) {
    if (part.type !== "text") {
      content.push(part);
      continue;
    }
    const s = scanner(tools, target);
    for (const p of [...s.push(part.text), ...s.end()]) content.push(toPart(p, target));
  }
  return { ...r, content };
}

/** Rewrites a stream's decoded events; `end` settles what is held back when the upstream ends. */
export interface EventRewrite {
  push(e: DecodedEvent, emit: (e: DecodedEvent) => void): void;
  end(emit: (e: DecodedEvent) => void): void;
}

export function compatEvents(tools: readonly Tool[], target: string): EventRewrite {
  const s = scanner(tools, target);
  const play = (pieces: Piece[], emit: (e: DecodedEvent) => void) => {
    for (const p of pieces) {
      const part = toPart(p, target);
      if (part.type === "text") emit(part);
      else if (part.type === "tool_call") emit({ type: "tool", id: part.id, name: part.name, input: part.input });
    }
  };
  return {
    push(e, emit) {
      if (e.type === "text") return play(s.push(e.text ?? ""), emit);
      // A text block ends, or the answer does: nothing more can complete a tag.
      if (e.type === "end" || e.type === "stop") play(s.end(), emit);
      emit(e);
    },
    end(emit) {
      play(s.end(), emit);
    },
  };
}

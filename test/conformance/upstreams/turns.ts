// What a driver's `seen` builds for a protocol whose messages come one role at a time (OpenAI chat,
// Ollama, the Responses API's items): consecutive messages of one role join one turn.
import type { Seen } from "../types.ts";

export type Turn = Seen["turns"][number];

/** The turns, and `turn(role)`: the last turn when it has that role, else a new one appended. */
export function turnList(): { turns: Turn[]; turn(role: "user" | "assistant"): Turn } {
  const turns: Turn[] = [];
  const turn = (role: "user" | "assistant"): Turn => {
    const last = turns.at(-1);
    if (last?.role === role) return last;
    const t: Turn = { role, text: "", images: [], toolCalls: [], toolResults: [] };
    turns.push(t);
    return t;
  };
  return { turns, turn };
}

import { describe, expect, test } from "bun:test";
import { mergeTurns } from "./turns.ts";
import type { Message } from "../unified/index.ts";

const mergeOf = (messages: Message[]) => mergeTurns(messages, {} as never) as Message[];

describe("mergeTurns", () => {
  test("consecutive turns of one role become one, in order; the callers' arrays are left as they were", () => {
    const first: Message = { role: "user", content: [{ type: "text", text: "a" }] };
    const out = mergeOf([first, { role: "user", content: [{ type: "text", text: "b" }] }, { role: "assistant", content: [{ type: "text", text: "c" }] }]);
    expect(out).toEqual([
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      { role: "assistant", content: [{ type: "text", text: "c" }] },
    ]);
    expect(first.content).toHaveLength(1);
  });

  // The fuzzer's body held 69,905 user messages (3.7 MB): each merge copied the turn so far, and the
  // proxy answered nothing, /health included, for over 10 s.
  test("100,000 consecutive user turns merge into one turn, in linear time", () => {
    const n = 100_000;
    const messages: Message[] = Array.from({ length: n }, (_, i) => ({ role: "user", content: [{ type: "text", text: String(i) }] }));
    const out = mergeOf(messages);
    expect(out).toHaveLength(1);
    expect(out[0]!.content).toHaveLength(n);
    expect(out[0]!.content[n - 1]).toEqual({ type: "text", text: String(n - 1) });
  });
});

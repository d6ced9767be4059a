import { describe, expect, test } from "bun:test";
import { RowBatch, batchBytes, unpackRows } from "./batch.ts";
import type { Bodies, LogRow } from "./store.ts";

const full: LogRow = {
  time: 1_796_000_000_123,
  client: "claude",
  route: "/v1/messages",
  group: "team",
  model: "claude-x",
  target: "oa/gpt-4o",
  keyLabel: "oa#2",
  attempts: 2,
  status: 502,
  error: "oa/gpt-4o: upstream answered 500",
  latencyMs: 812.25,
  ttftMs: 40.5,
  stream: true,
  session: "4f1c…",
  rule: "claude-*#1",
  usage: { input: 1200, output: 85, cacheRead: 0, cacheWrite: 3, reasoning: 7 },
  trail: [{ target: "oa2/gpt", keyLabel: "oa2#1", status: 429, error: "rate limited" }],
};
const bare: LogRow = { time: 5, client: "openai", attempts: 0, stream: false };

describe("a batch crossing to the writer", () => {
  test("rows come back as they left, absent fields absent, repeated texts kept once", () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ ...bare, time: i })); // past the first room: it grows
    const rows = [full, bare, { ...full, error: undefined, trail: undefined, usage: { output: 1 } }, ...many];
    const filling = new RowBatch();
    for (const row of rows) filling.add(row);
    const batch = filling.take((make) => make());
    const back = unpackRows(structuredClone(batch));
    const { error: _e, trail: _t, ...third } = rows[2]!;
    expect(back).toEqual([full, bare, third, ...many]);
    expect(batch.texts.filter((t) => t === "claude")).toHaveLength(1);
  });

  test("bodies travel beside their rows; a failure to make them costs only them", () => {
    const bodies: Bodies = { clientRequest: '{"a":1}', upstreamResponse: "", clientResponse: "ok" };
    const filling = new RowBatch();
    filling.add(full, () => bodies);
    filling.add(bare);
    filling.add({ ...bare, time: 6 }, () => {
      throw new Error("bug");
    });
    const made = (make: () => Bodies) => {
      try {
        return make();
      } catch {
        return undefined;
      }
    };
    const back = unpackRows(filling.take(made));
    expect(back[0]!.bodies).toEqual(bodies);
    expect(back[1]!.bodies).toBeUndefined();
    expect(back[2]).toEqual({ ...bare, time: 6 });
    // the next batch starts empty; what it writes is its one row, not the room it has
    filling.add(bare);
    const one = filling.take(made);
    expect(unpackRows(one)).toEqual([bare]);
    expect(batchBytes(one)).toBeLessThan(one.cells.byteLength / 10);
  });
});

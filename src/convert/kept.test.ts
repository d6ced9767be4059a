import { expect, test } from "bun:test";
import { Kept } from "./kept.ts";

test("bounded by count: the least recently used goes first", () => {
  const k = new Kept<string>({ maxEntries: 2, maxBytes: 1000, ttlMs: 1000 });
  k.set("a", "A", 1);
  k.set("b", "B", 1);
  expect(k.get("a")).toBe("A"); // a is now the most recent
  k.set("c", "C", 1);
  expect([k.get("a"), k.get("b"), k.get("c")]).toEqual(["A", undefined, "C"]);
  expect(k.size).toBe(2);
});

test("bounded by bytes; a value larger than the bound is not kept", () => {
  const k = new Kept<string>({ maxEntries: 10, maxBytes: 10, ttlMs: 1000 });
  k.set("a", "A", 6);
  k.set("b", "B", 6);
  expect([k.get("a"), k.get("b")]).toEqual([undefined, "B"]);
  k.set("huge", "H", 11);
  expect([k.get("huge"), k.get("b")]).toEqual([undefined, "B"]);
});

test("bounded by age", () => {
  let now = 0;
  const k = new Kept<string>({ maxEntries: 10, maxBytes: 100, ttlMs: 50 }, () => now);
  k.set("a", "A", 1);
  now = 50;
  expect(k.get("a")).toBe("A");
  now = 51;
  expect(k.get("a")).toBeUndefined();
  expect(k.size).toBe(0);
});

test("aliases find their entry, and go with it", () => {
  const k = new Kept<string>({ maxEntries: 1, maxBytes: 100, ttlMs: 1000 });
  k.set("resp_1", "R1", 1, ["msg_1", "fc_1"]);
  expect([k.get("msg_1"), k.get("fc_1")]).toEqual(["R1", "R1"]);
  k.set("resp_2", "R2", 1, ["msg_2"]);
  expect([k.get("msg_1"), k.get("resp_1"), k.get("msg_2")]).toEqual([undefined, undefined, "R2"]);
  k.set("resp_2", "R2b", 1); // set again: the old aliases go
  expect(k.get("msg_2")).toBeUndefined();
});

test("each owner sees only what it kept, aliases included", () => {
  const k = new Kept<string>();
  const a = k.within("root\u0000key-a");
  const b = k.within("root\u0000key-b");
  a.set("resp_1", "A", 1, ["msg_1"]);
  expect([a.get("resp_1"), a.get("msg_1")]).toEqual(["A", "A"]);
  expect([b.get("resp_1"), b.get("msg_1"), k.get("resp_1")]).toEqual([undefined, undefined, undefined]);
});

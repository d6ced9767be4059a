import { describe, expect, test } from "bun:test";
import { covers, shadowingPattern } from "./shadow.ts";
import { globToRegExp } from "./resolve.ts";

describe("covers", () => {
  test.each([
    ["claude-*", "claude-sonnet-*", true],
    ["claude-*", "claude-3", true],
    ["*", "anything-*", true],
    ["**", "*", true],
    ["*-mini", "gpt-*", false],
    ["gpt-?", "gpt-*", false],
    ["gpt-?", "gpt-4", true],
    ["gpt-?", "gpt-?", true],
    ["gpt-4", "gpt-?", false],
    ["*x*", "*x", true],
    ["a*", "b*", false],
    ["claude-sonnet-*", "claude-*", false],
    ["", "", true],
    ["*", "", true],
    ["?", "", false],
  ])("%p covers %p: %p", (outer, inner, expected) => {
    expect(covers(outer as string, inner as string)).toBe(expected as boolean);
  });

  test("agrees with the glob's own matcher on the names a covered pattern matches", () => {
    const names = ["claude-3", "claude-sonnet-4", "gpt-4", "gpt-4o", "x", "", "a-b-c", "?*"];
    const globs = ["*", "claude-*", "claude-sonnet-*", "gpt-?", "gpt-*", "*-*", "?", "a*c", "*?"];
    for (const outer of globs)
      for (const inner of globs)
        if (covers(outer, inner))
          for (const n of names) if (globToRegExp(inner).test(n)) expect([outer, inner, n, globToRegExp(outer).test(n)]).toEqual([outer, inner, n, true]);
  });
});

describe("shadowingPattern", () => {
  test("a lone * is tried last, so it shadows nothing", () => {
    expect(shadowingPattern(["*"], "claude-*")).toBeUndefined();
  });
  test("names the first earlier pattern that covers", () => {
    expect(shadowingPattern(["gpt-*", "claude-*"], "claude-sonnet-*")).toBe("claude-*");
  });
});

import { describe, expect, test } from "bun:test";
import { compileRequire, fieldProblem, MAX_DEPTH } from "./require.ts";

describe("require: steps into arrays", () => {
  const check = compileRequire({ messages: "array", "messages[].role": "string", "messages[role!=assistant].content": "string|array" });

  test("each item is checked, and named by its index", () => {
    expect(check({ messages: [{ role: "user", content: "a" }, { role: "user" }] })).toEqual({
      param: "messages[1].content",
      message: "messages[1].content: field required",
    });
    expect(check({ messages: [{ content: "a" }] })?.param).toBe("messages[0].role");
  });

  test("a filter skips the items it excludes", () => {
    expect(check({ messages: [{ role: "assistant" }, { role: "user", content: [] }] })).toBeUndefined();
  });

  test("an item that is not an object is refused by name", () => {
    expect(check({ messages: [{ role: "user", content: "a" }, "b"] })).toEqual({ param: "messages[1]", message: "messages[1]: must be an object" });
  });

  test("an absent array is left to its own field's check", () => {
    expect(check({ messages: "x" })).toEqual({ param: "messages", message: "messages: must be of type array" });
  });

  test("`a|b` is satisfied by either", () => {
    const either = compileRequire({ "candidates|promptFeedback": "any" });
    expect(either({ promptFeedback: {} })).toBeUndefined();
    expect(either({ candidates: [] })).toBeUndefined();
    expect(either({ choices: [] })?.param).toBe("candidates|promptFeedback");
  });

  test("a type ending in ? is of an optional field: absent or null passes, any other type is refused", () => {
    const flag = compileRequire({ stream: "boolean?" });
    for (const ok of [{}, { stream: null }, { stream: true }, { stream: false }]) expect(flag(ok)).toBeUndefined();
    for (const stream of ["", "true", 1, 0, [], {}]) expect(flag({ stream })).toEqual({ param: "stream", message: "stream: must be of type boolean" });
  });

  test("a step outside the grammar is a problem for check", () => {
    expect(fieldProblem("messages[].content")).toBeUndefined();
    expect(fieldProblem("messages[role!=assistant].content")).toBeUndefined();
    expect(fieldProblem("messages[.content")).toContain('bad step "messages["');
  });
});

describe("require: depth", () => {
  const check = compileRequire({});
  const nest = (levels: number, leaf: unknown = 1) => {
    let v: unknown = leaf;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };

  test("a body nested deeper than the limit is refused, naming the field it enters by", () => {
    const body = { model: "m", messages: [{ role: "user", content: nest(MAX_DEPTH) }] };
    expect(check(body)).toEqual({ param: "messages[0].content", message: `messages[0].content: nested deeper than ${MAX_DEPTH} levels` });
  });

  test("up to the limit passes", () => {
    expect(check({ a: nest(MAX_DEPTH - 2) })).toBeUndefined();
  });
});

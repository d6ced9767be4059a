import { describe, expect, test } from "bun:test";
import { interpolate } from "./env.ts";

describe("interpolate", () => {
  test("replaces ${NAME} anywhere in the text", () => {
    const r = interpolate("a: ${A}\nurl: https://${HOST}/v1\n", { A: "one", HOST: "example.com" });
    expect(r).toEqual({ text: "a: one\nurl: https://example.com/v1\n", missing: [] });
  });

  test("${NAME:-default} uses the default when unset or empty, the value otherwise", () => {
    const text = "x: ${UNSET:-fallback}\ny: ${EMPTY:-d}\nz: ${SET:-d}\nw: [${NONE:-}]";
    const r = interpolate(text, { EMPTY: "", SET: "v" });
    expect(r.text).toBe("x: fallback\ny: d\nz: v\nw: []");
    expect(r.missing).toEqual([]);
  });

  test("a missing variable without a default is reported with its line", () => {
    const r = interpolate("ok: ${A}\n\nkeys: [${B}, ${C}]\n", { A: "1" });
    expect(r.missing).toEqual([
      { name: "B", line: 3 },
      { name: "C", line: 3 },
    ]);
  });

  test("a set but empty variable is not missing", () => {
    expect(interpolate("k: '${E}'", { E: "" })).toEqual({ text: "k: ''", missing: [] });
  });

  test("$${X} is an escape for a literal ${X}", () => {
    const r = interpolate("a: $${X}\nb: ${X}", { X: "val" });
    expect(r).toEqual({ text: "a: ${X}\nb: val", missing: [] });
  });

  test("whole-line comments are left alone", () => {
    const r = interpolate("# key: ${NOT_SET}\nk: v # ${ALSO_NOT_SET}", {});
    expect(r.missing).toEqual([{ name: "ALSO_NOT_SET", line: 2 }]);
    expect(r.text.split("\n")[0]).toBe("# key: ${NOT_SET}");
  });

  test("text that only looks like a variable stays as it is", () => {
    const r = interpolate("a: ${1X} $X {Y} ${}", {});
    expect(r).toEqual({ text: "a: ${1X} $X {Y} ${}", missing: [] });
  });
});

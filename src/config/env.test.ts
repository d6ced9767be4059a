import { describe, expect, test } from "bun:test";
import { fillVariables, maskVariables, unmask } from "./env.ts";
import { parseYamlDocument, sourceOf } from "./yaml-source.ts";

/** Masks, parses and fills, as loadConfig does: the document's value, what is missing, and the typed paths. */
function read(text: string, env: Record<string, string>) {
  const masked = maskVariables(text, env);
  const parsed = parseYamlDocument("c.yaml", masked.text);
  if (!parsed.doc) return { masked, errors: parsed.errors.map((e) => unmask(e.message, masked)) };
  const typed = fillVariables(parsed.doc, masked);
  const { source, errors } = sourceOf("c.yaml", parsed.doc, parsed.lines);
  return { masked, value: source?.value, typed, missing: masked.missing, errors: errors.map((e) => unmask(e.message, masked)) };
}

describe("${NAME} in the config", () => {
  test("replaces ${NAME} anywhere in a scalar, keys included", () => {
    const r = read("a: ${A}\nurl: https://${HOST}/v1\n${K}: x\n", { A: "one", HOST: "example.com", K: "key" });
    expect(r.value).toEqual({ a: "one", url: "https://example.com/v1", key: "x" });
    expect(r.missing).toEqual([]);
  });

  test("${NAME:-default} uses the default when unset or empty, the value otherwise", () => {
    const r = read("x: ${UNSET:-fallback}\ny: ${EMPTY:-d}\nz: ${SET:-d}\nw: [${NONE:-}]", { EMPTY: "", SET: "v" });
    expect(r.value).toEqual({ x: "fallback", y: "d", z: "v", w: [""] });
    expect(r.missing).toEqual([]);
  });

  test("a missing variable without a default is reported with its line", () => {
    const r = read("ok: ${A}\n\nkeys: [${B}, ${C}]\n", { A: "1" });
    expect(r.missing).toEqual([
      { name: "B", line: 3 },
      { name: "C", line: 3 },
    ]);
  });

  test("a set but empty variable is not missing", () => {
    const r = read("k: '${E}'", { E: "" });
    expect(r.value).toEqual({ k: "" });
    expect(r.missing).toEqual([]);
  });

  test("$${X} is an escape for a literal ${X}, in a flow list too", () => {
    const r = read("a: $${X}\nb: ${X}\nc: [$${X}]", { X: "val" });
    expect(r.value).toEqual({ a: "${X}", b: "val", c: ["${X}"] });
  });

  test("whole-line comments are left alone", () => {
    const r = read("# key: ${NOT_SET}\nk: v # ${ALSO_NOT_SET}", {});
    expect(r.missing).toEqual([{ name: "ALSO_NOT_SET", line: 2 }]);
    expect(r.masked.text.split("\n")[0]).toBe("# key: ${NOT_SET}");
  });

  test("text that only looks like a variable stays as it is", () => {
    const r = read("a: ${1X} $X {Y} ${}", {});
    expect(r.masked.text).toBe("a: ${1X} $X {Y} ${}");
    expect(r.missing).toEqual([]);
  });
});

describe("a value is never read as YAML", () => {
  // Each of these broke the config, or changed its meaning, when values were pasted into the text.
  test.each([["*abc"], ["a,b"], ["@x"], ["a]"], ["a #b"], ['a"b'], ["&x"], ["{a: 1}"], ["- x"], ["a\nb: c"], ["'"], ["!!int 5"]])(
    "%p stays one string, in a flow list, a plain value and a quoted one",
    (value) => {
      const r = read('keys: [${K}]\nplain: ${K}\nquoted: "${K}"\nsingle: \'${K}\'\n', { K: value });
      expect(r.errors).toEqual([]);
      expect(r.value).toEqual({ keys: [value], plain: value, quoted: value, single: value });
    },
  );

  test("two variables in one flow list stay two items", () => {
    expect(read("keys: [${A}, ${B}]", { A: "a,b", B: "c" }).value).toEqual({ keys: ["a,b", "c"] });
  });

  test("a default is a value too", () => {
    expect(read("k: [${K:-*x, y}]", {}).value).toEqual({ k: ["*x, y"] });
  });

  test("the plain values that held a variable are listed for typing; quoted ones and keys are not", () => {
    const r = read('a: { n: ${N} }\nl: [x, ${N}]\nq: "${N}"\n${N}: 1\nm: x${N}\n', { N: "5" });
    expect(r.typed).toEqual([["a", "n"], ["l", 1], ["m"]]);
  });

  test("a syntax error of the file names the variable as written, never its value", () => {
    const r = read("a: *${K}\n", { K: "sk-SECRET" });
    expect(r.errors.join("\n")).not.toContain("sk-SECRET");
    expect(r.errors.join("\n")).toContain("${K}");
  });
});

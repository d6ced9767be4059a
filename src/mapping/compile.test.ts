import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { compileTemplate } from "./compile.ts";
import { NoArgs, withArgs, type MappingFunction } from "./functions.ts";

const functions: Record<string, MappingFunction> = {
  upper: (v) => (typeof v === "string" ? v.toUpperCase() : undefined),
  /** Echoes what a function receives, so tests can see value, ctx and args. */
  echo: (v, ctx, args) => ({ v, model: ctx.model, args }),
};

/** Compiles `template` (failing the test on any problem) and runs it once. */
function run(template: unknown, input: unknown, ctx: Record<string, unknown> = {}, defs?: Record<string, unknown>) {
  const { compiled, problems } = compileTemplate(template, { functions, defs });
  expect(problems).toEqual([]);
  return compiled!.run(input, ctx);
}

function problems(template: unknown, defs?: Record<string, unknown>) {
  const r = compileTemplate(template, { functions, defs, at: ["top"] });
  expect(r.compiled).toBeUndefined();
  return r.problems;
}

describe("paths", () => {
  const input = { a: { b: 1, list: [{ b: "x" }, { b: "y" }] }, "x y": 2 };

  test("$.a.b reads a nested field", () => {
    expect(run({ v: "$.a.b" }, input)).toEqual({ v: 1 });
  });

  test("$.a.0.b and $.a[0].b index arrays", () => {
    expect(run({ dot: "$.a.list.1.b", bracket: "$.a.list[0].b" }, input)).toEqual({ dot: "y", bracket: "x" });
  });

  test('$["x y"] and $[\'x y\'] read keys that are not identifiers', () => {
    expect(run({ dq: '$["x y"]', sq: "$['x y']" }, input)).toEqual({ dq: 2, sq: 2 });
  });

  test("$ is the current value, $root the input, $ctx the context", () => {
    const t = { items: { each: "$.a.list", as: { here: "$.b", rootB: "$root.a.b", model: "$ctx.model", all: "$ctx" } } };
    expect(run(t, input, { model: "m1" })).toEqual({
      items: [
        { here: "x", rootB: 1, model: "m1", all: { model: "m1" } },
        { here: "y", rootB: 1, model: "m1", all: { model: "m1" } },
      ],
    });
  });

  test("a path through a missing field is absent, and the field is left out", () => {
    expect(run({ v: "$.nope.deeper", w: "$.a.b" }, input)).toEqual({ w: 1 });
    expect(Object.keys(run({ v: "$.nope.deeper", w: "$.a.b" }, input))).toEqual(["w"]);
  });

  test("null reads as absent, for $, $root and nested paths", () => {
    expect(run({ v: "$.a", w: 1 }, { a: null })).toEqual({ w: 1 });
    expect(run({ first: ["$.a", "fallback"] }, { a: null })).toBe("fallback");
    expect(run({ first: ["$root", "fallback"] }, null)).toBe("fallback");
    expect(run({ first: ["$", "fallback"] }, null)).toBe("fallback");
  });

  test("$$ escapes a literal string that starts with $", () => {
    expect(run({ price: "$$5", path: "$$.a.b" }, input)).toEqual({ price: "$5", path: "$.a.b" });
  });
});

describe("constants and objects", () => {
  test("strings, numbers, booleans and null are constants", () => {
    expect(run({ s: "text", n: 42, f: 1.5, t: true, no: false, z: null }, {})).toEqual({
      s: "text", n: 42, f: 1.5, t: true, no: false, z: null,
    });
  });

  test("a literal {} is kept", () => {
    expect(run({ input: {}, a: "$.a" }, {})).toEqual({ input: {} });
  });

  test("an object whose every field is absent is left out", () => {
    expect(run({ outer: { a: "$.x", b: "$.y" }, keep: 1 }, {})).toEqual({ keep: 1 });
    expect(run({ a: "$.x" }, {})).toBeUndefined();
  });

  test("an object with a constant field is kept even when its paths are absent", () => {
    expect(run({ outer: { type: "text", text: "$.x" } }, {})).toEqual({ outer: { type: "text" } });
  });

  test('"..." spreads an object into the one around it, in key order', () => {
    const t = { "...": "$.extra", model: "$.model", after: { "...": "$.none", x: 1 } };
    expect(run(t, { model: "m", extra: { model: "overridden", seed: 7 } })).toEqual({ model: "m", seed: 7, after: { x: 1 } });
    expect(run({ model: "$.model", "...": "$.extra" }, { model: "m", extra: { model: "wins" } })).toEqual({ model: "wins" });
  });

  test("a list keeps its order and drops absent items", () => {
    expect(run(["$.a", "$.missing", 3, "$.b"], { a: 1, b: 2 })).toEqual([1, 3, 2]);
    expect(run({ l: [] }, {})).toEqual({ l: [] });
  });

  test("const yields its value as it is, paths included", () => {
    expect(run({ c: { const: { type: "object", p: "$.not.a.path" } } }, {})).toEqual({ c: { type: "object", p: "$.not.a.path" } });
  });

  test("compiled constants are frozen: a caller's mutation cannot leak into the next run", () => {
    const { compiled } = compileTemplate(
      { empty: {}, c: { const: { nested: { n: 1 } } }, t: { from: "$.k", table: { a: { x: 1 } } }, e: { call: "echo", args: { n: 1 } } },
      { functions },
    );
    const first = compiled!.run({ k: "a" }, {});
    expect(() => { first.empty.x = 1; }).toThrow();
    expect(() => { first.c.nested.n = 2; }).toThrow();
    expect(() => { first.t.x = 2; }).toThrow();
    expect(() => { first.e.args.n = 2; }).toThrow();
    expect(compiled!.run({ k: "a" }, {})).toEqual({
      empty: {}, c: { nested: { n: 1 } }, t: { x: 1 }, e: { v: { k: "a" }, model: undefined, args: { n: 1 } },
    });
  });
});

describe("each", () => {
  test("maps every item with as", () => {
    expect(run({ each: "$.xs", as: { id: "$.id" } }, { xs: [{ id: 1 }, { id: 2 }] })).toEqual([{ id: 1 }, { id: 2 }]);
  });

  test("without as, items pass as they are", () => {
    expect(run({ each: "$.xs" }, { xs: [1, 2] })).toEqual([1, 2]);
  });

  test("drops items whose mapping is absent", () => {
    expect(run({ each: "$.xs", as: "$.id" }, { xs: [{ id: 1 }, {}, { id: 3 }] })).toEqual([1, 3]);
  });

  test("where keeps only the items for which it is truthy", () => {
    const t = { each: "$.xs", where: "$.on", as: "$.id" };
    expect(run(t, { xs: [{ id: 1, on: true }, { id: 2, on: false }, { id: 3, on: 0 }, { id: 4 }] })).toEqual([1, 3]);
  });

  test("a single value is treated as a list of one", () => {
    expect(run({ each: "$.x", as: { id: "$" } }, { x: "only" })).toEqual([{ id: "only" }]);
  });

  test("an absent list gives an absent result, not []", () => {
    expect(run({ l: { each: "$.xs", as: "$.id" }, k: 1 }, {})).toEqual({ k: 1 });
  });
});

describe("conditions", () => {
  const pick = { when: "$.c", value: "yes", else: "no" };

  test("when picks value or else by truthiness: 0 and {} are truthy; '', [], false, null, absent are not", () => {
    const results = [0, {}, "x", true, "", [], false, null, undefined].map((c) => run(pick, { c }));
    expect(results).toEqual(["yes", "yes", "yes", "yes", "no", "no", "no", "no", "no"]);
  });

  test("when without else is absent when false; without value it yields the condition", () => {
    expect(run({ v: { when: "$.c", value: 1 }, k: 0 }, { c: "" })).toEqual({ k: 0 });
    expect(run({ when: "$.c" }, { c: 0 })).toBe(0);
  });

  test("unless is the opposite of when", () => {
    const t = { unless: "$.c", value: "$.v", else: "other" };
    expect(run(t, { c: false, v: "val" })).toBe("val");
    expect(run(t, { c: "set", v: "val" })).toBe("other");
    expect(run({ unless: "$.c", value: 1 }, { c: 1 })).toBeUndefined();
  });

  test("switch picks a case by the value's text, else default, else absent", () => {
    const t = { switch: "$.t", cases: { a: "A", "1": { k: "$.v" }, true: "T" }, default: "D" };
    expect(run(t, { t: "a" })).toBe("A");
    expect(run(t, { t: 1, v: 9 })).toEqual({ k: 9 });
    expect(run(t, { t: true })).toBe("T");
    expect(run(t, { t: "zzz" })).toBe("D");
    expect(run({ switch: "$.t", cases: { a: 1 } }, { t: "b" })).toBeUndefined();
  });

  // The fuzzer's body: Ollama's `format` (a JSON Schema) holding a key "toString" answered 500 "No default value".
  test("an object or array from a client goes to default, whatever its own toString says", () => {
    const t = { switch: "$.t", cases: { json: "J", a: "A" }, default: "D" };
    for (const v of [{ toString: [[]] }, { toString: 1, type: "object" }, [{ toString: 1 }], ["a"], {}]) expect(run(t, { t: v })).toBe("D");
    expect(run({ from: "$.t", table: { a: "A" }, default: "D" }, { t: { toString: "a" } })).toBe("D");
  });
});

describe("combining", () => {
  test("concat splices arrays, keeps single values and drops absent ones", () => {
    const t = { concat: ["$.a", "$.missing", "$.b", [1, [2]], "$.c"] };
    expect(run(t, { a: [1, 2], b: "x", c: null })).toEqual([1, 2, "x", 1, [2]]);
    expect(run({ concat: ["$.missing"] }, {})).toEqual([]);
  });

  test("first yields the first value that is not absent", () => {
    expect(run({ first: ["$.a", "$.b", "default"] }, { a: null, b: 0 })).toBe(0);
    expect(run({ first: ["$.a", "$.b", "default"] }, {})).toBe("default");
    expect(run({ first: ["$.a", "$.b"] }, {})).toBeUndefined();
    expect(run({ first: ["$.a", null] }, {})).toBeNull();
  });

  test("call passes the current value (null as absent), the context and constant args", () => {
    expect(run({ call: "echo" }, null, { model: "m" })).toEqual({ v: undefined, model: "m", args: undefined });
    expect(run({ call: "echo", from: "$.x", args: { sep: "," } }, { x: 5 }, { model: "m" })).toEqual({ v: 5, model: "m", args: { sep: "," } });
    expect(run({ call: "upper", from: { first: ["$.name", "anon"] } }, {})).toBe("ANON");
  });

  test("use runs a def on the current value, or on from", () => {
    const defs = { label: { text: { call: "upper", from: "$.name" } } };
    expect(run({ a: { use: "label" }, b: { use: "label", from: "$.other" } }, { name: "x", other: { name: "y" } }, {}, defs)).toEqual({
      a: { text: "X" },
      b: { text: "Y" },
    });
  });

  test("a def may use itself: recursion through nested data", () => {
    const defs = { tree: { name: "$.n", kids: { each: "$.kids", as: { use: "tree" } } } };
    const input = { n: "a", kids: [{ n: "b", kids: [{ n: "c" }] }, { n: "d" }] };
    expect(run({ use: "tree" }, input, {}, defs)).toEqual({ name: "a", kids: [{ name: "b", kids: [{ name: "c" }] }, { name: "d" }] });
  });

  test("query evaluates a JSONPath filter and yields the matches", () => {
    const input = { parts: [{ type: "text", t: 1 }, { type: "image" }, { type: "text", t: 2 }] };
    expect(run({ query: "$.parts[?(@.type === 'text')].t" }, input)).toEqual([1, 2]);
    expect(run({ query: "$[?(@.type === 'image')]", from: "$.parts" }, input)).toEqual([{ type: "image" }]);
    expect(run({ query: "$.parts[?(@.type === 'audio')]" }, input)).toEqual([]);
  });

  test("a path string that is not simple is a JSONPath too", () => {
    expect(run({ v: "$.xs[*].id" }, { xs: [{ id: 1 }, { id: 2 }] })).toEqual({ v: [1, 2] });
  });

  test("from + table looks the value up; default covers unknown and absent values", () => {
    const t = { from: "$.r", table: { stop: "end", length: "max_tokens", "1": "one" }, default: "end" };
    expect(run(t, { r: "length" })).toBe("max_tokens");
    expect(run(t, { r: 1 })).toBe("one");
    expect(run(t, { r: "other" })).toBe("end");
    expect(run(t, {})).toBe("end");
    expect(run({ from: "$.r", table: { a: "A" } }, { r: "b" })).toBeUndefined();
  });

  test("from + default without a table is a fallback", () => {
    expect(run({ from: "$.a", default: "$.b" }, { b: 2 })).toBe(2);
    expect(run({ from: "$.a", default: "$.b" }, { a: 1, b: 2 })).toBe(1);
  });

  test("the generated source is kept for check --dump", () => {
    const { compiled } = compileTemplate({ model: "$.model" }, { functions });
    expect(compiled!.source).toContain('nn(s?.["model"])');
  });
});

describe("compile errors name the path of the field", () => {
  test("an unknown key in a directive", () => {
    expect(problems({ tools: { each: "$.tools", az: { name: "$.name" } } })).toEqual([
      { path: ["top", "tools", "az"], message: 'each: unknown key in "each" (allowed: each, as, where)' },
    ]);
  });

  test("a directive missing a required key", () => {
    expect(problems({ x: { unless: "$.a" } })).toEqual([{ path: ["top", "x", "value"], message: "unless: Expected required property" }]);
  });

  test("an unknown function lists the known ones", () => {
    expect(problems({ a: [{ b: { call: "nope" } }] })).toEqual([
      { path: ["top", "a", 0, "b", "call"], message: 'unknown function "nope" (known: echo, upper)' },
    ]);
  });

  test("names inherited from Object.prototype are not functions or defs", () => {
    expect(problems({ a: { call: "toString" }, b: { use: "constructor" } }, { d: 1 })).toEqual([
      { path: ["top", "a", "call"], message: 'unknown function "toString" (known: echo, upper)' },
      { path: ["top", "b", "use"], message: 'unknown def "constructor" (defined: d)' },
    ]);
  });

  test("an unknown def lists the defined ones", () => {
    expect(problems({ a: { use: "missing" } }, { one: 1, two: 2 })).toEqual([
      { path: ["top", "a", "use"], message: 'unknown def "missing" (defined: one, two)' },
    ]);
    expect(problems({ a: { use: "missing" } })[0]!.message).toBe('unknown def "missing" (defined: none)');
  });

  test("a problem inside a def is reported under defs", () => {
    expect(problems({ a: { use: "d" } }, { d: { x: { call: "nope" } } })).toEqual([
      { path: ["defs", "d", "x", "call"], message: 'unknown function "nope" (known: echo, upper)' },
    ]);
  });

  test("a def name that is not an identifier", () => {
    expect(problems({ a: 1 }, { "my-def": 1 })).toEqual([
      { path: ["defs", "my-def"], message: 'bad def name "my-def": use letters, digits and _' },
    ]);
  });

  test("a bad path", () => {
    expect(problems({ a: { b: "$model" }, c: [{ each: "$rooty.x" }] })).toEqual([
      { path: ["top", "a", "b"], message: 'bad path "$model": a path starts with $, $root or $ctx' },
      { path: ["top", "c", 0, "each"], message: 'bad path "$rooty.x": a path starts with $, $root or $ctx' },
    ]);
  });

  test("every problem is reported, not just the first", () => {
    expect(problems({ a: { call: "x" }, b: { use: "y" }, c: "$z" }).map((p) => p.path.join("."))).toEqual([
      "top.a.call",
      "top.b.use",
      "top.c",
    ]);
  });
});

describe("misspelt directives", () => {
  test.each([
    [{ swtich: "$.x" }, "swtich", "switch"],
    [{ swtich: "$.x", cases: { a: 1 }, default: 2 }, "swtich", "switch"],
    [{ wehn: "$.x", value: 1 }, "wehn", "when"],
    [{ cosnt: 5 }, "cosnt", "const"],
    [{ Each: "$.x", as: "$.y" }, "Each", "each"],
    [{ frist: ["$.a", "$.b"] }, "frist", "first"],
  ])("%p is an error naming the directive meant", (template, key, directive) => {
    expect(problems({ out: template })).toEqual([{ path: ["top", "out", key], message: `unknown directive "${key}": did you mean "${directive}"?` }]);
  });

  test.each([[{ user: "$.u" }], [{ calls: "$.c" }], [{ usage: "$.u" }], [{ reach: 1 }], [{ user: "$.u", text: "$.t" }], [{ swtich: "$.x", name: "n" }], [{ value: 1 }]])(
    "the literal object %p is left alone",
    (template) => {
      expect(run({ out: template }, { u: "U", c: "C", t: "T", x: "X" })).toBeDefined();
    },
  );
});

describe("JSONPath filters", () => {
  test.each([
    ["$.a[?(@.role = 'user')]", "Invalid left-hand side in assignment"],
    ["$.a[?(@.role === )]", "Expected expression after ==="],
    ["$.a[?(nope(@))]", "nope is not defined"],
  ])("%p cannot run: an error at compile time, in a path and in a query", (path, message) => {
    const [p] = problems({ v: path });
    expect(p!.path).toEqual(["top", "v"]);
    expect(p!.message).toStartWith(`bad path "${path}": `);
    expect(p!.message).toContain(message);
    expect(problems({ v: { query: path } })[0]!.message).toContain(message);
  });

  test("a filter that reads a field of an absent one skips that item instead of failing the request", () => {
    const input = { a: [{ role: "user" }, { role: "tool", meta: { id: 1 } }, { meta: { id: 2 } }] };
    expect(run({ v: "$.a[?(@.meta.id > 1)]" }, input)).toEqual({ v: [{ meta: { id: 2 } }] });
    expect(run({ v: { query: "$..[?(@.x.y)]" } }, { a: [null, { x: { y: 1 } }] })).toEqual({ v: [{ x: { y: 1 } }] });
  });
});

describe("eq", () => {
  test("true when the two values are equal, false otherwise", () => {
    expect(run({ a: { eq: ["$.x", "none"] }, b: { eq: ["$.x", "low"] } }, { x: "none" })).toEqual({ a: true, b: false });
    expect(run({ eq: ["$.x", "$.y"] }, { x: 3, y: 3 })).toBe(true);
  });

  test("compares as switch does, by the scalar's text: 0 and '0', true and 'true' are equal", () => {
    expect(run({ eq: ["$.x", 0] }, { x: "0" })).toBe(true);
    expect(run({ eq: ["$.x", true] }, { x: "true" })).toBe(true);
    expect(run({ eq: ["$.x", 0] }, { x: 0.5 })).toBe(false);
    expect(run({ eq: [1, "$.x"] }, { x: "1" })).toBe(true);
    expect(run({ eq: ["$.x", "$$5"] }, { x: "$5" })).toBe(true);
  });

  test("absent (and null), objects and lists equal nothing, themselves included", () => {
    expect(run({ eq: ["$.x", "$.y"] }, {})).toBe(false);
    expect(run({ eq: ["$.x", "undefined"] }, {})).toBe(false);
    expect(run({ eq: ["$.x", "$.x"] }, { x: { a: 1 } })).toBe(false);
    expect(run({ eq: ["$.x", "[object Object]"] }, { x: { toString: 1 } })).toBe(false);
    expect(run({ eq: ["$.x", ""] }, { x: [] })).toBe(false);
  });

  test("as a condition of when, unless and where", () => {
    const t = { unless: { eq: ["$.budget", 0] }, value: { enabled: true }, else: { enabled: false } };
    expect(run(t, { budget: 0 })).toEqual({ enabled: false });
    expect(run(t, { budget: 1024 })).toEqual({ enabled: true });
    expect(run(t, {})).toEqual({ enabled: true });
    expect(run({ each: "$", where: { eq: ["$.type", "text"] }, as: "$.text" }, [{ type: "text", text: "a" }, { type: "image" }])).toEqual(["a"]);
  });

  test("compiles to an inline comparison, no spec walked per request", () => {
    const { compiled } = compileTemplate({ v: { eq: ["$.a", 0] } }, { functions });
    expect(compiled!.source).toContain('K.eqText(nn(s?.["a"]), "0")');
  });

  test("takes exactly two values", () => {
    expect(problems({ v: { eq: ["$.a"] } })).toEqual([{ path: ["top", "v", "eq"], message: "eq: Expected array length to be greater or equal to 2" }]);
    expect(problems({ v: { eq: ["$.a", 1, 2] } })).toEqual([{ path: ["top", "v", "eq"], message: "eq: Expected array length to be less or equal to 2" }]);
    expect(problems({ v: { eq: "$.a" } })).toEqual([{ path: ["top", "v", "eq"], message: "eq: Expected array" }]);
    expect(problems({ v: { eq: ["$.a", 1], to: 2 } })).toEqual([{ path: ["top", "v", "to"], message: 'eq: unknown key in "eq" (allowed: eq)' }]);
  });

  test("a field named like it (ex, e) is not taken for a misspelling", () => {
    expect(run({ out: { ex: "$.a" } }, { a: 1 })).toEqual({ out: { ex: 1 } });
  });
});

describe("a function's args are checked when the mapping compiles", () => {
  const checked: Record<string, MappingFunction> = {
    plain: withArgs(NoArgs, (v) => v),
    prefixed: withArgs(Type.Object({ prefix: Type.String() }, { additionalProperties: false }), (v, _c, a) => a.prefix + v),
    maybe: withArgs(Type.Optional(Type.Object({ n: Type.Number() })), (_v, _c, a) => a?.n ?? 0),
    pattern: withArgs(Type.String(), (v, _c, re: RegExp) => re.test(v), (p: string) => new RegExp(p)),
    scalar: withArgs(Type.Union([Type.String(), Type.Number()], { description: "a string or number" }), (_v, _c, a) => a),
  };
  const compile = (t: unknown) => compileTemplate(t, { functions: checked, at: ["top"] });

  test("good args run; optional ones may be left out", () => {
    expect(compile({ call: "prefixed", from: "$.id", args: { prefix: "models/" } }).compiled!.run({ id: "x" }, {})).toBe("models/x");
    expect(compile({ call: "maybe" }).compiled!.run({}, {})).toBe(0);
    expect(compile({ call: "maybe", args: { n: 2 } }).compiled!.run({}, {})).toBe(2);
  });

  test("args to a function that takes none, missing args, a wrong or unknown key: errors at their field", () => {
    expect(compile({ a: { call: "plain", args: { x: 1 } } }).problems).toEqual([{ path: ["top", "a", "args"], message: 'call: "plain" takes no args' }]);
    expect(compile({ a: { call: "prefixed" } }).problems).toEqual([{ path: ["top", "a", "call"], message: 'call: "prefixed" needs args' }]);
    expect(compile({ a: { call: "prefixed", args: { prefix: 1 } } }).problems).toEqual([
      { path: ["top", "a", "args", "prefix"], message: "call: prefixed: args: Expected string" },
    ]);
    expect(compile({ a: { call: "prefixed", args: { prefix: "p", prefx: "q" } } }).problems).toEqual([
      { path: ["top", "a", "args", "prefx"], message: "call: prefixed: args: unknown key in args (allowed: prefix)" },
    ]);
    expect(compile({ a: { call: "scalar", args: [1] } }).problems).toEqual([
      { path: ["top", "a", "args"], message: "call: scalar: args: expected a string or number" },
    ]);
  });

  test("args are prepared once, at compile time; what cannot be prepared is an error there", () => {
    const { compiled } = compile({ call: "pattern", args: "^a" });
    expect([compiled!.run("abc", {}), compiled!.run("cba", {})]).toEqual([true, false]);
    expect(compile({ a: { call: "pattern", args: "(" } }).problems).toEqual([
      { path: ["top", "a", "args"], message: "call: pattern: args: Invalid regular expression: missing )" },
    ]);
  });
});

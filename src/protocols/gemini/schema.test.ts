// Each JSON Schema keyword Gemini rejects is dropped or rewritten; what it accepts is kept as given.
import { describe, expect, test } from "bun:test";
import { geminiSchema, MAX_NESTED_REF, MAX_SCHEMA_NODES } from "./schema.ts";
import { Unconvertible } from "../../mapping/functions.ts";

const clean = (s: unknown) => geminiSchema(s, {}) as Record<string, any>;
const obj = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: "object", properties: props, ...extra });

describe("geminiSchema drops what Gemini's Schema has no field for", () => {
  for (const key of ["$schema", "additionalProperties", "propertyNames", "patternProperties", "uniqueItems", "not", "examples", "default", "$id", "$comment", "readOnly", "deprecated"]) {
    test(key, () => {
      const out = clean(obj({ a: { type: "string", [key]: key === "not" ? { type: "number" } : true } }, { [key]: false }));
      expect(out).not.toHaveProperty(key);
      expect(out.properties.a).toEqual({ type: "string" });
    });
  }
});

describe("geminiSchema rewrites what has a Gemini equivalent", () => {
  test("$ref into $defs is inlined, and $defs goes", () => {
    const out = clean({ ...obj({ p: { $ref: "#/$defs/Point", description: "where" } }), $defs: { Point: obj({ x: { type: "number" } }, { required: ["x"] }) } });
    expect(out).toEqual({ type: "object", properties: { p: { type: "object", properties: { x: { type: "number" } }, required: ["x"], description: "where" } } });
  });
  test("$ref into definitions (draft-07) is inlined too", () => {
    const out = clean({ ...obj({ p: { $ref: "#/definitions/N" } }), definitions: { N: { type: "integer" } } });
    expect(out.properties.p).toEqual({ type: "integer" });
    expect(out).not.toHaveProperty("definitions");
  });
  test("a recursive $ref is inlined a few levels deep, then cut to a bare object", () => {
    const out = clean({ ...obj({ node: { $ref: "#/$defs/Node" } }), $defs: { Node: obj({ next: { $ref: "#/$defs/Node" } }) } });
    let n = out.properties.node, depth = 0;
    while (n?.properties?.next) (n = n.properties.next), depth++;
    expect(depth).toBe(MAX_NESTED_REF);
    expect(n).toEqual({ type: "object" });
  });
  test('an array type with "null" becomes nullable', () => {
    expect(clean(obj({ a: { type: ["string", "null"] } })).properties.a).toEqual({ type: "string", nullable: true });
  });
  test("anyOf with a null alternative becomes a nullable schema", () => {
    expect(clean(obj({ a: { anyOf: [{ type: "integer" }, { type: "null" }] } })).properties.a).toEqual({ nullable: true, type: "integer" });
  });
  test("oneOf becomes anyOf, each alternative cleaned", () => {
    const out = clean(obj({ a: { oneOf: [{ type: "string", additionalProperties: false }, { type: "number" }] } }));
    expect(out.properties.a).toEqual({ anyOf: [{ type: "string" }, { type: "number" }] });
  });
  test("allOf parts merge into one schema", () => {
    const out = clean(obj({ a: { allOf: [obj({ x: { type: "string" } }, { required: ["x"] }), obj({ y: { type: "number" } }, { required: ["y"] })] } }));
    expect(out.properties.a).toEqual({ type: "object", properties: { x: { type: "string" }, y: { type: "number" } }, required: ["x", "y"] });
  });
  test("const becomes a one-value enum", () => {
    expect(clean(obj({ a: { const: "fixed" } })).properties.a).toEqual({ enum: ["fixed"], type: "string" });
  });
  // The fuzzer's schemas: each answered 500 ("No default value", "….has is not a function").
  test("a const or enum value that is an object becomes its JSON, whatever keys it holds", () => {
    expect(clean(obj({ a: { const: { toString: 1 } } })).properties.a).toEqual({ enum: ['{"toString":1}'], type: "string" });
    expect(clean(obj({ a: { type: "string", enum: ["x", 2, true, [1], { valueOf: {} }] } })).properties.a.enum).toEqual(["x", "2", "true", "[1]", '{"valueOf":{}}']);
  });
  test("a type that is no type (an object, or a name on Object.prototype) keeps no format", () => {
    for (const type of ["constructor", "__proto__", "toString", { toString: 1 }]) expect(clean(obj({ a: { type, format: "date-time" } })).properties.a).not.toHaveProperty("format");
  });
  test("exclusiveMinimum / exclusiveMaximum become minimum / maximum", () => {
    expect(clean(obj({ a: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 10 } })).properties.a).toEqual({ type: "number", minimum: 0, maximum: 10 });
  });
  test("formats Gemini does not know are dropped, the ones it knows kept", () => {
    const out = clean(obj({ u: { type: "string", format: "uri" }, e: { type: "string", format: "email" }, d: { type: "string", format: "date-time" }, i: { type: "integer", format: "int64" } }));
    expect(out.properties).toEqual({ u: { type: "string" }, e: { type: "string" }, d: { type: "string", format: "date-time" }, i: { type: "integer", format: "int64" } });
  });
  test("nested items and properties are cleaned at every depth", () => {
    const out = clean(obj({ list: { type: "array", items: obj({ z: { type: "string", minLength: 1, $comment: "x" } }, { additionalProperties: false }), uniqueItems: true } }));
    expect(out.properties.list).toEqual({ type: "array", items: { type: "object", properties: { z: { type: "string", minLength: 1 } } } });
  });
  test("an object with no properties is left out: Gemini rejects an empty OBJECT", () => {
    expect(geminiSchema({ type: "object", properties: {}, additionalProperties: false }, {})).toBeUndefined();
    expect(geminiSchema({ type: "object" }, {})).toBeUndefined();
  });
  test("accepted keywords are kept in their order", () => {
    const s = obj({ a: { type: "string", title: "A", description: "d", enum: ["x", "y"], pattern: "^x", maxLength: 3 } }, { required: ["a"], propertyOrdering: ["a"] });
    const out = clean(s);
    expect(out).toEqual(s);
    expect(Object.keys(out.properties.a)).toEqual(["type", "title", "description", "enum", "pattern", "maxLength"]);
  });
});

describe("geminiSchema does bounded work for any schema", () => {
  const refused = (s: unknown, ctx = {}) => {
    try {
      geminiSchema(s, ctx);
    } catch (e) {
      if (e instanceof Unconvertible && e.value === s) return e.message;
      throw e;
    }
    return undefined;
  };

  test("a $ref used twice per level of its own expansion (the 299-byte bomb) is cut, not inlined 2^32 times", () => {
    const bomb = { type: "object", properties: { n: { $ref: "#/$defs/n" } }, $defs: { n: obj({ a: { $ref: "#/$defs/n" }, b: { $ref: "#/$defs/n" } }) } };
    const text = JSON.stringify(clean(bomb));
    expect(text.length).toBeLessThan(2_000);
    expect(clean(bomb).properties.n.properties.a.properties.b.properties.a).toEqual({ type: "object" });
  });

  test("a chain of $defs each used twice by the one before (no cycle, 2^40 nodes) is refused as too large", () => {
    const defs: Record<string, unknown> = { d40: { type: "string" } };
    for (let i = 0; i < 40; i++) defs[`d${i}`] = obj({ a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } });
    expect(refused({ ...obj({ root: { $ref: "#/$defs/d0" } }), $defs: defs })).toContain(`more than ${MAX_SCHEMA_NODES} schema nodes`);
  });

  test("the budget is one request's: many tools cannot each spend it", () => {
    const defs: Record<string, unknown> = { d11: { type: "string" } };
    for (let i = 0; i < 11; i++) defs[`d${i}`] = obj({ a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } });
    const tool = () => ({ ...obj({ root: { $ref: "#/$defs/d0" } }), $defs: defs }); // 2^12 nodes and as many $refs each
    const ctx = {};
    expect(refused(tool(), ctx)).toBeUndefined();
    expect(refused(tool(), ctx)).toBeUndefined();
    expect(refused(tool(), ctx)).toContain("too large");
  });

  test("the same schema cleaned twice in one request (a failover) is made once", () => {
    const s = obj({ a: { type: "string" } });
    const ctx = {};
    expect(geminiSchema(s, ctx)).toBe(geminiSchema(s, ctx));
  });

  for (const [name, defs] of [
    ["allOf holding itself", { a: { allOf: [{ $ref: "#/$defs/a" }] } }],
    ["$ref to itself", { a: { $ref: "#/$defs/a" } }],
    ["two $refs to each other", { a: { $ref: "#/$defs/b" }, b: { allOf: [{ $ref: "#/$defs/a" }, { description: "b" }] } }],
  ] as const) {
    test(`a cycle with no schema between (${name}) is refused, not a stack overflow`, () => {
      expect(refused({ ...obj({ x: { $ref: "#/$defs/a" } }), $defs: defs })).toContain("is its own definition");
    });
  }

  test("two allOf parts naming one $ref are no cycle", () => {
    const out = clean({ ...obj({ x: { allOf: [{ $ref: "#/$defs/p" }, { $ref: "#/$defs/p" }] } }), $defs: { p: obj({ y: { type: "string" } }) } });
    expect(out.properties.x).toEqual({ type: "object", properties: { y: { type: "string" } } });
  });

  test("a real recursive schema (a tree of nodes under $defs, as MCP tools send) still converts", () => {
    const tree = {
      type: "object",
      properties: { root: { $ref: "#/$defs/TreeNode" } },
      required: ["root"],
      $defs: {
        TreeNode: {
          type: "object",
          properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/TreeNode" } } },
          required: ["name"],
        },
      },
    };
    const out = clean(tree);
    expect(out.required).toEqual(["root"]);
    const child = out.properties.root.properties.children.items;
    expect(child.properties.name).toEqual({ type: "string" });
    expect(child.required).toEqual(["name"]);
  });
});

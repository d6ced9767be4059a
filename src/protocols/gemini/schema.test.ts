// Each JSON Schema keyword Gemini rejects is dropped or rewritten; what it accepts is kept as given.
import { describe, expect, test } from "bun:test";
import { geminiSchema } from "./schema.ts";

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
  test("a recursive $ref stops at a depth limit instead of looping", () => {
    const out = clean({ ...obj({ node: { $ref: "#/$defs/Node" } }), $defs: { Node: obj({ next: { $ref: "#/$defs/Node" } }) } });
    let n = out.properties.node, depth = 0;
    while (n?.properties?.next) (n = n.properties.next), depth++;
    expect(depth).toBeGreaterThan(5);
    expect(n.type).toBe("object");
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

// Tool schemas for Gemini: its function declarations take an OpenAPI-3.0 subset, and a keyword
// outside it fails the whole request ("Invalid JSON payload received. Unknown name …").
// @see https://ai.google.dev/api/caching#Schema
import type { MappingFunction } from "../../mapping/functions.ts";

type Schema = Record<string, unknown>;

/** Keywords Gemini's Schema accepts; everything else is dropped or rewritten. */
const KEPT = new Set([
  "type", "format", "title", "description", "nullable", "enum", "items", "minItems", "maxItems",
  "properties", "required", "propertyOrdering", "minProperties", "maxProperties", "minLength",
  "maxLength", "pattern", "minimum", "maximum", "example", "anyOf",
]);

/** The only `format`s Gemini accepts, per type. */
const FORMATS: Record<string, Set<string>> = {
  string: new Set(["enum", "date-time"]),
  number: new Set(["float", "double"]),
  integer: new Set(["int32", "int64"]),
};

const MAX_DEPTH = 32; // a recursive $ref is cut here rather than inlined forever

/**
 * A JSON Schema made acceptable to Gemini: `$ref`s inlined from `$defs`/`definitions`, array
 * `type` → `nullable`, `const` → one-value `enum`, `oneOf` → `anyOf`, `allOf` merged,
 * `exclusiveMinimum/Maximum` → `minimum/maximum`, unsupported `format`s and other keywords dropped.
 * An object schema with no properties is absent: Gemini rejects an empty OBJECT.
 */
export const geminiSchema: MappingFunction = (schema: unknown) => {
  if (!isObject(schema)) return undefined;
  const defs = { ...asObject(schema.definitions), ...asObject(schema.$defs) };
  const out = clean(schema, defs, 0);
  if (out.type === "object" && !Object.keys(asObject(out.properties)).length) return undefined;
  return out;
};

function clean(s: Schema, defs: Schema, depth: number): Schema {
  if (depth > MAX_DEPTH) return { type: "object" };
  const resolved = resolve(s, defs);
  const merged = mergeAllOf(resolved, defs);
  const out: Schema = {};
  let type = merged.type;
  if (Array.isArray(type)) {
    const rest = type.filter((t) => t !== "null");
    if (rest.length < type.length) out.nullable = true;
    type = rest[0];
  }
  for (const [k, v] of Object.entries(merged)) {
    if (k === "type") {
      if (type !== undefined) out.type = type;
    } else if (k === "properties" && isObject(v)) {
      out.properties = Object.fromEntries(
        Object.entries(v).map(([name, p]) => [name, isObject(p) ? clean(p, defs, depth + 1) : p]),
      );
    } else if (k === "items" && isObject(v)) out.items = clean(v, defs, depth + 1);
    else if ((k === "anyOf" || k === "oneOf") && Array.isArray(v)) anyOf(out, v, defs, depth);
    else if (k === "const") out.enum = [String(v)];
    else if (k === "enum" && Array.isArray(v)) out.enum = v.filter((x) => x !== null).map(String);
    else if (k === "exclusiveMinimum" && typeof v === "number") out.minimum ??= v;
    else if (k === "exclusiveMaximum" && typeof v === "number") out.maximum ??= v;
    else if (k === "format") {
      if (typeof v === "string" && FORMATS[String(type)]?.has(v)) out.format = v;
    } else if (KEPT.has(k)) out[k] = v;
  }
  if (out.enum && out.type === undefined) out.type = "string";
  return out;
}

/** `anyOf: [X, {type: null}]` is a nullable X; other alternatives stay alternatives. */
function anyOf(out: Schema, alts: unknown[], defs: Schema, depth: number) {
  const kept = alts.filter(isObject).filter((a) => a.type !== "null");
  if (kept.length < alts.length) out.nullable = true;
  if (kept.length === 1) Object.assign(out, clean(kept[0]!, defs, depth + 1));
  else if (kept.length) out.anyOf = kept.map((a) => clean(a, defs, depth + 1));
}

function resolve(s: Schema, defs: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref !== "string") return s;
  const name = ref.replace(/^#\/(\$defs|definitions)\//, "");
  const target = defs[name];
  const { $ref: _r, ...rest } = s;
  return isObject(target) ? { ...resolve(target, defs), ...rest } : rest;
}

/** `allOf` parts are merged into one schema (properties and required lists joined). */
function mergeAllOf(s: Schema, defs: Schema): Schema {
  if (!Array.isArray(s.allOf)) return s;
  const { allOf, ...out } = s as Schema & { allOf: unknown[] };
  for (const part of allOf.filter(isObject).map((p) => mergeAllOf(resolve(p, defs), defs))) {
    for (const [k, v] of Object.entries(part)) {
      if (k === "properties") out.properties = { ...asObject(out.properties), ...asObject(v) };
      else if (k === "required" && Array.isArray(v))
        out.required = [...new Set([...(Array.isArray(out.required) ? out.required : []), ...v])];
      else out[k] ??= v;
    }
  }
  return out;
}

function isObject(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asObject(v: unknown): Schema {
  return isObject(v) ? v : {};
}

/**
 * A Gemini schema (OpenAPI subset, often with upper-case types from the SDKs' `Type` enum) as the
 * plain JSON Schema other protocols take: types lower-cased, `nullable` as a "null" type,
 * Gemini-only keywords dropped.
 */
export const jsonSchemaFromGemini: MappingFunction = (schema: unknown) => (isObject(schema) ? toJsonSchema(schema) : schema);

function toJsonSchema(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "nullable" || k === "propertyOrdering" || (k === "format" && v === "enum")) continue;
    if (k === "type" && typeof v === "string") out.type = v.toLowerCase();
    else if (k === "properties" && isObject(v))
      out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, isObject(p) ? toJsonSchema(p) : p]));
    else if ((k === "items" || k === "additionalProperties") && isObject(v)) out[k] = toJsonSchema(v);
    else if ((k === "anyOf" || k === "oneOf" || k === "allOf") && Array.isArray(v)) out[k] = v.map((x) => (isObject(x) ? toJsonSchema(x) : x));
    else out[k] = v;
  }
  if (s.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}

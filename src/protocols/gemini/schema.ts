// Tool schemas for Gemini: its function declarations take an OpenAPI-3.0 subset, and a keyword
// outside it fails the whole request ("Invalid JSON payload received. Unknown name …").
// @see https://ai.google.dev/api/caching#Schema
import { NoArgs, Unconvertible, withArgs } from "../../mapping/functions.ts";

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

const MAX_DEPTH = 32; // deeper than this, a schema is cut to a bare object
/** How often one $ref may be inlined within itself: a recursive schema (a tree's children) shows a few levels, then is cut. */
export const MAX_NESTED_REF = 3;
/**
 * Schema nodes one request's tool schemas may make once inlined. Real tools make hundreds; a $ref
 * used twice per level of a chain of $defs makes billions from a few hundred bytes.
 */
export const MAX_SCHEMA_NODES = 20_000;

/** What one request's cleaning has spent, and what it has made (a failover to another Gemini target reuses it). */
interface Budget {
  nodes: number;
  done: Map<Schema, Schema | undefined>;
}

interface Walk {
  defs: Schema;
  budget: Budget;
  /** The schema given, which an error names */
  root: Schema;
  /** $refs inlined on the way from the root to the node at hand */
  inlined: string[];
}

/**
 * A JSON Schema made acceptable to Gemini: `$ref`s inlined from `$defs`/`definitions`, array
 * `type` → `nullable`, `const` → one-value `enum`, `oneOf` → `anyOf`, `allOf` merged,
 * `exclusiveMinimum/Maximum` → `minimum/maximum`, unsupported `format`s and other keywords dropped.
 * An object schema with no properties is absent: Gemini rejects an empty OBJECT. A `$ref` that is
 * its own definition (through `$ref`s and `allOf` alone) and a schema too large to inline are
 * refused with a `Unconvertible` naming the schema.
 */
export const geminiSchema = withArgs(NoArgs, (schema: unknown, ctx) => {
  if (!isObject(schema)) return undefined;
  const budget = ((ctx ?? {}).geminiSchemas ??= { nodes: 0, done: new Map() }) as Budget;
  if (budget.done.has(schema)) return budget.done.get(schema);
  const defs = { ...asObject(schema.definitions), ...asObject(schema.$defs) };
  const out = clean(schema, { defs, budget, root: schema, inlined: [] }, 0);
  const result = out.type === "object" && !Object.keys(asObject(out.properties)).length ? undefined : out;
  budget.done.set(schema, result);
  return result;
});

function clean(s: Schema, w: Walk, depth: number): Schema {
  spend(w);
  if (depth > MAX_DEPTH) return { type: "object" };
  const refs: string[] = [];
  const merged = mergeAllOf(resolve(s, w, refs), w, refs);
  // A $ref inside its own expansion: a recursive schema, which Gemini's has no way to say.
  if (refs.some((r) => w.inlined.filter((x) => x === r).length >= MAX_NESTED_REF)) return { type: "object" };
  w.inlined.push(...refs);
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
        Object.entries(v).map(([name, p]) => [name, isObject(p) ? clean(p, w, depth + 1) : p]),
      );
    } else if (k === "items" && isObject(v)) out.items = clean(v, w, depth + 1);
    else if ((k === "anyOf" || k === "oneOf") && Array.isArray(v)) anyOf(out, v, w, depth);
    else if (k === "const") out.enum = [enumText(v)];
    else if (k === "enum" && Array.isArray(v)) out.enum = v.filter((x) => x !== null).map(enumText);
    else if (k === "exclusiveMinimum" && typeof v === "number") out.minimum ??= v;
    else if (k === "exclusiveMaximum" && typeof v === "number") out.maximum ??= v;
    else if (k === "format") {
      if (typeof v === "string" && typeof type === "string" && Object.hasOwn(FORMATS, type) && FORMATS[type]!.has(v)) out.format = v;
    } else if (KEPT.has(k)) out[k] = v;
  }
  w.inlined.length -= refs.length;
  if (out.enum && out.type === undefined) out.type = "string";
  return out;
}

/**
 * Gemini's enum values are strings. An object's is its JSON: String() would call the object's own
 * `toString`, which a client's schema may set to anything (`{"toString":1}` throws).
 */
const enumText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** `anyOf: [X, {type: null}]` is a nullable X; other alternatives stay alternatives. */
function anyOf(out: Schema, alts: unknown[], w: Walk, depth: number) {
  const kept = alts.filter(isObject).filter((a) => a.type !== "null");
  if (kept.length < alts.length) out.nullable = true;
  if (kept.length === 1) Object.assign(out, clean(kept[0]!, w, depth + 1));
  else if (kept.length) out.anyOf = kept.map((a) => clean(a, w, depth + 1));
}

/** `s` with its `$ref` chain followed; `refs` collects the names, so a name met twice is a cycle. */
function resolve(s: Schema, w: Walk, refs: string[]): Schema {
  const ref = s.$ref;
  if (typeof ref !== "string") return s;
  spend(w);
  const name = ref.replace(/^#\/(\$defs|definitions)\//, "");
  if (refs.includes(name)) throw new Unconvertible(`$ref "${ref}" is its own definition (through $ref and allOf alone)`, w.root);
  const target = w.defs[name];
  const { $ref: _r, ...rest } = s;
  if (!isObject(target)) return rest;
  refs.push(name);
  return { ...resolve(target, w, refs), ...rest };
}

/** `allOf` parts are merged into one schema (properties and required lists joined). */
function mergeAllOf(s: Schema, w: Walk, refs: string[]): Schema {
  if (!Array.isArray(s.allOf)) return s;
  const { allOf, ...out } = s as Schema & { allOf: unknown[] };
  const base = refs.length;
  for (const p of allOf.filter(isObject)) {
    spend(w);
    // Each part follows its own chain from here: two parts naming one $ref are not a cycle.
    const chain = refs.slice(0, base);
    const part = mergeAllOf(resolve(p, w, chain), w, chain);
    for (const r of chain.slice(base)) if (!refs.includes(r)) refs.push(r);
    for (const [k, v] of Object.entries(part)) {
      if (k === "properties") out.properties = { ...asObject(out.properties), ...asObject(v) };
      else if (k === "required" && Array.isArray(v))
        out.required = [...new Set([...(Array.isArray(out.required) ? out.required : []), ...v])];
      else out[k] ??= v;
    }
  }
  return out;
}

function spend(w: Walk) {
  if (++w.budget.nodes > MAX_SCHEMA_NODES)
    throw new Unconvertible(`too large for Gemini once its $refs are inlined (more than ${MAX_SCHEMA_NODES} schema nodes)`, w.root);
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
export const jsonSchemaFromGemini = withArgs(NoArgs, (schema: unknown) => (isObject(schema) ? toJsonSchema(schema) : schema));

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

// The DSL's built-in functions: protocol-neutral transforms any mapping may `call` by name, each
// documented in docs/mappings.md ("Built-ins"). Whatever knows a protocol's rules stays in
// src/protocols/<p>/functions.ts; what a built-in needs to know of one (a prefix, a pattern, a list
// of keys) is written in the mapping as its `args:`.
import { Type } from "@sinclair/typebox";
import { NoArgs, randomId, withArgs, type MappingContext, type MappingFunction } from "./functions.ts";

const Prefix = Type.Object({ prefix: Type.String() }, { additionalProperties: false });
const none = (fn: MappingFunction) => withArgs(NoArgs, fn);

function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  if (v.trim() === "") return {};
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

const isObject = (o: unknown): o is Record<string, unknown> => !!o && typeof o === "object" && !Array.isArray(o);

function thinkingText(v: unknown, keep: (p: { signature?: string }) => boolean): string | undefined {
  if (!Array.isArray(v)) return undefined;
  const t = v.filter((p) => p?.type === "thinking" && !p.redacted && keep(p)).map((p) => p.text);
  return t.length ? t.join("") : undefined;
}

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]*)*?);base64,(.*)$/s;

/** snake_case keys → camelCase, all the way down, except under the keys named verbatim (user data). */
function camelKeys(v: unknown, verbatim: Set<string>): unknown {
  if (Array.isArray(v)) return v.map((x) => camelKeys(x, verbatim));
  if (!v || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const key = k.includes("_") ? k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) : k;
    out[key] = verbatim.has(key) ? x : camelKeys(x, verbatim);
  }
  return out;
}

export const builtins: Record<string, MappingFunction> = {
  // --- JSON and objects
  /** JSON text to a value; "" is `{}` (a call with no arguments); invalid JSON is absent. */
  parseJson: none(parseJson),
  /** Value to JSON text; strings pass as they are. */
  stringifyJson: none((v) => (v === undefined || typeof v === "string" ? v : JSON.stringify(v))),
  /** An object, or JSON text of one (tool arguments); anything else becomes `{}`. */
  asObject: none((v) => {
    const o = parseJson(v);
    return isObject(o) ? o : {};
  }),
  /** The text when it is not a valid JSON object: keeps a model's malformed arguments. */
  rawIfInvalid: none((v) => {
    if (typeof v !== "string" || v.trim() === "") return undefined;
    return isObject(parseJson(v)) ? undefined : v;
  }),
  /** snake_case keys read as camelCase, recursively; keys named in `verbatim` keep their values as they are. */
  camelKeys: withArgs(
    Type.Object({ verbatim: Type.Array(Type.String()) }, { additionalProperties: false }),
    (v, _c, verbatim: Set<string>) => camelKeys(v, verbatim),
    (args: { verbatim: string[] }) => new Set(args.verbatim),
  ),

  // --- lists
  /** A single value → a list of one; a list passes; absent stays absent. */
  toArray: none((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
  /** Absent for "", [] and {}. */
  nonEmpty: none((v) =>
    v === "" || (Array.isArray(v) && !v.length) || (isObject(v) && !Object.keys(v).length) ? undefined : v,
  ),
  /** Whether a list holds the value given as `args`. */
  includes: withArgs(
    Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: "a string, number or boolean" }),
    (v, _c, x: unknown) => Array.isArray(v) && v.includes(x),
  ),
  /** Whether the list given first holds the value given second: `from: [list, value]`, both read from the input. */
  contains: none((v) => Array.isArray(v) && Array.isArray(v[0]) && v[1] !== undefined && v[0].includes(v[1])),
  /** A list of lists as one list (one level); single items stay items; absent when there is no list. */
  flatten: none((v) => (Array.isArray(v) ? v.flat(1) : undefined)),
  /** Each object of the list given first with the fields of the object given second added: `from: [list, fields]`. */
  eachWith: none((v) => {
    if (!Array.isArray(v) || !Array.isArray(v[0])) return undefined;
    const fields = isObject(v[1]) ? v[1] : {};
    return v[0].filter(isObject).map((item) => ({ ...item, ...fields }));
  }),
  /** The first object of the list given first whose field `by` equals the value given second: `from: [list, value]`. */
  find: withArgs(Type.Object({ by: Type.String() }, { additionalProperties: false }), (v, _c, a: { by: string }) =>
    Array.isArray(v) && Array.isArray(v[0]) && v[1] !== undefined ? v[0].find((item) => isObject(item) && item[a.by] === v[1]) : undefined,
  ),

  // --- numbers and booleans
  /** The sum of the numbers in a list; absent when none is a number. */
  sum: none((v) => {
    if (!Array.isArray(v)) return undefined;
    const nums = v.filter((x) => typeof x === "number");
    return nums.length ? nums.reduce((a, b) => a + b, 0) : undefined;
  }),
  /** The first number of a list minus the rest (absent ones count as 0); absent when the first is absent. */
  difference: none((v) => {
    if (!Array.isArray(v) || typeof v[0] !== "number") return undefined;
    return v.slice(1).reduce((a: number, b) => a - (typeof b === "number" ? b : 0), v[0]);
  }),
  /** Boolean negation that keeps absence absent. */
  not: none((v) => (v === undefined ? undefined : !v)),

  // --- text
  /** The strings and numbers of a list joined by `separator` (default ""); absent when the list holds anything else. */
  join: withArgs(
    Type.Optional(Type.Object({ separator: Type.String() }, { additionalProperties: false })),
    (v, _c, args?: { separator?: string }) =>
      Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number") ? v.join(args?.separator ?? "") : undefined,
  ),
  /** A string prefixed; anything else is absent. */
  withPrefix: withArgs(Prefix, (v, _c, a: { prefix: string }) => (typeof v === "string" ? a.prefix + v : undefined)),
  /** A string without the prefix, if it starts with it; anything else is absent. */
  withoutPrefix: withArgs(Prefix, (v, _c, a: { prefix: string }) =>
    typeof v !== "string" ? undefined : v.startsWith(a.prefix) ? v.slice(a.prefix.length) : v,
  ),
  /** Every match of the regular expression `pattern` in a string replaced by `with`; anything else passes. */
  replace: withArgs(
    Type.Object({ pattern: Type.String({ minLength: 1 }), with: Type.String() }, { additionalProperties: false }),
    (v, _c, a: { re: RegExp; with: string }) => (typeof v === "string" ? v.replace(a.re, a.with) : v),
    (args: { pattern: string; with: string }) => ({ re: new RegExp(args.pattern, "g"), with: args.with }),
  ),
  /** The hex SHA-256 digest of a string (a stable stand-in for a content hash). */
  sha256: none((v) => (typeof v === "string" ? new Bun.CryptoHasher("sha256").update(v).digest("hex") : undefined)),

  // --- unified content parts
  /** A string → one text part ("" → none); a list of parts passes. */
  textParts: none((v) => (typeof v === "string" ? (v === "" ? [] : [{ type: "text", text: v }]) : v)),
  /** The text of the text parts (or a string), joined by `separator` (default "\n"); absent when there is none. */
  joinText: withArgs(
    Type.Optional(Type.Object({ separator: Type.String() }, { additionalProperties: false })),
    (v, _c, args?: { separator?: string }) => {
      if (typeof v === "string") return v;
      if (!Array.isArray(v)) return undefined;
      const texts = v.filter((p) => p && p.type === "text" && typeof p.text === "string").map((p) => p.text as string);
      const text = texts.join(args?.separator ?? "\n");
      return text === "" ? undefined : text;
    },
  ),
  /** Whether every part is text (so a plain string says the same). */
  onlyText: none((v) => Array.isArray(v) && v.every((p) => p?.type === "text")),
  /** The text of the readable thinking parts; with `unsigned: true`, only those without a signature. */
  thinkingText: withArgs(
    Type.Optional(Type.Object({ unsigned: Type.Boolean() }, { additionalProperties: false })),
    (v, _c, args?: { unsigned?: boolean }) => thinkingText(v, args?.unsigned ? (p) => !p.signature : () => true),
  ),
  /** A `data:` URL → `{mediaType, data}`; any other URL → `{url}`. */
  splitDataUrl: none((v) => {
    if (typeof v !== "string") return undefined;
    const m = DATA_URL.exec(v);
    return m ? { mediaType: m[1] ?? "application/octet-stream", data: m[3] } : { url: v };
  }),
  /** `{mediaType, data}` → a `data:` URL (image/png when no type is given). */
  dataUrl: none((v) => (v && typeof v.data === "string" ? `data:${v.mediaType ?? "image/png"};base64,${v.data}` : undefined)),
  /** The media type of base64 image data, from its first bytes; image/png when none is recognised. */
  imageType: none((data) => {
    if (typeof data !== "string") return undefined;
    if (data.startsWith("/9j/")) return "image/jpeg";
    if (data.startsWith("R0lGOD")) return "image/gif";
    if (data.startsWith("UklGR")) return "image/webp";
    return "image/png";
  }),

  // --- ids and clocks
  /** The request's response id: `prefix` (default "msg_") and a random part, made once per request. */
  responseId: withArgs(
    Type.Optional(Type.Object({ prefix: Type.String() }, { additionalProperties: false })),
    (_v, ctx, args?: { prefix?: string }) => (ctx.id ??= `${args?.prefix ?? "msg_"}${randomId()}`),
  ),
  /** A fresh id, `prefix` and a random part, on every call. */
  newId: withArgs(Prefix, (_v, _c, a: { prefix: string }) => `${a.prefix}${randomId()}`),
  /** 0, 1, 2, …: one more on every call within one request (a stream's event numbers). */
  counter: none((_v, ctx: MappingContext) => (ctx.counter = ((ctx.counter as number | undefined) ?? -1) + 1)),
  /** Seconds since the epoch, once per request. */
  createdAt: none((_v, ctx) => (ctx.created ??= Math.floor(Date.now() / 1000))),
  /** The time now, RFC 3339. */
  isoNow: none(() => new Date().toISOString()),
  /** Starts the request's clock (once); gives nothing, so it can sit in a `first:` or a spread. */
  startClock: none((_v, ctx: MappingContext) => void (ctx.startedNs ??= Bun.nanoseconds())),
  /** Nanoseconds since startClock ran for this request (0 when it did not). */
  elapsedNs: none((_v, ctx: MappingContext) => Bun.nanoseconds() - ((ctx.startedNs as number | undefined) ?? Bun.nanoseconds())),
};

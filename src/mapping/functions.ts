// Named transforms every mapping may `call`. Each gets the field's value and the request context;
// protocol-specific escape hatches live beside their protocol and are registered the same way.

/** Per-request context: what mappings may read as `$ctx` and functions may keep state in. */
export interface MappingContext {
  /** The model name the client asked for */
  model?: string;
  /** Response / stream id, fixed for the whole request */
  id?: string;
  created?: number;
  /** In a stream: input tokens estimated from the upstream body's size, until the upstream counts them */
  inputEstimate?: number;
  [k: string]: unknown;
}

export type MappingFunction = (value: any, ctx: MappingContext, args?: any) => unknown;

/**
 * Thrown by a mapping function for input it cannot convert for its target (a tool schema Gemini
 * cannot take): the client's request is at fault, so it answers a 400; `value` is the part refused,
 * by which the answer names its field.
 */
export class Unconvertible extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  if (v.trim() === "") return {};
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]*)*?);base64,(.*)$/s;

export const transforms: Record<string, MappingFunction> = {
  /** JSON text to a value; "" is `{}` (a call with no arguments); invalid JSON is absent. */
  parseJson,
  /** Value to JSON text; objects only, strings pass as they are. */
  stringifyJson: (v) => (v === undefined || typeof v === "string" ? v : JSON.stringify(v)),
  /** A string becomes one text part, an array of blocks passes through. */
  textParts: (v) => (typeof v === "string" ? (v === "" ? [] : [{ type: "text", text: v }]) : v),
  /** Text parts (or a string) joined into one string; absent when there is no text. */
  joinText: (v, _c, args?: { separator?: string }) => {
    if (typeof v === "string") return v;
    if (!Array.isArray(v)) return undefined;
    const texts = v.filter((p) => p && p.type === "text" && typeof p.text === "string").map((p) => p.text as string);
    const text = texts.join(args?.separator ?? "\n");
    return text === "" ? undefined : text;
  },
  /** `data:` URL → {mediaType, data}; anything else → {url} */
  splitDataUrl: (v) => {
    if (typeof v !== "string") return undefined;
    const m = DATA_URL.exec(v);
    return m ? { mediaType: m[1] ?? "application/octet-stream", data: m[3] } : { url: v };
  },
  /** {mediaType, data} → `data:` URL */
  dataUrl: (v) => (v && typeof v.data === "string" ? `data:${v.mediaType ?? "image/png"};base64,${v.data}` : undefined),
  /** A single value or array → array (OpenAI `stop` may be either) */
  toArray: (v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]),
  /** Seconds since the epoch, once per request */
  createdAt: (_v, ctx) => (ctx.created ??= Math.floor(Date.now() / 1000)),
  /** The request's response id, made once per request with the given prefix */
  responseId: (_v, ctx, args?: { prefix?: string }) => (ctx.id ??= `${args?.prefix ?? "msg_"}${randomId()}`),
  /** Sum of the numeric values given, absent when none is a number */
  sum: (v) => {
    if (!Array.isArray(v)) return undefined;
    const nums = v.filter((x) => typeof x === "number");
    return nums.length ? nums.reduce((a, b) => a + b, 0) : undefined;
  },
  /** Whether a list holds the value given as `args` (Gemini's supportedGenerationMethods) */
  includes: (v, _c, args?: unknown) => Array.isArray(v) && v.includes(args),
  /** Boolean negation that keeps absence absent */
  not: (v) => (v === undefined ? undefined : !v),
  /** First number minus the rest (absent numbers count as 0); absent when the first is absent */
  difference: (v) => {
    if (!Array.isArray(v) || typeof v[0] !== "number") return undefined;
    return v.slice(1).reduce((a: number, b) => a - (typeof b === "number" ? b : 0), v[0]);
  },
  /** True when every part is text (so a plain string says the same) */
  onlyText: (v) => Array.isArray(v) && v.every((p) => p?.type === "text"),
  /** Text of thinking parts that carry no signature: reasoning that came from an OpenAI-style model */
  unsignedThinking: (v) => thinkingText(v, (p) => !p.signature),
  /** Text of every readable thinking part: what a client shows as the model's reasoning */
  thinkingText: (v) => thinkingText(v, () => true),
  /** Absent for empty strings, arrays and objects */
  nonEmpty: (v) =>
    v === "" || (Array.isArray(v) && !v.length) || (v && typeof v === "object" && !Object.keys(v).length) ? undefined : v,
  /** Ensures an object (for tool arguments): invalid or absent values become `{}` */
  asObject: (v) => {
    const o = parseJson(v);
    return o && typeof o === "object" && !Array.isArray(o) ? o : {};
  },
  /** The value when it is not a valid JSON object text: keeps a model's malformed arguments */
  rawIfInvalid: (v) => {
    if (typeof v !== "string" || v.trim() === "") return undefined;
    const o = parseJson(v);
    return o && typeof o === "object" && !Array.isArray(o) ? undefined : v;
  },
};

function thinkingText(v: unknown, keep: (p: { signature?: string }) => boolean): string | undefined {
  if (!Array.isArray(v)) return undefined;
  const t = v.filter((p) => p?.type === "thinking" && !p.redacted && keep(p)).map((p) => p.text);
  return t.length ? t.join("") : undefined;
}

export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let s = "";
  for (const b of bytes) s += (b % 36).toString(36);
  return s + Date.now().toString(36);
}

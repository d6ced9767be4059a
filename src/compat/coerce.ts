// Arguments a model wrote, brought to the types of the tool's JSON Schema: models without native
// tool calling often quote numbers and booleans, or write a nested object as a JSON string.

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema };

export function coerce(value: unknown, schema: unknown): unknown {
  if (!schema || typeof schema !== "object") return value;
  const s = schema as Schema;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (!types.length || types.includes(typeOf(value))) return inner(value, s);
  for (const t of types) {
    const v = convert(value, t);
    if (v !== undefined) return inner(v, s);
  }
  return value;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function convert(v: unknown, type: string): unknown {
  if (typeof v === "string") {
    const t = v.trim();
    if ((type === "number" || type === "integer") && t !== "" && !Number.isNaN(Number(t))) {
      const n = Number(t);
      return type === "integer" && !Number.isInteger(n) ? undefined : n;
    }
    if (type === "boolean" && (t === "true" || t === "false")) return t === "true";
    if (type === "null" && t === "null") return null;
    if (type === "object" || type === "array") {
      try {
        const parsed = JSON.parse(t);
        return typeOf(parsed) === type ? parsed : undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  if (type === "number" && typeof v === "number") return v;
  if (type === "string" && (typeof v === "number" || typeof v === "boolean")) return String(v);
  return undefined;
}

/** Recurses into an object's properties and an array's items. */
function inner(v: unknown, s: Schema): unknown {
  if (Array.isArray(v) && s.items) return v.map((x) => coerce(x, s.items));
  if (v && typeof v === "object" && !Array.isArray(v) && s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = s.properties[k] ? coerce(x, s.properties[k]) : x;
    return out;
  }
  return v;
}

// `require:` in a request.decode spec: the client request's required fields and their types,
// checked before decoding so that an error names the field in the caller's own terms.

export type RequireCheck = (body: unknown) => { param: string; message: string } | undefined;

const CHECKS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "string|array": (v) => typeof v === "string" || Array.isArray(v),
  any: () => true,
};

/** Fields are dotted paths into the body (`generationConfig.maxOutputTokens`). */
export function compileRequire(fields: Record<string, string>): RequireCheck {
  const checks = Object.entries(fields).map(([field, type]) => ({
    field,
    steps: field.split("."),
    type,
    ok: CHECKS[type] ?? CHECKS.any!,
  }));
  return (body) => {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return { param: "body", message: "request body must be a JSON object" };
    for (const c of checks) {
      let v: any = body;
      for (const s of c.steps) v = v?.[s];
      if (v === undefined || v === null) return { param: c.field, message: `${c.field}: field required` };
      if (!c.ok(v)) return { param: c.field, message: `${c.field}: must be ${c.type === "string|array" ? "a string or an array" : `of type ${c.type}`}` };
    }
    return undefined;
  };
}

// `require:` in a decode spec: the body's required fields and their types, checked before decoding
// so that an error names the field in the caller's own terms. Every checked body is also bounded in
// depth, so no decode, encode or serialisation after it walks an unbounded nesting.

export type RequireCheck = (body: unknown) => { param: string; message: string } | undefined;

/**
 * How deep a body may nest. Real requests stay far below (a tool schema of 20 levels is rare);
 * JSON.parse takes 100,000 levels, but a recursive walk of them overflows the stack.
 */
export const MAX_DEPTH = 100;

const CHECKS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: isObject,
  "string|array": (v) => typeof v === "string" || Array.isArray(v),
  any: () => true,
};

/**
 * One step of a field: `name`, or `name[]` for each item of an array, or `name[key!=value]` for some
 * of them; `a|b` is whichever of the two is present.
 */
interface Step {
  key: string;
  alternatives?: string[];
  each: boolean;
  filter?: { key: string; value: string; equal: boolean };
}

const STEP = /^([^[\]]+)(?:\[(?:([^[\]=!]+)(!?=)([^[\]]*))?\])?$/;

/** Why a `require:` field is not one this check understands, or undefined. */
export function fieldProblem(field: string): string | undefined {
  const bad = field.split(".").find((s) => !STEP.test(s));
  return bad === undefined ? undefined : `bad step "${bad}": a step is name, a|b, name[] or name[key!=value]`;
}

function parseField(field: string): Step[] {
  return field.split(".").map((s) => {
    const m = STEP.exec(s);
    if (!m) return { key: s, each: false };
    const filter = m[2] === undefined ? undefined : { key: m[2], value: m[4]!, equal: m[3] === "=" };
    const alternatives = m[1]!.includes("|") ? m[1]!.split("|") : undefined;
    return { key: m[1]!, alternatives, each: s.endsWith("]"), filter };
  });
}

/**
 * A type ending in `?` (`stream: boolean?`) is of an optional field: absent is fine, present it is
 * checked, since a value the proxy reads one way and an upstream another cannot be passed on.
 * Fields are dotted paths into the body (`generationConfig.maxOutputTokens`); `messages[].content`
 * checks each message, `messages[role!=assistant].content` each message but the assistant's. An
 * item that is not an object is refused by name (`messages[2]`). Upstream replies are checked the
 * same way (response.decode's `require:`), so a body of another protocol is known for what it is.
 */
export function compileRequire(fields: Record<string, string>, refuse: Record<string, string> = {}): RequireCheck {
  const refused = Object.entries(refuse);
  const checks = Object.entries(fields).map(([field, given]) => {
    const optional = given.endsWith("?");
    const type = optional ? given.slice(0, -1) : given;
    return { steps: parseField(field), type, optional, ok: CHECKS[type] ?? CHECKS.any! };
  });
  return (body) => {
    if (!isObject(body)) return { param: "body", message: "request body must be a JSON object" };
    const deep = tooDeep(body, MAX_DEPTH);
    if (deep) {
      const param = fieldName(deep.reverse());
      return { param, message: `${param}: nested deeper than ${MAX_DEPTH} levels` };
    }
    for (const [field, why] of refused)
      if (body[field] !== undefined && body[field] !== null) return { param: field, message: `${field}: ${why}` };
    for (const c of checks) {
      const problem = checkFrom(body, c, 0, []);
      if (problem) return problem;
    }
    return undefined;
  };
}

type Check = { steps: Step[]; type: string; optional: boolean; ok: (v: unknown) => boolean };
type Problem = { param: string; message: string };

/** Checks `value` from step `from` on; `at` holds the indices taken so far, for a path built only on failure. */
function checkFrom(value: unknown, c: Check, from: number, at: number[]): Problem | undefined {
  let v: any = value;
  for (let i = from; i < c.steps.length; i++) {
    const s = c.steps[i]!;
    v = s.alternatives ? firstPresent(v, s.alternatives) : v?.[s.key];
    if (!s.each) continue;
    // The array's own presence and type are its own field's check (`messages: array`).
    if (!Array.isArray(v)) return undefined;
    const last = i === c.steps.length - 1;
    for (let j = 0; j < v.length; j++) {
      const item = v[j];
      at.push(j);
      const problem = last
        ? checkValue(item, c, i + 1, at)
        : !isObject(item)
          ? { param: pathOf(c.steps, i + 1, at), message: `${pathOf(c.steps, i + 1, at)}: must be an object` }
          : s.filter && (String(item[s.filter.key]) === s.filter.value) !== s.filter.equal
            ? undefined
            : checkFrom(item, c, i + 1, at);
      at.pop();
      if (problem) return problem;
    }
    return undefined;
  }
  return checkValue(v, c, c.steps.length, at);
}

function checkValue(v: unknown, c: Check, steps: number, at: number[]): Problem | undefined {
  if (v === undefined || v === null) {
    if (c.optional) return undefined;
    const field = pathOf(c.steps, steps, at);
    return { param: field, message: `${field}: field required` };
  }
  if (c.ok(v)) return undefined;
  const field = pathOf(c.steps, steps, at);
  return { param: field, message: `${field}: must be ${c.type === "string|array" ? "a string or an array" : `of type ${c.type}`}` };
}

/** `messages[3].content` from the first `count` steps and the indices taken. */
function pathOf(steps: Step[], count: number, at: number[]): string {
  let path = "";
  let k = 0;
  for (let i = 0; i < count; i++) {
    const s = steps[i]!;
    path = path ? `${path}.${s.key}` : s.key;
    if (s.each && k < at.length) path += `[${at[k++]}]`;
  }
  return path;
}

function firstPresent(v: any, keys: string[]): unknown {
  for (const k of keys) if (v?.[k] !== undefined && v[k] !== null) return v[k];
  return undefined;
}

/**
 * The path (innermost key first) to where `v` nests deeper than `left` more levels, or undefined.
 * The recursion is as deep as the limit at most; strings and numbers are never called on.
 */
function tooDeep(v: object, left: number): (string | number)[] | undefined {
  if (left === 0) return [];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== "object" || x === null) continue;
      const path = tooDeep(x, left - 1);
      if (path) return path.push(i), path;
    }
    return undefined;
  }
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x !== "object" || x === null) continue;
    const path = tooDeep(x, left - 1);
    if (path) return path.push(k), path;
  }
  return undefined;
}

/** A field's name for the client: its path down to the last key among the first few steps (`messages[1].content`). */
function fieldName(path: (string | number)[]): string {
  const head = path.slice(0, 6);
  let end = head.length;
  while (end > 1 && typeof head[end - 1] === "number") end--;
  return head.slice(0, end).reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

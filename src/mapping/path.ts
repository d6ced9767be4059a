// Path expressions of the DSL: `$` (current value), `$root`, `$ctx`, then `.name`, `.0` or `[0]`, `["a b"]`.
// `.0` exists because `[` cannot stand unquoted inside YAML flow collections.
// Simple paths compile to plain optional property access; anything else (filters, wildcards,
// recursive descent) is a JSONPath evaluated by jsonpath-plus and yields the array of matches.

export interface SimplePath {
  base: "s" | "r" | "c";
  steps: (string | number)[];
}

const BASES: Record<string, SimplePath["base"]> = { $: "s", $root: "r", $ctx: "c" };
const STEP = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\.(\d+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*"|'[^']*')\])/;

export function isPath(text: string): boolean {
  return text.startsWith("$") && !text.startsWith("$$");
}

/** Parses a simple path, or returns undefined when the path needs full JSONPath. */
export function parseSimplePath(text: string): SimplePath | undefined {
  const head = /^\$(root|ctx)?/.exec(text)!;
  const base = BASES[head[0]]!;
  const steps: (string | number)[] = [];
  let rest = text.slice(head[0].length);
  while (rest.length) {
    const m = STEP.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined || m[3] !== undefined) steps.push(Number(m[2] ?? m[3]));
    else steps.push(m[4]!.startsWith("'") ? m[4]!.slice(1, -1) : JSON.parse(m[4]!));
    rest = rest.slice(m[0].length);
  }
  return { base, steps };
}

/** JavaScript source that reads the path; null reads as undefined so absent and null agree. */
export function pathCode(p: SimplePath): string {
  if (!p.steps.length) return `nn(${p.base})`;
  return `nn(${p.base}${p.steps.map((k) => `?.[${JSON.stringify(k)}]`).join("")})`;
}

// A misspelt directive (`swtich:`) would compile as a literal object and put its own text into every
// output. An object is taken for one when a key is one edit from a directive and every other key
// belongs to that directive (`cases`, `default`, …): a literal object with other fields is left alone.
import { Directives, DIRECTIVE_KEYS } from "./schema.ts";
import { editDistance } from "./near.ts";

/** The keys each directive takes besides its own. */
const COMPANIONS: Record<string, string[]> = Object.fromEntries(
  DIRECTIVE_KEYS.map((d) => [d, Object.keys((Directives[d] as unknown as { properties: object }).properties).filter((k) => k !== d)]),
);

/**
 * One edit away, except that a short directive is not taken for a longer word (`user`, `calls`,
 * `reach` are likely fields, not misspellings of `use`, `call`, `each`), and a two-letter one (`eq`)
 * is not looked for at all: too many field names (`ex`, `e`, `en`) are one edit from it.
 */
function nearDirective(key: string): string | undefined {
  // Lengths more than one apart are more than one edit apart: most keys never reach the distance itself.
  return DIRECTIVE_KEYS.find(
    (d) => d !== key && d.length > 2 && Math.abs(d.length - key.length) <= 1 && editDistance(key.toLowerCase(), d) <= 1 && (d.length > 4 || key.length <= d.length),
  );
}

export function directiveTypo(t: Record<string, unknown>): { key: string; directive: string } | undefined {
  const keys = Object.keys(t);
  for (const key of keys) {
    const directive = nearDirective(key);
    if (directive && keys.every((k) => k === key || COMPANIONS[directive]!.includes(k))) return { key, directive };
  }
  return undefined;
}

// Whether a `when` rule can ever match: it cannot when an earlier rule matches every request it
// does, since the first match wins. Sound, not complete: a cover claimed is a real one.
import { covers } from "./shadow.ts";
import { asRecord, errorAt, type SourceError, type YamlSource } from "./yaml-source.ts";
import { DEFAULT_BACKGROUND, thinkingRank } from "./schema.ts";

type Raw = Record<string, unknown> | undefined;
const TRAITS = ["background", "thinking", "longContext", "images", "tools", "webSearch", "header"] as const;

/** The index of the earlier rule that pre-empts `rule`, if any. */
export function deadRule(earlier: readonly Raw[], rule: Record<string, unknown>): number | undefined {
  const i = earlier.findIndex((e) => e !== undefined && pre(e, rule));
  return i < 0 ? undefined : i;
}

/** Every request `b` matches, `a` matches too: each trait `a` tests, `b` tests at least as narrowly. */
function pre(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return TRAITS.every((t) => a[t] === undefined || (b[t] !== undefined && narrower(t, a[t], b[t])));
}

function narrower(trait: (typeof TRAITS)[number], a: unknown, b: unknown): boolean {
  switch (trait) {
    case "longContext":
      return typeof a === "number" && typeof b === "number" && a <= b;
    case "background": {
      if (a === false || b === false) return a === b;
      const glob = (v: unknown) => (typeof v === "string" ? v : DEFAULT_BACKGROUND);
      return covers(glob(a), glob(b));
    }
    case "tools":
      if (a === true) return b === true || Array.isArray(b);
      if (a === false) return b === false;
      return Array.isArray(a) && Array.isArray(b) && b.every((n) => a.some((m) => typeof m === "string" && typeof n === "string" && covers(m, n)));
    case "thinking": {
      // true asks for any thinking (rank 0); a level for that effort or more
      if (a === false || b === false) return a === b;
      return thinkingRank(a) <= thinkingRank(b);
    }
    case "header": {
      const ha = a as Record<string, unknown>;
      const hb = Object.fromEntries(Object.entries((b ?? {}) as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
      return Object.entries(ha ?? {}).every(([k, v]) => {
        const w = hb[k.toLowerCase()];
        return typeof v === "string" && typeof w === "string" && covers(v, w);
      });
    }
    default:
      return a === b;
  }
}

/** A rule's `use` must name an entry of the same scope; a rule an earlier one always pre-empts never matches. */
export function checkRules(source: YamlSource, at: string[], models: unknown, out: SourceError[]): void {
  const entries = asRecord(models) ?? {};
  for (const [pattern, entry] of Object.entries(entries)) {
    const rules = asRecord(entry)?.when;
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, i) => {
      const r = asRecord(rule);
      if (!r) return;
      if (typeof r.use === "string" && r.use && !Object.hasOwn(entries, r.use)) {
        const known = Object.keys(entries).join(", ") || "none";
        out.push(errorAt(source, [...at, pattern, "when", i, "use"], `"${r.use}" names no model entry here (entries: ${known})`));
      }
      const dead = deadRule(rules.slice(0, i).map(asRecord), r);
      if (dead !== undefined)
        out.push(errorAt(source, [...at, pattern, "when", i], `never matches: rule ${dead + 1} above it matches every request it does (the first match wins)`));
    });
  }
}

// Figures per round, keyed by "direction target": a slot's own, its value over the direct call's of
// the same round, and one slot against another of the same round; and the markdown they print as.
import type { Direction } from "./payloads.ts";
import type { TargetName } from "./targets.ts";
import { summarize, type Summary } from "./stats.ts";

export const key = (d: Direction, t: TargetName) => `${d} ${t}`;
export const f = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
/** "median (min…max)" over rounds */
export const sum = (s: Summary, digits = 3, scale = 1) =>
  s.n ? `${f(s.median * scale, digits)} (${f(s.lo * scale, digits)}…${f(s.hi * scale, digits)})` : "–";

/** Per round: the slot's value minus the direct call's value in the same round. */
export function added<T>(r: Record<string, T[]>, d: Direction, t: TargetName, get: (x: T) => number): Summary {
  return between(r, d, t, "direct", get);
}
export const own = <T>(r: Record<string, T[]>, d: Direction, t: TargetName, get: (x: T) => number) => summarize((r[key(d, t)] ?? []).map(get));
/** Per round: slot − other slot of the same round. */
export function between<T>(r: Record<string, T[]>, d: Direction, a: TargetName, b: TargetName, get: (x: T) => number): Summary {
  const xs = r[key(d, a)] ?? [];
  const ys = r[key(d, b)] ?? [];
  return summarize(xs.map((x, i) => (ys[i] ? get(x) - get(ys[i]!) : NaN)));
}
/** Per round: slot ÷ other slot of the same round. */
export function ratio<T>(r: Record<string, T[]>, d: Direction, a: TargetName, b: TargetName, get: (x: T) => number): Summary {
  const xs = r[key(d, a)] ?? [];
  const ys = r[key(d, b)] ?? [];
  return summarize(xs.map((x, i) => (ys[i] ? get(x) / get(ys[i]!) : NaN)));
}

export function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

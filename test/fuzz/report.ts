// The fuzz table: per route × per mutation, cases and violations; and the violations themselves.
import type { Result } from "./runner.ts";

export interface Tally {
  cases: number;
  violations: number;
}

function tally(results: Result[], key: (r: Result) => string): Map<string, Tally> {
  const m = new Map<string, Tally>();
  for (const r of results) {
    const t = m.get(key(r)) ?? { cases: 0, violations: 0 };
    t.cases++;
    if (r.violations.length) t.violations++;
    m.set(key(r), t);
  }
  return m;
}

const cell = (t: Tally | undefined) => (!t ? "-" : t.violations ? `${t.cases}/${t.violations}!` : String(t.cases));

/** The matrix (cells are "cases" or "cases/violations!"), then totals per route and per mutation. */
export function table(results: Result[]): string {
  const routes = [...new Set(results.map((r) => r.route))];
  const mutations = [...new Set(results.map((r) => r.mutation))];
  const byPair = tally(results, (r) => `${r.route}\u0000${r.mutation}`);
  const byRoute = tally(results, (r) => r.route);
  const byMutation = tally(results, (r) => r.mutation);
  const w = Math.max(...routes.map((r) => r.length), 5);
  const cols = mutations.map((m) => Math.max(m.length, 7));
  const lines: string[] = [];
  lines.push(["route".padEnd(w), ...mutations.map((m, i) => m.padStart(cols[i]!)), "  total", " viol."].join(" "));
  for (const route of routes) {
    const t = byRoute.get(route)!;
    lines.push([route.padEnd(w), ...mutations.map((m, i) => cell(byPair.get(`${route}\u0000${m}`)).padStart(cols[i]!)), String(t.cases).padStart(7), String(t.violations).padStart(6)].join(" "));
  }
  const total = results.length;
  const bad = results.filter((r) => r.violations.length).length;
  lines.push(["total".padEnd(w), ...mutations.map((m, i) => cell(byMutation.get(m)).padStart(cols[i]!)), String(total).padStart(7), String(bad).padStart(6)].join(" "));
  return lines.join("\n");
}

export function statuses(results: Result[]): string {
  const m = tally(results, (r) => String(r.status));
  return [...m].sort().map(([s, t]) => `${s}: ${t.cases}`).join(", ");
}

/** One line per violating case: enough to replay it (`--only INDEX`). */
export function violations(results: Result[], seed: number, max = 50): string {
  const bad = results.filter((r) => r.violations.length);
  const lines = bad.slice(0, max).map((r) => `#${r.index} ${r.route} ${r.mutation} [${r.prefix || "/"} → ${r.upstream}] (${r.note}): ${r.violations.map((v) => `${v.kind}: ${v.detail}`).join("; ")}`);
  if (bad.length > max) lines.push(`… and ${bad.length - max} more`);
  if (bad.length) lines.push(`replay one: bun run fuzz --seed ${seed} --only INDEX`);
  return lines.join("\n");
}

// `ccproxy models`: what each route serves, route by route (the root's, then each group's): the
// names clients may send and where they go, from the config and, for routes whose targets take any
// name, from each upstream's own model list where it can be fetched. A table, or `--json`.
import type { ParsedArgs } from "./args.ts";
import { load, printErrors } from "./start.ts";
import { printable } from "./console.ts";
import { Catalogs, type CatalogStatus } from "../convert/catalogs.ts";
import { servedModels } from "../convert/models.ts";
import { redactor, secretsOf } from "../config/secrets.ts";
import type { ModelRoute, ResolvedConfig } from "../config/schema.ts";

export interface ModelsIO {
  out: (line: string) => void;
  env: Record<string, string | undefined>;
}

interface RouteView {
  pattern: string;
  targets: string[];
  names: { name: string; to: string[]; contextLength?: number }[];
}

interface ScopeView {
  /** Absent for the root */
  group?: string;
  routes: RouteView[];
}

export async function models(args: ParsedArgs, given: ModelsIO = { out: (l) => console.log(l), env: process.env }): Promise<number> {
  const loaded = load(args, given.env);
  if (loaded.errors.length || !loaded.config || !loaded.mappings?.mappings) return printErrors(loaded.errors), 1;
  const config = loaded.config;
  // Upstreams' words (names, errors) are printed: every secret cut out, control characters escaped.
  const redact = redactor(secretsOf(config));
  const out = (line: string) => given.out(printable(redact(line)));
  const catalogs = new Catalogs(redact);
  await catalogs.warm(config, { mappings: loaded.mappings.mappings }); // each fetch is bounded by its own timeout
  const scopes = scopeViews(config, catalogs);
  const lists = catalogs.status();
  if (args.json) out(JSON.stringify({ scopes, catalogs: lists }));
  else printTable(scopes, lists, out);
  return 0;
}

function scopeViews(config: ResolvedConfig, catalogs: Catalogs): ScopeView[] {
  const view = (models: readonly ModelRoute[]): RouteView[] => {
    const served = servedModels({ config, catalogs }, models);
    return models.map((route) => ({
      pattern: route.pattern,
      targets: route.targets.map((t) => `${t.provider}/${t.model}`),
      names: served
        .filter((m) => m.pattern === route.pattern)
        .map((m) => ({ name: m.id, to: m.targets, ...(m.contextLength !== undefined && { contextLength: m.contextLength }) })),
    }));
  };
  return [{ routes: view(config.models) }, ...Object.values(config.groups).map((g) => ({ group: g.name, routes: view(g.models) }))];
}

function printTable(scopes: ScopeView[], lists: CatalogStatus[], out: (line: string) => void): void {
  for (const scope of scopes) {
    out(scope.group ? `group ${scope.group} (/${scope.group}/…):` : "models:");
    if (!scope.routes.length) out("  (no routes)");
    for (const r of scope.routes) {
      out(`  ${r.pattern} → ${r.targets.join(", ")}`);
      const width = Math.max(0, ...r.names.map((n) => n.name.length));
      for (const n of r.names) {
        const ctx = n.contextLength !== undefined ? `  (${n.contextLength} tokens)` : "";
        out(`      ${n.name.padEnd(width)}  → ${n.to.join(", ")}${ctx}`);
      }
      if (!r.names.length) out("      (no names known)");
    }
  }
  if (!lists.length) return;
  out("upstream model lists:");
  for (const c of lists) out(`  ${c.provider}: ${c.error ? `not fetched: ${c.error}` : `${c.models} models`}`);
}

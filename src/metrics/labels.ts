// Label values the metrics may take, bounded by the config: a client names any model it likes, and
// a `*` target sends that name upstream, so a name becomes a label only when the config spells it out.
import type { ModelRoute, ResolvedConfig } from "../config/schema.ts";
import { resolveModel } from "../config/resolve.ts";

/** What a name the config does not serve is counted as */
export const OTHER = "other";

/** Names remembered per scope, then forgotten all at once: a flood of new names costs lookups, never memory. */
const MEMO_LIMIT = 1000;

export class Labels {
  /** Every target a route names as written (`provider/model`, no `*`), in any scope */
  private readonly targets = new Set<string>();
  private readonly providerOther = new Map<string, string>();
  private readonly models = new Map<string | undefined, Map<string, string>>();
  private readonly targetMemo = new Map<string, string>();

  constructor(readonly config: ResolvedConfig) {
    for (const routes of [config.models, ...Object.values(config.groups).map((g) => g.models)])
      for (const r of routes) for (const t of r.targets) if (!t.model.includes("*")) this.targets.add(`${t.provider}/${t.model}`);
    for (const name of Object.keys(config.providers)) this.providerOther.set(name, `${name}/${OTHER}`);
  }

  /**
   * A requested model's label: the route that serves it in its scope (root or `group`), by the name
   * the config gives it (a glob stays a glob), or a `provider/model` the config routes to; else OTHER.
   * Undefined when the request named none.
   */
  model(name: string | undefined, group: string | undefined): string | undefined {
    if (name === undefined) return undefined;
    let memo = this.models.get(group);
    if (!memo) this.models.set(group, (memo = new Map()));
    const hit = memo.get(name);
    if (hit !== undefined) return hit;
    const label = this.resolve(name, group);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(name, label);
    return label;
  }

  /** An attempt's `provider/model` as a label: as is when a route names it, else `provider/other`. */
  target(target: string | undefined): string | undefined {
    if (target === undefined) return undefined;
    const hit = this.targetMemo.get(target);
    if (hit !== undefined) return hit;
    const label = this.targets.has(target) ? target : this.providerOther.get(target.slice(0, target.indexOf("/"))) ?? OTHER;
    if (this.targetMemo.size >= MEMO_LIMIT) this.targetMemo.clear();
    this.targetMemo.set(target, label);
    return label;
  }

  private resolve(name: string, group: string | undefined): string {
    const routes: readonly ModelRoute[] | undefined = group === undefined ? this.config.models : this.config.groups[group]?.models;
    if (!routes) return OTHER;
    const direct = group === undefined && this.config.directModels ? this.config.providers : undefined;
    const hit = resolveModel(routes, name, direct);
    if (!hit) return OTHER;
    if (routes.includes(hit.entry)) return hit.entry.pattern || OTHER;
    return this.targets.has(name) ? name : OTHER; // named directly as `provider/model`
  }
}

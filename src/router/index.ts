// The router: a proxy model's targets × each provider's keys, in the order a request tries them.
// Keys rotate round-robin per provider so load spreads over all of them.
import { resolveModel } from "../config/load.ts";
import type { ModelRoute, ResolvedConfig, ResolvedProvider } from "../config/schema.ts";

export interface Attempt {
  provider: ResolvedProvider;
  /** The upstream model name */
  model: string;
  key?: string;
  /** How logs and errors name the key: never the key itself */
  keyLabel: string;
}

export interface Plan {
  route: ModelRoute;
  attempts: Attempt[];
}

export class Router {
  private readonly turn = new Map<string, number>();

  constructor(private readonly config: ResolvedConfig) {}

  /** The attempts for one request, or undefined when no route knows the model. */
  plan(models: readonly ModelRoute[], name: string): Plan | undefined {
    const hit = resolveModel(models, name, this.config.providers);
    if (!hit) return undefined;
    const attempts: Attempt[] = [];
    for (const t of hit.targets) {
      const provider = this.config.providers[t.provider];
      if (!provider) continue;
      if (!provider.keys.length) {
        attempts.push({ provider, model: t.model, keyLabel: `${provider.name}/none` });
        continue;
      }
      const start = this.next(provider);
      for (let i = 0; i < provider.keys.length; i++) {
        const k = (start + i) % provider.keys.length;
        attempts.push({ provider, model: t.model, key: provider.keys[k], keyLabel: `${provider.name}#${k + 1}` });
      }
    }
    return { route: hit.entry, attempts: attempts.slice(0, Math.max(1, this.config.limits.attempts)) };
  }

  private next(p: ResolvedProvider): number {
    const n = this.turn.get(p.name) ?? 0;
    this.turn.set(p.name, n + 1);
    return n % p.keys.length;
  }
}

// The router: a proxy model's targets × each provider's keys form a pool; requests rotate over the
// pool round-robin (a target's weight repeats its pairs in the rotation), and a request's attempts
// are the pool's pairs from its turn on, healthy ones first, cooling ones last, soonest back first.
import { resolveModel } from "../config/load.ts";
import type { ModelRoute, ResolvedConfig, ResolvedProvider } from "../config/schema.ts";
import { Health, type Failure, type HealthNews, type HealthState } from "./health.ts";
import { keyHashesOf } from "./ids.ts";
import { PairBook, TIER_LIMIT } from "./pairs.ts";

/** One target × key pair: what an attempt is made with. */
export interface Pair {
  provider: ResolvedProvider;
  /** The upstream model name */
  model: string;
  /** `provider/model`: how errors, the log and metrics name the target; one string per pair, not one per request */
  target: string;
  key?: string;
  /** How logs and errors name the key: never the key itself */
  keyLabel: string;
  /** The pair's health id, local to this config (its key label names a list position) */
  id: string;
  /**
   * The key's hash (ids.ts): with the provider's name and the model, how every replica names the
   * pair (`provider/model#hash`, pairIdOf), whatever order its config lists the keys in
   */
  keyHash: string;
  /** A pair of a call that names no model (a model list): not among the targets the status lists */
  unlisted?: boolean;
}

/** A provider's keys as pairs for a call that names no model (its model list), in the config's order. */
export function keyPairsOf(provider: ResolvedProvider): Pair[] {
  const keys = provider.keys.length ? provider.keys : [undefined];
  const hashes = keyHashesOf(provider);
  return keys.map((key, k) => {
    const keyLabel = keyLabelOf(provider, k);
    return { provider, model: "", target: `${provider.name}/`, key, keyLabel, id: `${keyLabel} (model list)`, keyHash: hashes[k]!, unlisted: true };
  });
}

/** The label of a provider's `k`th key (from 0): logs and errors name keys by it, never the key itself. */
const keyLabelOf = (provider: ResolvedProvider, k: number) => (provider.keys.length ? `${provider.name}#${k + 1}` : `${provider.name}/none`);

/** Where a router's health changes go when replicas share them (router/share.ts), off the request path. */
export interface HealthSink {
  publish(news: HealthNews): void;
  /** Whether the replicas' shared store answers now */
  readonly connected: boolean;
}

export interface Plan {
  route: ModelRoute;
  attempts: Pair[];
}

export interface PairStatus {
  provider: string;
  model: string;
  key: string;
  state: "healthy" | "cooling";
  coolingUntil?: string;
  failures: number;
  lastError?: { status?: number; message: string; at: string };
}

/** A name's pairs and rotation; `seen` marks pairs taken by the plan being made (stamped, not cleared). */
interface Pool {
  entry: ModelRoute;
  pairs: Pair[];
  cycle: number[];
  seen: Uint32Array;
  stamp: number;
}

const POOL_CACHE_LIMIT = 1024;
/** The most pairs /admin/status lists, and the router remembers: failed ones and never-failed ones, a tier each */
export const PAIR_LIMIT = 2 * TIER_LIMIT;

export class Router {
  private readonly turns = new Map<string, number>();
  private readonly pools = new WeakMap<readonly ModelRoute[], Map<string, Pool>>();
  private readonly pairs: Health;
  private readonly keys: Health;
  /** The pairs planned, served or failed, within PAIR_LIMIT; a failed pair pushed out takes its health with it */
  private readonly known = new PairBook((id) => this.pairs.forget(id));
  /**
   * Targets (`provider/model`) that refused native tools; tool compatibility `auto` sends them
   * prompts instead. Bounded like the pairs: with a `*` target the model is the client's to name.
   */
  private readonly toolless = new Set<string>();
  /** Set when replicas share health: each change of a pair's or key's health is told to it */
  share?: HealthSink;
  /** A key's label by provider and key hash: what the other replicas' news name */
  private labels?: Map<string, Map<string, string>>;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.pairs = new Health(now);
    this.keys = new Health(now);
  }

  /** The attempts for one request, or undefined when no route knows the model. */
  plan(models: readonly ModelRoute[], name: string): Plan | undefined {
    const pool = this.pool(models, name);
    if (!pool) return undefined;
    const { cycle, pairs, seen } = pool;
    if (!cycle.length) return { route: pool.entry, attempts: [] };
    const turn = this.turns.get(pool.entry.pattern) ?? 0;
    this.turns.set(pool.entry.pattern, turn + 1);
    // Each pair once, in rotation order from this turn: healthy ones first, cooling ones after.
    const limit = Math.max(1, this.config.limits.attempts);
    const stamp = (pool.stamp = (pool.stamp + 1) >>> 0 || 1);
    const healthy: Pair[] = [];
    let cooling: Pair[] | undefined;
    let unique = 0;
    for (let i = 0; i < cycle.length && unique < pairs.length && healthy.length < limit; i++) {
      const u = cycle[(turn + i) % cycle.length]!;
      if (seen[u] === stamp) continue;
      seen[u] = stamp;
      unique++;
      const a = pairs[u]!;
      if (this.isCooling(a)) (cooling ??= []).push(a);
      else healthy.push(a);
    }
    if (healthy.length >= limit || !cooling) return { route: pool.entry, attempts: healthy.slice(0, limit) };
    cooling.sort((a, b) => this.back(a) - this.back(b));
    return { route: pool.entry, attempts: [...healthy, ...cooling].slice(0, limit) };
  }

  /**
   * The first pair a name resolves to, without moving the rotation: what existence checks and
   * model details need (a model's details must not shift which key the next chat gets).
   */
  peek(models: readonly ModelRoute[], name: string): Pair | undefined {
    const pool = this.pool(models, name);
    const first = pool?.cycle[0];
    return first === undefined ? undefined : pool!.pairs[first];
  }

  /** The model entry a name resolves to (cached with its pool), for its `when` rules. */
  entry(models: readonly ModelRoute[], name: string): ModelRoute | undefined {
    return this.pool(models, name)?.entry;
  }

  /** Whether a name resolves to anything to try, without moving the rotation. */
  has(models: readonly ModelRoute[], name: string): boolean {
    return !!this.pool(models, name)?.cycle.length;
  }

  /**
   * A requested name's pool, made once per scope (root or group) and name: its pairs, and the
   * rotation as indexes into them (a target's weight repeats its pairs). Names come from clients,
   * so the cache is bounded.
   */
  private pool(models: readonly ModelRoute[], name: string): Pool | undefined {
    let byName = this.pools.get(models);
    if (!byName) this.pools.set(models, (byName = new Map()));
    const cached = byName.get(name);
    if (cached) return cached;
    // Direct `provider/model` naming is the root scope's, and only when the config allows it.
    const direct = models === this.config.models && this.config.directModels ? this.config.providers : undefined;
    const hit = resolveModel(models, name, direct);
    if (!hit) return undefined;
    const pairs: Pair[] = [];
    const cycle: number[] = [];
    for (const t of hit.targets) {
      const provider = this.config.providers[t.provider];
      if (!provider) continue;
      const first = pairs.length;
      if (provider.keys.length) provider.keys.forEach((key, k) => pairs.push(this.pair(provider, t.model, k, key)));
      else pairs.push(this.pair(provider, t.model, 0));
      for (let w = 0; w < (t.weight ?? 1); w++) for (let u = first; u < pairs.length; u++) cycle.push(u);
    }
    const pool: Pool = { entry: hit.entry, pairs, cycle, seen: new Uint32Array(pairs.length), stamp: 0 };
    if (byName.size >= POOL_CACHE_LIMIT) byName.clear();
    byName.set(name, pool);
    return pool;
  }

  /** A provider's keys as pairs (keyPairsOf), those not cooling first: a key refused anywhere is tried last. */
  keyPairs(provider: ResolvedProvider): Pair[] {
    const pairs = keyPairsOf(provider);
    return [...pairs.filter((a) => !this.isCooling(a)), ...pairs.filter((a) => this.isCooling(a))];
  }

  succeed(a: Pair): void {
    if (!a.unlisted) this.known.used(a.id, pairInfo(a));
    if (this.pairs.succeed(a.id) && !a.unlisted) this.tell("pair", a);
    if (this.keys.succeed(a.keyLabel)) this.tell("key", a);
  }

  /** A refused key cools down on every model; any other failure cools the pair alone. */
  fail(a: Pair, f: Failure): void {
    if (!a.unlisted) this.known.failedOnce(a.id, pairInfo(a));
    if (f.status === 401 || f.status === 403) this.tell("key", a, this.keys.fail(a.keyLabel, f));
    else {
      const s = this.pairs.fail(a.id, f);
      if (!a.unlisted) this.tell("pair", a, s); // a model list's pair has no model to name it by
    }
  }

  /**
   * Another replica's news of a pair or key, applied to this one's state and told to no one (no
   * echo). News of a provider or key this config does not have is not this replica's concern.
   */
  hear(n: HealthNews): void {
    const provider = this.config.providers[n.provider];
    const keyLabel = provider && this.labelOf(provider, n.key);
    if (!keyLabel) return;
    const message = `${n.kind === "key" ? "key" : "pair"} ${n.until ? "cooling" : "recovered"} on another replica${n.status ? ` (${n.status})` : ""}`;
    if (n.kind === "key") return this.keys.apply(keyLabel, n, message);
    const id = `${keyLabel}/${n.model}`;
    if (n.until > this.now()) this.known.failedOnce(id, { provider: provider.name, model: n.model, keyLabel });
    this.pairs.apply(id, n, message);
  }

  refusesTools(target: string): boolean {
    return this.toolless.has(target);
  }

  markRefusesTools(target: string): void {
    if (this.toolless.size >= PAIR_LIMIT && !this.toolless.has(target)) this.toolless.delete(this.toolless.values().next().value!);
    this.toolless.add(target);
  }

  /**
   * What a reloaded config's router keeps from this one: the targets known to refuse tools (a fact
   * about the model). Pair health is not kept: key labels name positions in a list that may have
   * changed. (Shared health is read again from Redis by the new router: share.ts.)
   */
  handOver(next: Router): Router {
    for (const t of this.toolless) next.toolless.add(t);
    return next;
  }

  /** Every pair that has served or failed, for /admin/status: key labels only, never keys. */
  status(): PairStatus[] {
    return [...this.known.entries()].map(([id, p]): PairStatus => {
      const pair = this.pairs.get(id);
      const key = this.keys.get(p.keyLabel);
      const until = Math.max(pair?.coolUntil ?? 0, key?.coolUntil ?? 0);
      const last = [pair?.lastError, key?.lastError].filter((e) => e).sort((x, y) => y!.at - x!.at)[0];
      return {
        provider: p.provider,
        model: p.model,
        key: p.keyLabel,
        state: until > this.now() ? "cooling" : "healthy",
        ...(until > this.now() && { coolingUntil: new Date(until).toISOString() }),
        failures: (pair?.failures ?? 0) + (key?.failures ?? 0),
        ...(last && { lastError: { status: last.status, message: last.message, at: new Date(last.at).toISOString() } }),
      };
    });
  }

  private pair(provider: ResolvedProvider, model: string, k: number, key?: string): Pair {
    const keyLabel = keyLabelOf(provider, k);
    const id = `${keyLabel}/${model}`;
    this.known.used(id, { provider: provider.name, model, keyLabel });
    return { provider, model, target: `${provider.name}/${model}`, key, keyLabel, id, keyHash: keyHashesOf(provider)[k]! };
  }

  /** Tells the sharing, when there is one, that a pair's or key's health changed: cooling until `s.coolUntil`, or recovered. */
  private tell(kind: HealthNews["kind"], a: Pair, s?: HealthState): void {
    if (!this.share) return;
    const until = s?.coolUntil ?? 0;
    this.share.publish({ kind, provider: a.provider.name, model: kind === "pair" ? a.model : "", key: a.keyHash, until, failures: s?.failures ?? 0, status: s?.lastError?.status, at: this.now() });
  }

  private labelOf(provider: ResolvedProvider, hash: string): string | undefined {
    this.labels ??= new Map();
    let byHash = this.labels.get(provider.name);
    if (!byHash) this.labels.set(provider.name, (byHash = new Map(keyHashesOf(provider).map((h, k) => [h, keyLabelOf(provider, k)]))));
    return byHash.get(hash);
  }

  private isCooling(a: Pair): boolean {
    return this.pairs.cooling(a.id) || this.keys.cooling(a.keyLabel);
  }

  private back(a: Pair): number {
    return Math.max(this.pairs.get(a.id)?.coolUntil ?? 0, this.keys.get(a.keyLabel)?.coolUntil ?? 0);
  }
}

const pairInfo = (a: Pair) => ({ provider: a.provider.name, model: a.model, keyLabel: a.keyLabel });

// What a scope (the root, or a group) serves, by name: the concrete names its routes give, and for
// routes whose targets take any name, the names of each upstream's catalog that the route's pattern
// admits, as a client would send them. Model lists, /api/show and unknown-model errors read this.
import type { ModelRoute, ResolvedProvider } from "../config/schema.ts";
import { globToRegExp, resolveModel } from "../config/resolve.ts";
import { editDistance } from "../mapping/near.ts";
import type { MappingSet, ProtocolName } from "../mapping/load.ts";
import type { ResolvedConfig } from "../config/schema.ts";
import { listedProviders, type Catalogs } from "./catalogs.ts";

/** What model lists are made from: the engine, seen from here (the engine itself is the spine's, above this module) */
interface Sources {
  config: ResolvedConfig;
  mappings: MappingSet;
  catalogs?: Catalogs;
}

const STARTED = Math.floor(Date.now() / 1000);
/** A list holds at most this many names (each upstream's catalog is bounded too) */
const MAX_LISTED = 5_000;

export interface ServedModel {
  /** The name a client sends */
  id: string;
  /** The route that serves it */
  pattern: string;
  /** Where it goes: `provider/model`, in the route's order */
  targets: string[];
  /** From the first target's catalog, where it says */
  contextLength?: number;
  /** The provider of a name taken from a catalog; "ccproxy" for the config's own names */
  ownedBy: string;
}

const isGlob = (s: string) => /[*?]/.test(s);
/** `name:latest` and `name` are one Ollama model: listed once */
const canonical = (id: string) => (id.endsWith(":latest") ? id.slice(0, -7) : id);

/** Concrete names only, from the config alone: a glob names no model, but each concrete target does. */
export function modelNames(models: readonly ModelRoute[]): string[] {
  const names = new Set<string>();
  for (const m of models) {
    if (!isGlob(m.pattern)) names.add(m.pattern);
    for (const t of m.targets) if (!t.model.includes("*")) names.add(`${t.provider}/${t.model}`);
  }
  return [...names];
}

// Remade only when the scope's routes or a catalog change.
const made = new WeakMap<readonly ModelRoute[], { version: number; served: ServedModel[] }>();

/** Everything a scope serves, from the config and the catalogs as they are now (nothing is fetched here). */
export function servedModels(engine: Pick<Sources, "config" | "catalogs">, models: readonly ModelRoute[]): ServedModel[] {
  const version = engine.catalogs?.version ?? 0;
  const cached = made.get(models);
  if (cached && cached.version === version) return cached.served;
  const { config } = engine;
  const direct = models === config.models && config.directModels ? config.providers : undefined;
  const byName = new Map<string, ServedModel>();
  const catalogOf = (p: ResolvedProvider | undefined) => (p && engine.catalogs?.peek(p)) || [];
  const contextOf = (provider: string, model: string) => catalogOf(config.providers[provider]).find((c) => c.id === model)?.contextLength;
  const add = (id: string, route: ModelRoute, ownedBy: string, contextLength?: number) => {
    const key = canonical(id);
    if (byName.has(key) || byName.size >= MAX_LISTED) return;
    const hit = resolveModel(models, id, direct);
    const targets = (hit?.targets ?? route.targets).map((t) => `${t.provider}/${t.model}`);
    const first = hit?.targets[0];
    const ctx = contextLength ?? (first && contextOf(first.provider, first.model));
    byName.set(key, { id, pattern: route.pattern, targets, ownedBy, ...(ctx !== undefined && { contextLength: ctx }) });
  };
  for (const route of models) {
    if (!isGlob(route.pattern)) add(route.pattern, route, "ccproxy");
    for (const t of route.targets) if (!t.model.includes("*")) add(`${t.provider}/${t.model}`, route, t.provider);
  }
  for (const route of models) {
    if (!isGlob(route.pattern)) continue;
    for (const t of route.targets) {
      if (!t.model.includes("*")) continue;
      const inverse = t.model === "*" ? undefined : globToRegExp(t.model);
      for (const m of catalogOf(config.providers[t.provider])) {
        const id = proxyName(route.pattern, inverse, m.id);
        if (id === undefined) continue;
        // Only a name this very route would send to this very target: first match wins across routes.
        const hit = resolveModel(models, id, direct);
        if (hit?.entry !== route || !hit.targets.some((x) => x.provider === t.provider && canonical(x.model) === canonical(m.id))) continue;
        add(id, route, t.provider, m.contextLength);
      }
    }
  }
  const served = [...byName.values()];
  made.set(models, { version, served });
  return served;
}

/** The name a client sends for upstream model `id`: the inverse of a route's `*` substitution. */
function proxyName(pattern: string, targetGlob: RegExp | undefined, id: string): string | undefined {
  if (!targetGlob) return id;
  const star = targetGlob.exec(id)?.[1];
  return star === undefined ? undefined : pattern === "*" ? star : pattern.replace("*", star);
}

/**
 * Context lengths of model families whose catalogs do not say (OpenAI's list gives none), for
 * clients that size their prompts by /api/show; a name matching none gets no figure at all.
 * @see https://platform.openai.com/docs/models
 * @see https://docs.anthropic.com/en/docs/about-claude/models/overview
 */
const KNOWN_CONTEXT: [RegExp, number][] = [
  [/^gpt-4\.1/, 1_047_576],
  [/^(gpt-4o|gpt-4-turbo|chatgpt-4o)/, 128_000],
  [/^(o1|o3|o4)(-|$)/, 200_000],
  [/^claude-/, 200_000],
  [/^gemini-/, 1_048_576],
];

/** A target's context length: its catalog's figure, else a known family's, else undefined. */
export function contextLengthOf(engine: { catalogs?: Catalogs }, provider: ResolvedProvider, model: string): number | undefined {
  const said = engine.catalogs?.peek(provider)?.find((c) => canonical(c.id) === canonical(model))?.contextLength;
  return said ?? KNOWN_CONTEXT.find(([re]) => re.test(model))?.[1];
}

/** The providers whose catalogs a scope's list draws on. */
function scopeProviders(engine: Sources, models: readonly ModelRoute[]): ResolvedProvider[] {
  const names = new Set(models.flatMap((m) => m.targets.filter((t) => t.model.includes("*")).map((t) => t.provider)));
  return listedProviders(engine.config).filter((p) => names.has(p.name));
}

/** What a list or /api/show needs: the scope's catalogs, fetched if never fetched (briefly waited for). */
export async function servedNow(engine: Sources, models: readonly ModelRoute[]): Promise<ServedModel[]> {
  if (engine.catalogs) await engine.catalogs.forList(scopeProviders(engine, models), engine.mappings);
  return servedModels(engine, models);
}

/** Claude's list is paged by `limit` (default 20), `after_id` and `before_id`; the others list all. */
export async function listModels(engine: Sources, client: ProtocolName, models: readonly ModelRoute[], query?: URLSearchParams): Promise<Response> {
  let page = await servedNow(engine, models);
  let hasMore = false;
  if (client === "claude") ({ page, hasMore } = claudePage(page, query));
  const list = {
    models: page.map((m) => ({
      id: m.id,
      created: STARTED,
      createdAt: new Date(STARTED * 1000).toISOString(),
      ownedBy: m.ownedBy,
      contextLength: m.contextLength,
    })),
    last: page.at(-1)?.id,
    hasMore,
  };
  return Response.json(engine.mappings[client].spec["models.encode"].run(list, {}));
}

/**
 * One page as Claude's API gives it: `after_id` pages forward, `before_id` back (the official SDK
 * passes `last_id` or `first_id` as the next cursor while `has_more` says so).
 * @see https://docs.anthropic.com/en/api/models-list
 */
function claudePage<T extends { id: string }>(all: T[], query: URLSearchParams | undefined): { page: T[]; hasMore: boolean } {
  const asked = Number(query?.get("limit") ?? 20);
  const limit = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), 1000) : 20;
  const before = query?.get("before_id");
  const after = query?.get("after_id");
  if (before) {
    const end = all.findIndex((m) => m.id === before);
    if (end < 0) return { page: [], hasMore: false };
    const start = Math.max(0, end - limit);
    return { page: all.slice(start, end), hasMore: start > 0 };
  }
  const start = after ? all.findIndex((m) => m.id === after) + 1 : 0;
  if (after && start === 0) return { page: [], hasMore: false };
  return { page: all.slice(start, start + limit), hasMore: start + limit < all.length };
}

/**
 * The error for a name nothing serves, naming the nearest names that are served. Only what is
 * already known is read (no catalog is fetched on an error path), and the comparison is bounded.
 */
export function unknownModelMessage(engine: Pick<Sources, "config" | "catalogs">, models: readonly ModelRoute[], name: string): string {
  const said = `model "${name}" is not served by this proxy`;
  const near = nearestNames(name, servedModels(engine, models).map((m) => m.id));
  return near.length ? `${said}; the nearest it serves: ${near.join(", ")}` : said;
}

const NEAR_CHARS = 64;
const NEAR_COUNT = 3;

/** Up to three names within a few edits of `name` (about a third of its length), nearest first. */
export function nearestNames(name: string, candidates: readonly string[]): string[] {
  const word = name.toLowerCase().slice(0, NEAR_CHARS);
  const max = Math.max(2, Math.ceil(word.length / 3));
  const scored: { id: string; d: number }[] = [];
  for (const id of candidates) {
    const c = id.toLowerCase().slice(0, NEAR_CHARS);
    // A name the client cut short is near; one whose length is too far off cannot be, unlooked at.
    const d = c.startsWith(word) ? 1 : Math.abs(c.length - word.length) > max ? Infinity : editDistance(word, c);
    if (d <= max) scored.push({ id, d });
  }
  return scored
    .sort((a, b) => a.d - b.d)
    .slice(0, NEAR_COUNT)
    .map((s) => s.id);
}

// Each upstream's own model list (its catalog), which the proxy's model lists draw on for routes
// whose targets take any name (`anthropic/*`). Catalogs are fetched off the request path: at
// start-up and reload (`warm`), and again in the background when a list asks for one older than
// REFRESH_MS. A list request waits only for a catalog never fetched, and then at most FIRST_WAIT_MS.
// A failure keeps the last good list; a failing upstream adds nothing.
import type { ModelRoute, ResolvedConfig, ResolvedProvider } from "../config/schema.ts";
import type { MappingSet } from "../mapping/load.ts";
import { catalogCall, isRedirect, redirectMessage, showCall, upstreamFetch, upstreamGet } from "../protocols/upstream.ts";
import { readCapped } from "./body.ts";
import { upstreamError } from "./errors.ts";

export interface CatalogModel {
  /** The name the upstream takes */
  id: string;
  /** The most input tokens the model takes, where the catalog says */
  contextLength?: number;
}

export interface CatalogStatus {
  provider: string;
  models: number;
  fetchedAt?: number;
  error?: string;
}

/** How long a good catalog stands before a list asks for a fresh one; a failed fetch is retried sooner. */
export const REFRESH_MS = 10 * 60_000;
const RETRY_MS = 60_000;
/**
 * The one wait a list request may make: for a catalog never fetched (a picker opened right after
 * start-up). Short, since a dead upstream must not hold a model picker; a local one answers in ms.
 */
export const FIRST_WAIT_MS = 2_000;
const FETCH_TIMEOUT_MS = 10_000;
// Bounds on what an upstream may make the proxy hold: OpenRouter lists ~400 models; nobody lists 2000.
const MAX_MODELS = 2_000;
const MAX_PAGES = 5;
const MAX_BYTES = 8 << 20;
const MAX_NAME = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Ollama details kept per provider and model, asked by /api/show */
const MAX_SHOWN = 512;

interface Entry {
  provider: ResolvedProvider;
  models?: CatalogModel[];
  fetchedAt?: number;
  error?: string;
  pending?: Promise<void>;
  /** Bumped on each new list, so derived model lists know when to be remade */
  version: number;
}

/** The providers some route lists models from: those with a target whose model is a glob. */
export function listedProviders(config: ResolvedConfig): ResolvedProvider[] {
  const names = new Set<string>();
  const scan = (models: readonly ModelRoute[]) => {
    for (const m of models) for (const t of m.targets) if (t.model.includes("*")) names.add(t.provider);
  };
  scan(config.models);
  for (const g of Object.values(config.groups)) scan(g.models);
  return [...names].flatMap((n) => (config.providers[n] ? [config.providers[n]] : []));
}

/** Two providers with the same address and credentials have the same catalog, across reloads too. */
const identity = (p: ResolvedProvider) => JSON.stringify([p.protocol, p.baseUrl, p.query, p.keys, p.headers]);

export class Catalogs {
  private readonly entries = new Map<string, Entry>();
  private readonly shown = new Map<string, Promise<ShowInfo | undefined>>();
  /** Sum of every entry's version: a derived list made at one value is good while it holds */
  version = 0;

  /** `redact` cuts secrets out of a failure's words before they are kept (an upstream may echo its key) */
  constructor(
    private readonly redact: (text: string) => string = (t) => t,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Fetches every listed provider's catalog (at start-up and on reload) and forgets those of
   * providers the config no longer has. Requests never wait on it; `ccproxy models` does.
   */
  warm(config: ResolvedConfig, mappings: MappingSet): Promise<void> {
    const listed = listedProviders(config);
    const keep = new Set(listed.map(identity));
    for (const k of this.entries.keys()) if (!keep.has(k)) this.entries.delete(k);
    this.shown.clear();
    return Promise.all(listed.map((p) => this.fetch(this.entry(p), mappings))).then(() => {});
  }

  /** What is known of a provider's catalog now, without fetching: error paths read this. */
  peek(p: ResolvedProvider): CatalogModel[] | undefined {
    return this.entries.get(identity(p))?.models;
  }

  /**
   * The catalogs of `providers` for a list: a missing one is fetched and waited for (at most
   * FIRST_WAIT_MS, all together); a stale one is answered as it is and refreshed in the background.
   */
  async forList(providers: readonly ResolvedProvider[], mappings: MappingSet): Promise<void> {
    const waits: Promise<void>[] = [];
    const now = this.now();
    for (const p of providers) {
      const e = this.entry(p);
      const due = e.fetchedAt === undefined || now - e.fetchedAt > (e.error ? RETRY_MS : REFRESH_MS);
      if (!due) continue;
      const fetching = this.fetch(e, mappings);
      if (!e.models) waits.push(fetching);
    }
    if (!waits.length) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_WAIT_MS)));
    await Promise.race([Promise.all(waits), bound]);
    clearTimeout(timer);
  }

  status(): CatalogStatus[] {
    return [...this.entries.values()].map((e) => ({
      provider: e.provider.name,
      models: e.models?.length ?? 0,
      ...(e.fetchedAt !== undefined && { fetchedAt: e.fetchedAt }),
      ...(e.error !== undefined && { error: e.error }),
    }));
  }

  /**
   * An Ollama upstream's own details of one model (`/api/show`), asked once per provider and model
   * and kept: Ollama's context length is there, not in its list. Undefined when it does not answer.
   */
  show(p: ResolvedProvider, model: string, key: string | undefined): Promise<ShowInfo | undefined> {
    const k = `${identity(p)} ${model}`;
    let info = this.shown.get(k);
    if (!info) {
      if (this.shown.size >= MAX_SHOWN) this.shown.clear();
      info = askShow(p, model, key);
      this.shown.set(k, info);
      // A failure is not kept: the next /api/show asks again.
      void info.then((got) => got ?? this.shown.delete(k));
    }
    return info;
  }

  private entry(p: ResolvedProvider): Entry {
    const k = identity(p);
    let e = this.entries.get(k);
    if (!e) this.entries.set(k, (e = { provider: p, version: 0 }));
    return e;
  }

  private fetch(e: Entry, mappings: MappingSet): Promise<void> {
    e.pending ??= fetchCatalog(e.provider, mappings)
      .then(
        (models) => {
          e.models = models;
          e.error = undefined;
          e.version++;
          this.version++;
        },
        (err: Error) => {
          e.error = this.redact(err.message);
        },
      )
      .finally(() => {
        e.fetchedAt = this.now();
        e.pending = undefined;
      });
    return e.pending;
  }
}

/** A provider's catalog, page by page, with the first key it takes (a refused key tries the next). */
async function fetchCatalog(p: ResolvedProvider, mappings: MappingSet): Promise<CatalogModel[]> {
  let last: Error | undefined;
  for (const key of p.keys.length ? p.keys : [undefined]) {
    try {
      return await fetchPages(p, key, mappings);
    } catch (e) {
      last = e as Error;
      if (!(e instanceof Refused)) break;
    }
  }
  throw last;
}

class Refused extends Error {}

async function fetchPages(p: ResolvedProvider, key: string | undefined, mappings: MappingSet): Promise<CatalogModel[]> {
  const out: CatalogModel[] = [];
  let cursor: string | undefined;
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  for (let page = 0; page < MAX_PAGES && out.length < MAX_MODELS; page++) {
    const call = catalogCall(p, key, cursor);
    const res = await upstreamGet(call, signal);
    if (isRedirect(res.status)) {
      res.body?.cancel().catch(() => {});
      throw new Error(`${p.name}: ${redirectMessage(res)}`);
    }
    const text = await readCapped(res, MAX_BYTES);
    if (!res.ok) {
      const e = upstreamError(mappings, p.protocol, res.status, text ?? "", `${p.name} model list`);
      throw res.status === 401 || res.status === 403 ? new Refused(e.message) : new Error(e.message);
    }
    if (text === undefined) throw new Error(`${p.name} model list: larger than ${MAX_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${p.name} model list: not JSON`);
    }
    const list = mappings[p.protocol].spec["models.decode"].run(body, {}) as { models?: unknown[]; next?: unknown } | undefined;
    for (const m of list?.models ?? []) {
      const model = catalogModel(m);
      if (model && out.length < MAX_MODELS) out.push(model);
    }
    if (typeof list?.next !== "string" || list.next === "" || list.next === cursor) break;
    cursor = list.next;
  }
  return out;
}

/** One catalog item as the proxy keeps it, or undefined for a name no client could send back. */
function catalogModel(m: unknown): CatalogModel | undefined {
  const { id, contextLength } = (m ?? {}) as { id?: unknown; contextLength?: unknown };
  if (typeof id !== "string" || id === "" || id.length > MAX_NAME || CONTROL.test(id)) return undefined;
  const n = typeof contextLength === "number" && Number.isSafeInteger(contextLength) && contextLength > 0 ? contextLength : undefined;
  return n === undefined ? { id } : { id, contextLength: n };
}

/** What an Ollama upstream's /api/show says of a model that the proxy's /api/show passes on. */
export interface ShowInfo {
  details?: Record<string, unknown>;
  model_info?: Record<string, unknown>;
  capabilities?: unknown[];
}

async function askShow(p: ResolvedProvider, model: string, key: string | undefined): Promise<ShowInfo | undefined> {
  try {
    const call = showCall(p, key);
    if (!call) return undefined;
    const res = await upstreamFetch(call, JSON.stringify({ model }), AbortSignal.timeout(FIRST_WAIT_MS));
    const text = await readCapped(res, MAX_BYTES);
    if (!res.ok || text === undefined) return undefined;
    const body = JSON.parse(text) as ShowInfo;
    const obj = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
    return {
      details: obj(body.details),
      model_info: obj(body.model_info),
      capabilities: Array.isArray(body.capabilities) ? body.capabilities.filter((c) => typeof c === "string") : undefined,
    };
  } catch {
    return undefined;
  }
}

// The route table, derived from the protocol registry: each protocol's routes, served by the handler
// of their endpoint. Which protocol a request speaks where no route says comes from there too.
import type { ProtocolName } from "../mapping/load.ts";
import type { RouteParams } from "../convert/engine.ts";
import { generate } from "../convert/chat.ts";
import { countTokens } from "../convert/count.ts";
import { embed } from "../convert/embed.ts";
import { listModels } from "../convert/models.ts";
import { protocolOf, protocols, registryVersion } from "../protocols/index.ts";
import type { RouteDef } from "../protocols/protocol.ts";
import { geminiCount, geminiModel } from "./gemini.ts";
import { logged, type Handler } from "./logged.ts";
import { ollamaShow, ollamaTags, ollamaVersion } from "./ollama.ts";

export interface Route {
  method: string;
  client: ProtocolName;
  handle: Handler;
  /** What a pattern-matched route read from the URL */
  params?: RouteParams;
  specs?: Readonly<Record<string, string>>;
}

/**
 * The handler of each endpoint a route may name; `protocol/endpoint` where a protocol's own shape
 * needs its own (a count's body and answer differ between Claude and Gemini).
 */
const HANDLERS: Record<string, Handler> = {
  generate,
  embed,
  models: logged((e, c) => listModels(e, c.client, c.models, c.query)),
  "claude/count": logged(countTokens),
  "gemini/count": logged(geminiCount),
  "gemini/model": logged(geminiModel),
  "ollama/tags": logged(ollamaTags),
  "ollama/show": logged(ollamaShow),
  "ollama/version": logged(ollamaVersion),
};

interface Table {
  version: number;
  exact: Map<string, { def: RouteDef; client: string; handle: Handler }[]>;
  patterns: { def: RouteDef; client: string; handle: Handler; path: RegExp }[];
}

let table: Table | undefined;

function tableNow(): Table {
  if (table?.version === registryVersion()) return table;
  const next: Table = { version: registryVersion(), exact: new Map(), patterns: [] };
  for (const p of protocols())
    for (const def of p.routes) {
      const handle = HANDLERS[`${p.name}/${def.endpoint}`] ?? HANDLERS[def.endpoint];
      if (!handle) continue; // an endpoint this build does not serve
      if (typeof def.path === "string") {
        const list = next.exact.get(def.path) ?? [];
        list.push({ def, client: p.name, handle });
        next.exact.set(def.path, list);
      } else next.patterns.push({ def, client: p.name, handle, path: def.path });
    }
  return (table = next);
}

/** The route a path names, with what its URL says; undefined when none does. Throws when a pattern's part does not decode. */
export function routeOf(path: string, req: Request, url: URL): Route | undefined {
  const t = tableNow();
  const exact = t.exact.get(path);
  if (exact) {
    // A path several protocols serve (GET /v1/models) goes to the one whose client this looks like.
    const hit = exact.length === 1 ? exact[0]! : (exact.find((r) => protocolOf(r.client).identifies?.(req.headers, url)) ?? exact.find((r) => protocolOf(r.client).fallback) ?? exact[0]!);
    return { method: hit.def.method, client: hit.client, handle: hit.handle, specs: hit.def.specs };
  }
  for (const r of t.patterns) {
    const m = r.path.exec(path);
    if (m) return { method: r.def.method, client: r.client, handle: r.handle, params: r.def.params?.(m, url), specs: r.def.specs };
  }
  return undefined;
}

/** Why a path of some protocol's API is not served here, when one says so (`unserved`). */
export function unservedWhy(path: string): string | undefined {
  for (const p of protocols()) for (const u of p.unserved ?? []) if (u.path.test(path)) return u.why;
  return undefined;
}

/** The protocol a pattern-matched path belongs to, for answering a path whose parts do not decode. */
export function patternClient(path: string): ProtocolName | undefined {
  return tableNow().patterns.find((r) => r.path.test(path))?.client;
}

/**
 * Which protocol a request speaks when no route says (an unknown path): the path's family first,
 * whatever key the client sent; then the headers its SDK sends; then the fallback protocol.
 */
export function clientOf(path: string, req: Request, url: URL): ProtocolName {
  const all = protocols();
  return (all.find((p) => p.owns?.(path)) ?? all.find((p) => p.identifies?.(req.headers, url)) ?? all.find((p) => p.fallback) ?? all[0]!).name;
}

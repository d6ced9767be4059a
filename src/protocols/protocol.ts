// What a protocol is to the proxy, declared once per protocol in src/protocols/<p>/index.ts: the
// routes it serves as a client, the mappings it brings, how its upstreams are called, and the
// functions its mappings name. The registry (index.ts) derives everything else from these.
import type { ResolvedProvider } from "../config/schema.ts";
import type { MappingFunction } from "../mapping/functions.ts";

/** Frames of a stream, as a route may ask for them (Gemini: SSE with `alt=sse`, else a JSON array) */
export type Frame = "sse" | "ndjson" | "json";

/** What a route's URL says: the model and method in Gemini's paths, whether it streams, its framing. */
export interface RouteParams {
  model?: string;
  stream?: boolean;
  frame?: Frame;
  /** Gemini's `:embedContent`: one content in, one embedding out (its batch call takes and answers lists) */
  single?: boolean;
  /** Ollama's legacy `/api/embeddings`: `prompt` in, one `embedding` out */
  legacy?: boolean;
}

/** The embeddings endpoint's mapping kinds, which a protocol with embeddings declares among its `specs` */
export const EMBED_SPECS = ["embed.request.decode", "embed.request.encode", "embed.response.decode", "embed.response.encode"] as const;

/**
 * A client-facing route. `endpoint` names what serves it (the server's handlers: generate, count,
 * models, model, show, version, embed); `specs` swaps a spec kind for one of the protocol's own
 * (Ollama's /api/generate decodes with generate.decode and answers with generate.encode).
 */
export interface RouteDef {
  method: "GET" | "POST";
  /** An exact path, or a pattern whose match `params` reads */
  path: string | RegExp;
  endpoint: string;
  params?: (match: RegExpExecArray, url: URL) => RouteParams;
  specs?: Readonly<Record<string, string>>;
}

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
}

/** One upstream model (Gemini and others name it in the URL) and whether its answer streams */
export interface UpstreamTarget {
  model: string;
  stream?: boolean;
}

export interface ProtocolDef {
  name: string;
  /** How errors speak of one of its bodies: "a Claude response" */
  article: string;
  routes: readonly RouteDef[];
  /**
   * The shared routes (`GET /v1/models`) go to the protocol whose client this request looks like:
   * its SDK's own headers. One protocol, the fallback, takes what no other claims.
   */
  identifies?: (headers: Headers, url: URL) => boolean;
  fallback?: boolean;
  /** Unknown paths of its family are answered in its shape (`/api/…` is Ollama's) */
  owns?: (path: string) => boolean;
  /**
   * Paths of its API the proxy does not serve, each answered with a 404 saying why rather than "no
   * route" (a 404, not a 501: SDKs retry 5xx answers, and asking again will not help).
   */
  unserved?: readonly { path: RegExp; why: string }[];
  /** Mapping kinds it brings beyond the common ones (request/response/stream/error/models, decode and encode) */
  specs?: readonly string[];
  /** Its built-in mappings, `kind` → YAML text (defs files as `<name>.defs`), embedded in the executable */
  mappings: Readonly<Record<string, string>>;
  functions?: Readonly<Record<string, MappingFunction>>;
  /**
   * A request to an upstream of the same protocol goes as the client sent it, with only the model
   * renamed, and its answer comes back as the upstream sent it (the model named as the client
   * named it): nothing the unified form has no place for is lost.
   */
  passThrough?: boolean;
  /**
   * Earlier answers a client may name instead of resending them (the Responses API's
   * previous_response_id): `expand` fills them in from what the proxy kept, before decoding, and
   * says what it could not (a 400, unless the upstream speaks the protocol and keeps its own);
   * `keep` keeps an answer the proxy converted (a response object, or a stream's last frames).
   */
  /**
   * Whether a request asks for a hosted web search: a tool its own servers run, which the unified
   * request has no place for (no upstream of another protocol could run it); `webSearch` rules read it.
   */
  webSearch?: (body: unknown) => boolean;
  recall?: {
    expand(body: unknown, kept: KeptAnswers): { body: unknown; unresolved?: { param: string; message: string } };
    keep(body: unknown, answer: unknown, kept: KeptAnswers): void;
  };
  upstream: {
    /** Headers that carry a key */
    auth(headers: Record<string, string>, key: string): void;
    /** Client headers passed on unchanged when the client speaks this protocol too */
    forwarded?: readonly string[];
    /** Headers every call carries unless the provider or client sets them */
    defaults?: Readonly<Record<string, string>>;
    /** The path (and query) of each endpoint its servers have; an endpoint absent here they have not */
    paths: Readonly<Partial<Record<UpstreamEndpoint, (t: UpstreamTarget) => string>>>;
    /** A page of the model list: `cursor` is the page after the first */
    catalog: (cursor?: string) => string;
  };
}

/** Whether any of a request body's `tools` passes `test` (a body without a tools list has none) */
export function someTool(body: unknown, test: (tool: Record<string, unknown>) => boolean): boolean {
  const tools = (body as { tools?: unknown } | null)?.tools;
  return Array.isArray(tools) && tools.some((t) => t !== null && typeof t === "object" && test(t));
}

/** A tool whose `type` starts so (Claude's `web_search_20250305`, Responses' `web_search_preview`) */
export const typedTool = (prefix: string) => (t: Record<string, unknown>) => typeof t.type === "string" && t.type.startsWith(prefix);

/** Where a protocol's `recall` keeps answers: bounded by count, bytes and age (the engine's, src/convert/kept.ts). */
export interface KeptAnswers {
  readonly limits: { maxEntries: number; maxBytes: number; ttlMs: number };
  /** Keeps `value` under `key` and each alias; `bytes` is its size as the bound counts it */
  set(key: string, value: unknown, bytes: number, aliases?: string[]): void;
  get(key: string): unknown;
}

export type UpstreamEndpoint = "generate" | "count" | "embed" | "show";

/** The provider's base, a path (with its own query, if any), then the base's query. */
export function urlOf(p: ResolvedProvider, pathAndQuery: string): string {
  const at = pathAndQuery.indexOf("?");
  const path = at < 0 ? pathAndQuery : pathAndQuery.slice(0, at);
  const query = at < 0 ? "" : pathAndQuery.slice(at + 1);
  const q = p.query && query ? `${p.query}&${query}` : p.query || query;
  return q ? `${p.baseUrl}${path}?${q}` : `${p.baseUrl}${path}`;
}

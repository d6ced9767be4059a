// How each protocol is called upstream: the URL for a request and the headers that carry the key.
import type { ResolvedProvider } from "../config/schema.ts";

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
}

/**
 * Client headers carried unchanged to an upstream of the same protocol; the client's value wins
 * over a default (Claude Code's gateway contract names both Anthropic headers).
 * @see https://code.claude.com/docs/en/llm-gateway
 */
const FORWARDED: Record<string, string[]> = {
  claude: ["anthropic-beta", "anthropic-version"],
  openai: ["openai-organization", "openai-project"],
};

export function upstreamCall(
  p: ResolvedProvider,
  /** `embed`: the protocol's embeddings call (Gemini's batch one, so one call serves every input); Claude has none */
  kind: "generate" | "count" | "embed",
  key: string | undefined,
  client: { protocol: string; headers: Headers },
  /** The upstream model and whether the reply streams: Gemini puts both in the URL */
  target?: { model: string; stream?: boolean },
): UpstreamCall {
  const headers: Record<string, string> = { "content-type": "application/json", ...p.headers };
  if (client.protocol === p.protocol)
    for (const h of FORWARDED[p.protocol] ?? []) {
      const v = client.headers.get(h);
      if (v) headers[h] = v;
    }
  switch (p.protocol) {
    case "claude":
      if (key) headers["x-api-key"] = key;
      headers["anthropic-version"] ??= "2023-06-01";
      return { url: urlOf(p, `/v1/messages${kind === "count" ? "/count_tokens" : ""}`), headers };
    case "openai":
      if (key) headers.authorization = `Bearer ${key}`;
      return { url: urlOf(p, kind === "embed" ? "/embeddings" : "/chat/completions"), headers };
    case "gemini": {
      if (key) headers["x-goog-api-key"] = key;
      const method = kind === "count" ? "countTokens" : kind === "embed" ? "batchEmbedContents" : target?.stream ? "streamGenerateContent" : "generateContent";
      // The model comes from the client: one encoded path segment, so it can name no other path or query.
      const url = urlOf(p, `/v1beta/models/${encodeURIComponent(target?.model ?? "")}:${method}`, target?.stream && kind === "generate" ? "alt=sse" : "");
      return { url, headers };
    }
    case "ollama":
      if (key) headers.authorization = `Bearer ${key}`; // ollama.com; a local server ignores it
      return { url: urlOf(p, kind === "embed" ? "/api/embed" : "/api/chat"), headers };
    default:
      if (key) headers.authorization = `Bearer ${key}`;
      return { url: urlOf(p, ""), headers };
  }
}

/** How each protocol carries its key, for the calls that are not a generation (catalogs, show). */
function keyed(p: ResolvedProvider, key: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...p.headers };
  if (!key) return headers;
  if (p.protocol === "claude") headers["x-api-key"] = key;
  else if (p.protocol === "gemini") headers["x-goog-api-key"] = key;
  else headers.authorization = `Bearer ${key}`;
  return headers;
}

/**
 * A page of the provider's own model list: `cursor` is the page after the first (Claude's
 * `after_id`, Gemini's `pageToken`); each asks for the largest page its API gives.
 */
export function catalogCall(p: ResolvedProvider, key: string | undefined, cursor?: string): UpstreamCall {
  const headers = keyed(p, key);
  const after = (name: string) => (cursor === undefined ? "" : `&${name}=${encodeURIComponent(cursor)}`);
  switch (p.protocol) {
    case "claude":
      headers["anthropic-version"] ??= "2023-06-01";
      return { url: urlOf(p, "/v1/models", `limit=1000${after("after_id")}`), headers };
    case "gemini":
      return { url: urlOf(p, "/v1beta/models", `pageSize=1000${after("pageToken")}`), headers };
    case "ollama":
      return { url: urlOf(p, "/api/tags"), headers };
    default:
      return { url: urlOf(p, "/models"), headers };
  }
}

/** Ollama's details of one model (its context length among them). */
export function showCall(p: ResolvedProvider, key: string | undefined): UpstreamCall {
  return { url: urlOf(p, "/api/show"), headers: { "content-type": "application/json", ...keyed(p, key) } };
}

/** The provider's base, a path, then the base's own query and the call's. */
function urlOf(p: ResolvedProvider, path: string, query = ""): string {
  const q = p.query && query ? `${p.query}&${query}` : p.query || query;
  return q ? `${p.baseUrl}${path}?${q}` : `${p.baseUrl}${path}`;
}

/**
 * Every call to an upstream. Redirects are not followed: a redirect would carry the provider's key
 * to wherever it points (fetch drops only `authorization` across origins, not `x-api-key` or
 * `x-goog-api-key`), and an API that redirects is misconfigured, an error worth reporting.
 */
export function upstreamFetch(call: UpstreamCall, body: string, signal: AbortSignal): Promise<globalThis.Response> {
  return fetch(call.url, { method: "POST", headers: call.headers, body, signal, redirect: "manual" });
}

/** A GET of an upstream (its model list), with the same refusal of redirects. */
export function upstreamGet(call: UpstreamCall, signal: AbortSignal): Promise<globalThis.Response> {
  return fetch(call.url, { headers: call.headers, signal, redirect: "manual" });
}

export const isRedirect = (status: number) => status >= 300 && status < 400;

/** A redirect's answer, said without its target's query (which may hold a token of the other server's). */
export function redirectMessage(res: globalThis.Response): string {
  const to = res.headers.get("location") ?? "";
  return `upstream answered ${res.status} (a redirect${to ? ` to ${to.split(/[?#]/)[0]}` : ""}), which is not followed: set the provider's baseUrl to the address that answers`;
}

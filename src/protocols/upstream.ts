// How each protocol is called upstream: the URL for a request and the headers that carry the key.
import type { ResolvedProvider } from "../config/schema.ts";
import { urlOf, type ProtocolDef, type UpstreamCall, type UpstreamEndpoint, type UpstreamTarget } from "./protocol.ts";
import { protocolOf } from "./index.ts";

export type { UpstreamCall };

/**
 * The call for one of an upstream's endpoints, or undefined when its protocol has none (a Claude
 * upstream has no embeddings). Client headers named by the protocol are carried unchanged to an
 * upstream of the same protocol; the provider's headers and the client's win over the defaults.
 */
export function upstreamCall(
  p: ResolvedProvider,
  endpoint: UpstreamEndpoint,
  key: string | undefined,
  client: { protocol: string; headers: Headers },
  /** The upstream model and whether the reply streams: Gemini puts both in the URL */
  target: UpstreamTarget = { model: "" },
): UpstreamCall | undefined {
  const def = protocolOf(p.protocol);
  const path = def.upstream.paths[endpoint];
  if (!path) return undefined;
  const headers = keyed(p, key, def, { "content-type": "application/json" });
  if (client.protocol === p.protocol)
    for (const h of def.upstream.forwarded ?? []) {
      const v = client.headers.get(h);
      if (v) headers[h] = v;
    }
  withDefaults(headers, def);
  return { url: urlOf(p, path(target)), headers };
}

/** The provider's headers and the key, as its protocol carries one. */
function keyed(p: ResolvedProvider, key: string | undefined, def: ProtocolDef, base: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...base, ...p.headers };
  if (key) def.upstream.auth(headers, key);
  return headers;
}

function withDefaults(headers: Record<string, string>, def: ProtocolDef): Record<string, string> {
  for (const [h, v] of Object.entries(def.upstream.defaults ?? {})) headers[h] ??= v;
  return headers;
}

/**
 * A page of the provider's own model list: `cursor` is the page after the first (Claude's
 * `after_id`, Gemini's `pageToken`); each asks for the largest page its API gives.
 */
export function catalogCall(p: ResolvedProvider, key: string | undefined, cursor?: string): UpstreamCall {
  const def = protocolOf(p.protocol);
  return { url: urlOf(p, def.upstream.catalog(cursor)), headers: withDefaults(keyed(p, key, def), def) };
}

/** An Ollama upstream's details of one model (its context length among them). */
export function showCall(p: ResolvedProvider, key: string | undefined): UpstreamCall | undefined {
  return upstreamCall(p, "show", key, { protocol: "", headers: new Headers() });
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

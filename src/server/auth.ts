// Access keys, presented the way each client's SDK sends its API key, compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import { isLoopback } from "../config/resolve.ts";
import type { ResolvedConfig } from "../config/schema.ts";

/** The key a client presented: Bearer (OpenAI, Ollama, newer Anthropic SDKs), x-api-key (Claude Code), x-goog-api-key or ?key= (Gemini). */
export function presentedKey(req: Request, url: URL): string | undefined {
  const auth = req.headers.get("authorization");
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, "").trim();
  return req.headers.get("x-api-key") ?? req.headers.get("x-goog-api-key") ?? url.searchParams.get("key") ?? undefined;
}

const digest = (s: string) => createHash("sha256").update(s).digest();
/** Digests of each key set, made once: comparing digests of equal length leaks no key's length or prefix. */
const digests = new WeakMap<ReadonlySet<string>, Buffer[]>();

/** With no keys configured the routes are open (the server then binds loopback only). */
export function allowed(keys: ReadonlySet<string>, presented: string | undefined): boolean {
  if (keys.size === 0) return true;
  if (presented === undefined) return false;
  let known = digests.get(keys);
  if (!known) digests.set(keys, (known = [...keys].map(digest)));
  const d = digest(presented);
  let ok = false;
  for (const k of known) ok = timingSafeEqual(k, d) || ok; // every key compared, whichever matches
  return ok;
}

// ---- browsers: a web page may reach a proxy on loopback, so pages are checked before keys ----

/** The Host every local client sends, known loopback without parsing a URL (this runs on every request). */
const PLAIN_LOOPBACK = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/;

/**
 * Why a request from a browser is refused, or undefined. Without access keys anyone who can reach
 * the socket may use the proxy, so only loopback may: a request addressed to another name (a DNS
 * rebinding page resolving its own name to 127.0.0.1) and a cross-origin page (a `text/plain` POST
 * needs no preflight) are refused. With keys, the key decides; a page still gets CORS only when allowed.
 */
export function browserRefusal(req: Request, keyed: boolean, config: ResolvedConfig): string | undefined {
  if (keyed) return undefined;
  const host = req.headers.get("host");
  if (host !== null && !PLAIN_LOOPBACK.test(host) && !isLoopback(hostOf(host)))
    return `requests addressed to "${host}" are refused: with no accessKeys this proxy answers only requests to a loopback name (localhost, 127.0.0.1); set accessKeys to serve it under other names`;
  const origin = req.headers.get("origin");
  if (origin !== null && !originAllowed(origin, config))
    return `requests from the web page at ${origin} are refused: with no accessKeys only loopback pages and the origins in the config's allowedOrigins or $CCPROXY_ORIGINS may call this proxy`;
  return undefined;
}

/** Loopback pages, and the origins the config or $CCPROXY_ORIGINS lists ("*": any). */
export function originAllowed(origin: string, config: ResolvedConfig): boolean {
  const o = origin.toLowerCase();
  if (config.allowedOrigins.includes(o) || config.allowedOrigins.includes("*")) return true;
  if (!/^https?:\/\//.test(o)) return false; // "null" (a file or a sandboxed frame), or another scheme
  return isLoopback(hostOf(o.replace(/^https?:\/\//, "")));
}

export function corsHeaders(headers: Headers, origin: string): void {
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-expose-headers", "*");
  headers.append("vary", "Origin");
}

/** The headers the four protocols' SDKs send from a page, granted when a preflight does not list its own. */
const SDK_HEADERS = [
  "authorization", "content-type", "x-api-key", "anthropic-version", "anthropic-beta",
  "anthropic-dangerous-direct-browser-access", "x-goog-api-key", "x-goog-api-client",
  "openai-organization", "openai-project",
].join(", ");

/**
 * An OPTIONS request: a page's CORS preflight (what its real request may carry), or a plain
 * question of what the proxy takes. The origin itself is granted by the server's egress, for
 * allowed origins only; so is Chrome's private-network grant (a public page calling loopback).
 */
export function preflight(req: Request, config: ResolvedConfig): Response {
  const headers: Record<string, string> = { allow: "GET, POST, OPTIONS" };
  const origin = req.headers.get("origin");
  if (origin !== null && originAllowed(origin, config)) {
    headers["access-control-allow-methods"] = "GET, POST, OPTIONS";
    headers["access-control-allow-headers"] = req.headers.get("access-control-request-headers") ?? SDK_HEADERS;
    headers["access-control-max-age"] = "600";
    if (req.headers.get("access-control-request-private-network") === "true") headers["access-control-allow-private-network"] = "true";
    headers.vary = "Access-Control-Request-Headers";
  }
  return new Response(null, { status: 204, headers });
}

/** The host name of a Host header or an origin without its scheme: the port and any brackets' content kept apart. */
function hostOf(authority: string): string {
  try {
    return new URL(`http://${authority}`).hostname;
  } catch {
    return authority;
  }
}

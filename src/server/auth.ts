// Access keys, presented the way each client's SDK sends its API key, compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";

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

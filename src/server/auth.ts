// Access keys, presented the way each client's SDK sends its API key.

/** The key a client presented: Bearer (OpenAI, Ollama, newer Anthropic SDKs), x-api-key (Claude Code), x-goog-api-key or ?key= (Gemini). */
export function presentedKey(req: Request, url: URL): string | undefined {
  const auth = req.headers.get("authorization");
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, "").trim();
  return req.headers.get("x-api-key") ?? req.headers.get("x-goog-api-key") ?? url.searchParams.get("key") ?? undefined;
}

/** With no keys configured the routes are open (the server then binds loopback only). */
export function allowed(keys: ReadonlySet<string>, presented: string | undefined): boolean {
  return keys.size === 0 || (presented !== undefined && keys.has(presented));
}

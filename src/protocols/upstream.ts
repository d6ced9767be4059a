// How each protocol is called upstream: the URL for a request and the headers that carry the key.
import type { ResolvedProvider } from "../config/schema.ts";

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
}

/** Client headers worth carrying to an upstream of the same protocol. */
const FORWARDED: Record<string, string[]> = {
  claude: ["anthropic-beta"],
  openai: ["openai-organization", "openai-project"],
};

export function upstreamCall(
  p: ResolvedProvider,
  kind: "generate" | "count",
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
      return { url: `${p.baseUrl}/v1/messages${kind === "count" ? "/count_tokens" : ""}`, headers };
    case "openai":
      if (key) headers.authorization = `Bearer ${key}`;
      return { url: `${p.baseUrl}/chat/completions`, headers };
    case "gemini": {
      if (key) headers["x-goog-api-key"] = key;
      const method = kind === "count" ? "countTokens" : target?.stream ? "streamGenerateContent?alt=sse" : "generateContent";
      return { url: `${p.baseUrl}/v1beta/models/${target?.model}:${method}`, headers };
    }
    case "ollama":
      if (key) headers.authorization = `Bearer ${key}`; // ollama.com; a local server ignores it
      return { url: `${p.baseUrl}/api/chat`, headers };
    default:
      if (key) headers.authorization = `Bearer ${key}`;
      return { url: p.baseUrl, headers };
  }
}

// Redaction: every configured secret (provider keys, access keys) is cut out of whatever text is
// logged, wherever it appears (headers, URLs, an upstream echoing a key in its error), and the
// headers that carry credentials lose their values outright.

export const REDACTED = "[redacted]";

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "set-cookie"]);

/** A function that replaces each secret in a text; secrets are matched longest first. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1)); // as it appears inside a JSON string
    forms.add(encodeURIComponent(s)); // as it appears in a query string
  }
  if (!forms.size) return (text) => text;
  const escaped = [...forms].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  const pattern = new RegExp(escaped.join("|"), "g");
  return (text) => text.replace(pattern, REDACTED);
}

/** Headers as a plain object, credentials replaced. */
export function safeHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [k, v] of entries) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

// Redaction: every configured secret (provider keys, access keys) is cut out of whatever text is
// logged, wherever it appears (headers, URLs, an upstream echoing a key in its error), and the
// headers that carry credentials lose their values outright.

export { REDACTED, redactor } from "../config/secrets.ts";
import { REDACTED } from "../config/secrets.ts";

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "set-cookie"]);

/** Headers as a plain object, credentials replaced. */
export function safeHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [k, v] of entries) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

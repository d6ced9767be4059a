// Redaction: every configured secret (provider keys, access keys) is cut out of whatever text is
// logged, wherever it appears (headers, URLs, an upstream echoing a key in its error), and the
// headers that carry credentials lose their values outright.

import { REDACTED, formsOf, formsRedactor } from "../config/secrets.ts";

export { REDACTED };

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "set-cookie"]);

/**
 * The proxy's one redactor (config/secrets.ts), and one thing more for the log: a text cut short
 * (trace.ts's marker at its end) may end in the first characters of a secret, and those go too.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const forms = formsOf(secrets);
  const redact = formsRedactor(forms);
  return (text) => {
    const out = redact(text);
    return out.endsWith(CUT_END) ? trimCut(out, forms) : out;
  };
}

const CUT_START = "\n[… ";
const CUT_END = " more left out]";

/** Cuts any beginning of a secret (of 4 characters and more: shorter says nothing) off the end of the kept text, before the marker. */
function trimCut(text: string, forms: readonly string[]): string {
  const at = text.lastIndexOf(CUT_START);
  if (at < 0) return text;
  let kept = text.slice(0, at);
  for (const f of forms)
    for (let k = Math.min(f.length - 1, kept.length); k >= 4; k--)
      if (kept.endsWith(f.slice(0, k))) {
        kept = kept.slice(0, -k) + REDACTED;
        break;
      }
  return kept + text.slice(at);
}

/** Headers as a plain object, credentials replaced. */
export function safeHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [k, v] of entries) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

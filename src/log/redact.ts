// Redaction: every configured secret (provider keys, access keys) is cut out of whatever text is
// logged, wherever it appears (headers, URLs, an upstream echoing a key in its error), and the
// headers that carry credentials lose their values outright.

export const REDACTED = "[redacted]";

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "set-cookie"]);

/**
 * A function that replaces each secret in a text; secrets are matched longest first. A text cut
 * short (trace.ts's marker at its end) may end in the first characters of a secret: those go too.
 */
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
  const all = [...forms];
  return (text) => {
    const out = text.replace(pattern, REDACTED);
    return out.endsWith(CUT_END) ? trimCut(out, all) : out;
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

// The secrets a config holds (provider keys, access keys, credentials in a baseUrl or a provider's
// headers, a Redis password) and the one redactor every output uses: HTTP answers, /admin/status, the console and the
// log all cut them out the same way, in each encoding a key is commonly found in.
import type { ResolvedConfig } from "./schema.ts";

export const REDACTED = "[redacted]";

/**
 * Shorter values are not cut: redacting a word as common as a 3-letter key would mangle every
 * answer, and a key that short protects nothing anyway (docs/security.md says so).
 */
export const MIN_SECRET_LENGTH = 4;

/** Header names whose values are credentials, wherever a provider's `headers` set them. */
export const CREDENTIAL_HEADER = /key|auth|token|secret|cookie|password|signature/i;

/** Query parameters of a baseUrl whose values are credentials (Azure's `api-key`, a `?key=`, a signed URL's `sig`). */
export const CREDENTIAL_PARAM = /key|token|secret|auth|sig|password|credential/i;

/** Every secret a resolved config holds. */
export function secretsOf(config: ResolvedConfig): string[] {
  return [
    ...config.accessKeys,
    ...Object.values(config.groups).flatMap((g) => g.accessKeys),
    ...Object.values(config.providers).flatMap((p) => [
      ...p.keys,
      ...p.secrets,
      ...Object.entries(p.headers).flatMap(([name, value]) => (CREDENTIAL_HEADER.test(name) ? [value] : [])),
    ]),
    ...(config.redis?.secrets ?? []),
  ];
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const b64url = (s: string) => b64(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/**
 * The forms a secret takes in text: as is, inside a JSON string, percent-encoded (a query string, a
 * form), and base64 (Basic auth, a token that wraps it) at each of the three alignments it can
 * start at, so the key is found inside a longer encoded text too.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  for (let pad = 0; pad < 3; pad++) {
    // `pad` bytes before the secret: the encoded characters that depend on the secret alone
    const bytes = Buffer.byteLength(secret) + pad;
    const skip = pad === 0 ? 0 : pad + 1; // leading characters mixed with the bytes before it
    const whole = Math.floor(bytes / 3) * 4; // characters whose 3-byte groups are all known
    for (const enc of [b64, b64url]) {
      const core = enc("\0".repeat(pad) + secret).slice(skip, whole);
      if (core.length >= 8) forms.add(core);
    }
  }
  forms.add(b64(secret)); // the whole value encoded alone, padding and all
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Every form of every secret long enough to be cut, each once. */
export function formsOf(secrets: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const s of secrets) if (s && s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) forms.add(f);
  return [...forms];
}

/** A function that replaces each secret, in any of its forms, in a text; longer forms are matched first. */
export function redactor(secrets: Iterable<string>): (text: string) => string {
  return formsRedactor(formsOf(secrets));
}

/** The same, from forms already made. */
export function formsRedactor(forms: readonly string[]): (text: string) => string {
  if (!forms.length) return (text) => text;
  const escaped = [...forms].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  const pattern = new RegExp(escaped.join("|"), "g");
  return (text) => text.replace(pattern, REDACTED);
}

/**
 * The process's secrets: those of every config loaded so far, since requests begun under an
 * earlier config may still be answering, and an old key in a queued row is still a key.
 */
export class Secrets {
  private readonly all = new Set<string>();
  /** Cuts every secret out of a text */
  redact: (text: string) => string = (text) => text;

  constructor(values: Iterable<string> = []) {
    this.add(values);
  }

  add(values: Iterable<string>): void {
    const before = this.all.size;
    for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) this.all.add(v);
    if (this.all.size !== before) this.redact = redactor(this.all);
  }

  get size(): number {
    return this.all.size;
  }

  values(): string[] {
    return [...this.all];
  }
}

/** Characters no key is made of: where a text may be cut without cutting a key in two. */
const BREAK = /[\s"'`,;&<>()[\]{}]/;
/** How far past `max` a cut may reach looking for a break, before it cuts anyway */
const CLIP_REACH = 512;

/**
 * The first `max` characters of a text that is yet to be redacted, cut at a break rather than in
 * the middle of a word: a key cut in two is no longer matched whole, and its first half would leave.
 */
export function clipForRedaction(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const limit = Math.min(text.length, max + CLIP_REACH);
  while (end < limit && !BREAK.test(text[end]!)) end++;
  return end >= text.length ? text : `${text.slice(0, end)}…`;
}

// A whole body read no further than a cap: a client's request (past the configured limit it is a
// 413), and an upstream's answer (a provider, or anything at its address, that answers with
// hundreds of megabytes costs the proxy the cap, not the body).

/** An error reply says what it has to say in far less; past this it is an "HTTP <status>". */
export const ERROR_BODY_MAX = 1 << 20;

/** The body as text, or undefined once it passes `max` bytes; the rest is never read. */
export async function readCapped(res: Request | Response, max: number): Promise<string | undefined> {
  const length = res.headers.get("content-length");
  if (length !== null && Number(length) <= max) return res.text(); // framed by its length: read no further
  if (!res.body || length !== null) {
    res.body?.cancel().catch(() => {});
    return length === null ? "" : undefined;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    size += r.value.byteLength;
    if (size > max) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(r.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

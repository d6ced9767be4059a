// Where a route's shaping (src/config/shape.ts, compiled at start-up) meets the chat path: the
// request half after decoding, before tool compatibility and encoding; the `extra` half on the
// encoded body, whatever the upstream's protocol.
import type { ModelRoute } from "../config/schema.ts";
import type { Shaper } from "../config/shape.ts";
import type { Request } from "../unified/index.ts";

/** Shaped requests, by object: the encoded body's extras come from the shaper that made them. */
const shapedBy = new WeakMap<Request, Shaper>();
/** One shaping per decoded request and route: every attempt (and tool compatibility) sees the same object. */
const made = new WeakMap<Request, { route: ModelRoute; req: Request }>();

/** The request as the route shapes it; the same object when the route shapes nothing. */
export function shapeRequest(route: ModelRoute, req: Request): Request {
  if (!route.shape) return req;
  const hit = made.get(req);
  if (hit?.route === route) return hit.req;
  const out = route.shape.request(req);
  const shaped = out === req ? { ...req } : out; // a fresh object even when nothing changed, to carry the extras
  shapedBy.set(shaped, route.shape);
  made.set(req, { route, req: shaped });
  return shaped;
}

/** Whether a request was shaped: its client's body can no longer go upstream as it came. */
export const isShaped = (req: Request): boolean => shapedBy.has(req);

/**
 * The encoded body with the route's extra fields merged in, after encoding so that they reach an
 * upstream of any protocol; they win over encoded fields, except those that say what is asked and
 * of whom (the loader refuses them, and compileShape drops them). The merge is shallow: a field
 * replaces the encoded one whole.
 */
export function withExtras(req: Request, body: unknown): unknown {
  const extra = shapedBy.get(req)?.extra;
  if (!extra || body === null || typeof body !== "object" || Array.isArray(body)) return body;
  return { ...(body as Record<string, unknown>), ...extra };
}

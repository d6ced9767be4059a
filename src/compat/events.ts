// What tool compatibility mode reports: counters for the whole process, and one event per
// occurrence for whoever listens (the request log picks these up). Listeners must not throw.

export type CompatEvent =
  /** The model wrote a call that cannot be made; it reached the client as text. */
  | { type: "malformed"; target: string; reason: string; text: string }
  /** A model's tagged call became a native tool call. */
  | { type: "call"; target: string; name: string }
  /** A target refused native tools: the request was retried, and later ones go, in compat mode. */
  | { type: "fallback"; target: string; message: string };

export const compatCounters = { call: 0, malformed: 0, fallback: 0 };

const listeners = new Set<(e: CompatEvent) => void>();

/** Subscribes to compat events; returns the unsubscribe function. */
export function onCompatEvent(listener: (e: CompatEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function compatEvent(e: CompatEvent): void {
  compatCounters[e.type]++;
  for (const l of listeners) {
    try {
      l(e);
    } catch {
      // a listener's fault must not break the request
    }
  }
}

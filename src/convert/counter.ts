// The request path's side of the count worker: started when counting becomes likely (see
// warmCounter) or at the first count, then kept; counts are answered by id, one at a time.
import type { FromCounter, ToCounter } from "./count-worker.ts";

// The one-file build (build.ts lists the worker as an entry point) lays modules out from src/
// under /$bunfs/root, where a worker is named by that layout rather than by this module's URL.
const WORKER = import.meta.url.includes("/$bunfs/") ? "./convert/count-worker.ts" : new URL("./count-worker.ts", import.meta.url).href;

/** Past this a count is scaled up from the part counted: normal prompts, even 4 MB of prose, take far less. */
export const COUNT_BUDGET_MS = 1000;

interface Pending {
  resolve: (tokens: number) => void;
  reject: (e: Error) => void;
}

let worker: Worker | undefined;
let ready: Promise<void> | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function spawn(): Worker {
  const w = new Worker(WORKER);
  w.unref(); // the counter alone never keeps the process alive
  let loaded!: () => void;
  ready = new Promise<void>((r) => (loaded = r));
  w.onmessage = (ev: MessageEvent<FromCounter>) => {
    const m = ev.data;
    if (m.type === "ready") return loaded();
    const p = pending.get(m.id);
    pending.delete(m.id);
    p?.resolve(m.tokens);
  };
  // A worker that stopped takes its counts with it; the next count starts a new one.
  const stopped = (why: string) => {
    if (worker !== w) return;
    worker = undefined;
    w.onmessage = w.onerror = null;
    for (const p of pending.values()) p.reject(new Error(`the token counter stopped (${why})`));
    pending.clear();
  };
  w.onerror = (ev) => stopped(ev.message);
  w.addEventListener("close", () => stopped("its thread ended"));
  return w;
}

/** Starts the worker, which loads the tokenizer, so that the first count does not wait for it. */
export function warmCounter(): void {
  worker ??= spawn();
}

/** Resolves once the tokenizer is loaded; undefined while no counter was ever started. */
export function counterReady(): Promise<void> | undefined {
  return ready;
}

/**
 * The o200k tokens of `texts` joined by newlines, counted off the request path within
 * COUNT_BUDGET_MS of counting. The worker joins them: joining 25 MB takes a few hundred ms.
 */
export function countInWorker(texts: string[]): Promise<number> {
  const w = (worker ??= spawn());
  const id = nextId++;
  return new Promise<number>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, texts, budgetMs: COUNT_BUDGET_MS } satisfies ToCounter);
  });
}

// The request path's side of the count worker: started by the first count, and stopped once no count
// has come for COUNTER_IDLE_MS, since the tokenizer it loads is most of a proxy's resident memory
// (gpt-tokenizer's o200k table, ~60-75 MB). The first count after a stop waits for the load (a few
// hundred ms, in the worker: no other request waits). Counts are answered by id, one at a time.
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

/** A worker no count has used for this long is stopped; tests shorten it (setCounterIdleMs). */
let idleMs = 10 * 60_000;

let worker: Worker | undefined;
let idle: ReturnType<typeof setTimeout> | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function spawn(): Worker {
  const w = new Worker(WORKER);
  w.unref(); // the counter alone never keeps the process alive
  w.onmessage = (ev: MessageEvent<FromCounter>) => {
    const m = ev.data;
    const p = pending.get(m.id);
    pending.delete(m.id);
    p?.resolve(m.tokens);
    if (pending.size === 0) rest();
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

/** Arms the idle stop: the worker ends if no count comes before it fires. */
function rest(): void {
  clearTimeout(idle);
  idle = setTimeout(() => {
    if (pending.size > 0 || !worker) return;
    const w = worker;
    worker = undefined;
    w.onmessage = w.onerror = null;
    w.terminate();
  }, idleMs);
  idle.unref();
}

/** Whether the count worker (and so the tokenizer) is in memory now */
export function counterRunning(): boolean {
  return worker !== undefined;
}

/** How long an unused counter is kept; for tests */
export function setCounterIdleMs(ms: number): void {
  idleMs = ms;
}

/**
 * The o200k tokens of `texts` joined by newlines, counted off the request path within
 * COUNT_BUDGET_MS of counting. The worker joins them: joining 25 MB takes a few hundred ms.
 */
export function countInWorker(texts: string[]): Promise<number> {
  const w = (worker ??= spawn());
  clearTimeout(idle);
  const id = nextId++;
  return new Promise<number>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, texts, budgetMs: COUNT_BUDGET_MS } satisfies ToCounter);
  });
}

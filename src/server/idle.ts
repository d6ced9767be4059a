// Memory back after a burst. A request costs one increment; a check every tick looks for quiet:
// - one quiet tick after a burst of `large` requests or more: a full collection, which returns the
//   burst's garbage (100 -> 72 MB, 2.5 s after 3 s at 32 connections), so the streams opened next
//   do not sit on top of it;
// - `quietMs` with nothing served, after `earned` requests or more since the last: JavaScriptCore's
//   shrink, which collects and also gives back the heap's free blocks and the allocator's pages (RSS
//   after 10,000 mixed requests, 12 s quiet: 87.1 MB with collections alone, 68.8 MB shrunk), but
//   throws away every function the JIT compiled: the next burst spends ~1.4 s of CPU compiling them
//   again (610 compilations, 140 of them FTL, in the 3 s after one), and the first request after it
//   takes 11-20 ms instead of 3-5. So never between bursts a second apart, only once the proxy is
//   left alone: no request arriving and none in flight (a stream of minutes is work going on, not
//   quiet). And not for a health check or a metrics scrape every 15 s (deploy/): each would shrink
//   again, and every request after a pause would meet code thrown away.
// Start-up's garbage (the config's YAML, the schemas compiled) is shrunk away at once: that code is
// not run again.
export interface IdleCollector {
  /** Call once per request */
  served(): void;
  stop(): void;
}

export interface IdleTiming {
  /** How often the check runs; a quiet tick is one with no new request */
  tickMs: number;
  /** A burst of at least this many requests is collected after one quiet tick */
  large: number;
  /** Quiet this long, the heap is shrunk */
  quietMs: number;
  /** Requests since the last shrink that earn another (a probe or two do not) */
  earned: number;
  /** Shrink start-up's garbage at once */
  atStart: boolean;
}

/** What the collector does: a full collection, and JavaScriptCore's shrink (which includes one) */
export interface Collect {
  collect(): void;
  shrink(): void;
}

const TIMING: IdleTiming = { tickMs: 1_000, large: 2_000, quietMs: 5_000, earned: 100, atStart: true };

const HEAP: Collect = {
  collect: () => Bun.gc(true),
  shrink() {
    Bun.gc(true);
    // Marked deprecated in Bun's types, with no replacement; still what returns the free heap blocks.
    if (typeof Bun.shrink === "function") Bun.shrink();
  },
};

/** `busy`: whether anything is being served (a request in flight, a stream open) */
export function collectWhenIdle(timing: Partial<IdleTiming> = {}, heap: Collect = HEAP, busy: () => boolean = () => false): IdleCollector {
  const { tickMs, large, quietMs, earned, atStart } = { ...TIMING, ...timing };
  if (atStart) setTimeout(heap.shrink, 0).unref();
  let served = 0;
  let seen = 0;
  let collected = 0;
  let shrunk = 0;
  let quiet = 0;
  const timer = setInterval(() => {
    if (served !== seen) return void ((seen = served), (quiet = 0)); // still busy: look again next tick
    // A stream open is work going on: no shrink under it, though the burst's garbage may go.
    quiet = busy() ? 0 : quiet + tickMs;
    if (served - shrunk >= earned && quiet >= quietMs) return void ((shrunk = collected = served), heap.shrink());
    if (served - collected >= large) (collected = served), heap.collect();
  }, tickMs);
  timer.unref();
  return {
    served: () => void served++,
    stop: () => clearInterval(timer),
  };
}

// The one failover loop: a plan's pairs tried in turn until one answers. Every endpoint that calls
// an upstream goes through it (chats, token counts, embeddings through convert/engine.ts; model
// lists over a provider's keys), and it is the one place the router hears how an attempt ended.
import type { UnifiedError } from "../unified/index.ts";
import type { Pair, Router } from "./index.ts";

/** Why an attempt failed: `retry` when another pair may do better (and this one cools); `status` is the upstream's, absent for network faults. */
export interface Failure {
  error: UnifiedError;
  retry: boolean;
  status?: number;
  retryAfterMs?: number;
}

/** How an answer that outlived its attempt (a stream) ended: complete, broken by the upstream, or left by the client. */
export type StreamEnd = "complete" | "left" | Failure;

/** For an answer whose success is known only later: the router hears of it through the function returned. */
export type Defer = () => (end: StreamEnd) => void;

export function isFailure(x: unknown): x is Failure {
  return typeof x === "object" && x !== null && !(x instanceof Response) && "error" in x && "retry" in x;
}

/**
 * Tries each pair until one answers. A fault of the upstream (`retry`) cools its pair and moves on;
 * a fault of the request stops at once, cooling nothing. Success is recorded when an attempt
 * answers, or, deferred, when its stream completes. `failed` hears each failure (the request's log).
 */
export async function inTurn<T>(
  /** Absent where no router keeps health (`ccproxy models`, run once) */
  router: Pick<Router, "succeed" | "fail"> | undefined,
  pairs: readonly Pair[],
  tryPair: (pair: Pair, defer: Defer) => Promise<T | Failure>,
  failed?: (f: Failure) => void,
): Promise<T | (Failure & { tried: number })> {
  let last: Failure | undefined;
  let tried = 0;
  for (const pair of pairs) {
    tried++;
    let deferred = false;
    const out = await tryPair(pair, () => ((deferred = true), settler(router, pair)));
    if (!isFailure(out)) {
      if (!deferred) router?.succeed(pair);
      return out;
    }
    last = out;
    failed?.(out);
    settle(router, pair, out);
    if (!out.retry) break;
  }
  return { ...(last ?? { error: { status: 502, kind: "api_error", message: "no target to try" }, retry: false }), tried };
}

/**
 * What a stream calls at its end. Made here, not in the loop: a closure there would keep the loop's
 * scope, and through it the call, its request and its parse, for as long as the stream stays open.
 */
function settler(router: Pick<Router, "succeed" | "fail"> | undefined, pair: Pair): (end: StreamEnd) => void {
  return (end) => settle(router, pair, end);
}

function settle(router: Pick<Router, "succeed" | "fail"> | undefined, pair: Pair, end: StreamEnd): void {
  if (!router) return;
  if (end === "complete") router.succeed(pair);
  else if (end !== "left" && end.retry) router.fail(pair, { status: end.status, message: end.error.message, retryAfterMs: end.retryAfterMs });
}

// One attempt's call to its upstream, for every endpoint: sent within the attempt's waits, and what
// came back sorted into an answer to read or a failure the failover loop understands.
import type { UpstreamCall } from "../protocols/upstream.ts";
import { upstreamFetch } from "../protocols/upstream.ts";
import { originOf } from "../router/connect.ts";
import { parseRetryAfter } from "../router/health.ts";
import { ERROR_BODY_MAX, readCapped } from "./body.ts";
import { isRetryable, redirectError, upstreamError } from "./errors.ts";
import { AttemptWaits } from "./waits.ts";
import type { Attempt, Failure } from "./engine.ts";

/** The waits of one attempt at its pair: first byte (at most `firstByteMs`, when an endpoint answers sooner), connect, the client leaving. */
export function attemptWaits(a: Attempt, firstByteMs = a.pair.provider.limits.firstByteTimeoutMs): AttemptWaits {
  const limits = a.pair.provider.limits;
  return new AttemptWaits(a.call, Math.min(firstByteMs, limits.firstByteTimeoutMs), originOf(a.pair.provider.baseUrl), limits.connectTimeoutMs);
}

/**
 * Sends the attempt's request: the upstream's 2xx response, its body still to read within `waits`
 * (which the caller ends), or why not: unreachable or too slow, a redirect (never followed), or an
 * error status with the upstream's own words. A refused key (401, 403) is worth another pair.
 */
export async function send(a: Attempt, target: UpstreamCall, payload: string, waits: AttemptWaits): Promise<globalThis.Response | Failure> {
  const { where } = a;
  let res: globalThis.Response;
  try {
    res = await upstreamFetch(target, payload, waits.signal);
  } catch (e) {
    return { error: waits.failure(e, where), retry: true };
  }
  waits.answered();
  const redirected = redirectError(res, where);
  if (redirected) return { error: redirected, retry: true, status: res.status };
  if (res.ok) return res;
  const text = (await readCapped(res, ERROR_BODY_MAX).catch(() => "")) ?? "";
  a.trace?.upstreamBody(text);
  const error = upstreamError(a.engine.mappings, a.pair.provider.protocol, res.status, text, where);
  const retry = isRetryable(res.status) || res.status === 401 || res.status === 403;
  return { error, retry, status: res.status, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
}

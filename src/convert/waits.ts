// The waits of one upstream attempt and how each ends it, through one AbortController: the
// first-byte timeout (headers and, for streams, the first chunk; after that only the stream's idle
// timeout applies), the client going away, and on a cold origin the connect timeout
// (router/connect.ts). And what a failed fetch is called, in the client's error.
import { ConnectTimeout, watchConnect, type ConnectWatch, type Origin } from "../router/connect.ts";
import { unifiedError } from "./errors.ts";
import type { UnifiedError } from "../unified/index.ts";

/**
 * Watching the client's signal costs Bun ~4 µs a request (a tenth of the proxy's CPU); an upstream
 * that answers within this is not worth cancelling, so the watch starts then. A client already
 * gone by then shows as aborted.
 */
const WATCH_CLIENT_AFTER_MS = 20;

/** getaddrinfo's codes for a name that does not resolve (now or, EAI_AGAIN, for the time being). */
const UNRESOLVED = new Set(["ENOTFOUND", "EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA"]);

export class AttemptWaits {
  private readonly abort = new AbortController();
  private timedOut = false;
  private watching: AbortSignal | undefined;
  private timer: ReturnType<typeof setTimeout>;
  private connecting: ConnectWatch | undefined;
  private readonly onClientGone = () => this.abort.abort();

  constructor(
    /** Read lazily: Bun makes a request's signal when first asked for */
    private readonly call: { readonly signal?: AbortSignal },
    private readonly firstByteMs: number,
    private readonly origin: Origin,
    connectMs: number,
  ) {
    this.timer =
      firstByteMs > WATCH_CLIENT_AFTER_MS ? setTimeout(() => this.watchClient(), WATCH_CLIENT_AFTER_MS) : setTimeout(() => this.expire(), firstByteMs);
    this.connecting = watchConnect(origin, connectMs, this.abort);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Headers came: the origin is warm and its connect no longer in doubt. */
  answered(): void {
    this.origin.answeredAt = Date.now();
    this.connecting?.stop();
  }

  /** Why the fetch (or the first read) failed, naming `where`. */
  failure(e: unknown, where: string): UnifiedError {
    if (this.timedOut) return unifiedError(504, `${where}: no response within ${this.firstByteMs} ms`, undefined, "timeout");
    const reason = this.abort.signal.reason;
    if (reason instanceof ConnectTimeout) return unifiedError(504, `${where}: ${reason.message}`, undefined, "timeout");
    const err = e as { code?: string; message?: string };
    const why = err.code ?? err.message ?? String(e);
    if (err.code && UNRESOLVED.has(err.code)) return unifiedError(502, `${where}: cannot resolve upstream host "${this.origin.host}" (${why})`);
    return unifiedError(502, `${where}: cannot reach upstream (${why})`);
  }

  /** The attempt is over (answered whole, streaming on its own, or failed). */
  end(): void {
    clearTimeout(this.timer);
    this.connecting?.stop();
    this.watching?.removeEventListener("abort", this.onClientGone);
  }

  private watchClient(): void {
    const s = (this.watching = this.call.signal);
    if (s?.aborted) this.abort.abort();
    else s?.addEventListener("abort", this.onClientGone, { once: true });
    this.timer = setTimeout(() => this.expire(), this.firstByteMs - WATCH_CLIENT_AFTER_MS);
  }

  private expire(): void {
    this.timedOut = true;
    this.abort.abort();
  }
}

// What the server holds open, and for how long. A client's idle keep-alive connection closes after
// KEEP_ALIVE_S (Bun's idleTimeout), but that timer counts any silence on the socket, and a request
// waits in silence for its upstream (minutes, for a long generation not streamed; a stream whose
// upstream sends only pings is silent too). So a request that reaches a handler has no idle limit
// until its answer is complete: a whole one as it is handed to Bun, a stream at its end. Bun keeps a
// per-request limit for the connection's later life, hence the limit set back rather than dropped.
//
// And the shutdown: no new connections; requests in flight get a grace period; a stream still open
// at its end is ended with its protocol's error event, so its client and its log row both say why.
import type { Server } from "bun";
import type { StreamWatch } from "../convert/stream.ts";
import { unifiedError } from "../convert/errors.ts";
import type { UnifiedError } from "../unified/index.ts";

/** How long an idle keep-alive connection stays open: longer than SDKs' own pools keep theirs (4–5 s), so the client closes first. */
export const KEEP_ALIVE_S = 30;
/** After the grace period, how long ended streams get to send their last event before the process goes */
const LAST_WORDS_MS = 1000;

export class Connections {
  private readonly streams = new Set<(error: UnifiedError) => void>();
  /** Requests held: handed to a handler and not yet answered in full (a stream until its end) */
  inFlight = 0;

  constructor(readonly keepAliveS = KEEP_ALIVE_S) {}

  /** A request that reaches its handler: no idle limit until `answered` (whole) or its stream's end. */
  hold(server: Server<undefined>, req: Request): Held {
    server.timeout(req, 0);
    this.inFlight++;
    return new Held(this, server, req);
  }

  opened(stop: (error: UnifiedError) => void): () => void {
    this.streams.add(stop);
    return () => this.streams.delete(stop);
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /**
   * Stops accepting connections and waits for the requests in flight, up to `graceMs` (or until
   * `hurry` resolves: a second signal); then ends each stream still open with an error event in its
   * protocol and gives them a moment to say so. Resolves with what was left at the deadline.
   */
  async drain(server: Server<undefined>, graceMs: number, hurry?: Promise<unknown>): Promise<{ ended: number; inFlight: number }> {
    const done = server.stop(); // resolves once no request is in flight
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
    const drained = await Promise.race([done.then(() => true), deadline, ...(hurry ? [hurry] : [])]);
    clearTimeout(timer);
    if (drained === true) return { ended: 0, inFlight: 0 };
    const error = unifiedError(503, `the proxy is shutting down; the stream was ended after the ${graceMs} ms grace period`);
    const ended = this.streams.size;
    for (const stop of [...this.streams]) stop(error);
    await Promise.race([done, Bun.sleep(LAST_WORDS_MS)]);
    return { ended, inFlight: server.pendingRequests };
  }
}

/** One held request: the server's watch over its streams (a failover may open one after another). */
export class Held implements StreamWatch {
  private open = 0;
  private answer = false;

  constructor(
    private readonly conns: Connections,
    private readonly server: Server<undefined>,
    private readonly req: Request,
  ) {}

  opened(stop: (error: UnifiedError) => void): () => void {
    this.open++;
    const closed = this.conns.opened(stop);
    let once = false;
    return () => {
      if (once) return;
      once = true;
      closed();
      if (!--this.open && this.answer) this.release();
    };
  }

  /** The handler returned its response: a whole one goes out now, a stream sets the limit back at its end. */
  answered(): void {
    this.answer = true;
    if (!this.open) this.release();
  }

  private release(): void {
    this.conns.inFlight--;
    try {
      this.server.timeout(this.req, this.conns.keepAliveS);
    } catch {} // the connection is already gone
  }
}

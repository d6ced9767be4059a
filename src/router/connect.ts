// The connect timeout. Bun's fetch has no hook for its connect phase (its `timeout` option is an
// idle timer that also runs while a model thinks before its first byte), so the connect is watched
// from beside it. An origin (host:port) that has answered lately has pooled connections and is not
// watched: that costs one Map lookup and nothing else. One that has not (a first request, or a
// pool that has gone cold) gets a TCP connect probe to the same host:port beside the fetch; when the
// probe has not connected within connectTimeoutMs and the fetch has no headers yet, the fetch is
// aborted with a ConnectTimeout as its reason.
import { connect, type Socket } from "node:net";

/** How long after its last answer an origin counts as having pooled connections still. */
export const WARM_MS = 30_000;

export interface Origin {
  host: string;
  port: number;
  /** When it last answered with headers (Date.now()); 0 when never */
  answeredAt: number;
  /** fetch reaches it through a proxy from the environment: not probed (see `proxied`) */
  proxied: boolean;
}

/** By provider baseUrl, parsed once; baseUrls on the same host:port share one Origin. */
const byBaseUrl = new Map<string, Origin>();
const byHostPort = new Map<string, Origin>();

export function originOf(baseUrl: string): Origin {
  let o = byBaseUrl.get(baseUrl);
  if (!o) byBaseUrl.set(baseUrl, (o = parseOrigin(baseUrl)));
  return o;
}

function parseOrigin(baseUrl: string): Origin {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1"); // an IPv6 literal without its brackets
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const key = `${host}:${port}`;
  let o = byHostPort.get(key);
  if (!o) byHostPort.set(key, (o = { host, port, answeredAt: 0, proxied: proxied(url, process.env) }));
  return o;
}

export class ConnectTimeout extends Error {
  constructor(
    readonly origin: Origin,
    readonly ms: number,
  ) {
    super(`cannot connect to upstream ${origin.host}:${origin.port} within ${ms} ms`);
  }
}

export interface ConnectWatch {
  /** The fetch has headers, or has failed: the probe is no longer needed. */
  stop(): void;
}

/**
 * Watches the connect of a fetch to `o` that `abort` can abort: nothing (undefined) when the origin
 * answered within WARM_MS or is reached through a proxy; else a probe, stopped by its `stop`.
 */
export function watchConnect(o: Origin, ms: number, abort: AbortController): ConnectWatch | undefined {
  if (o.proxied || Date.now() - o.answeredAt < WARM_MS) return undefined;
  return new Probe(o, ms, abort);
}

class Probe implements ConnectWatch {
  private socket: Socket | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(o: Origin, ms: number, abort: AbortController) {
    const stop = () => this.stop();
    this.timer = setTimeout(() => {
      this.stop();
      abort.abort(new ConnectTimeout(o, ms));
    }, ms);
    // Connected: the host is reachable, whatever the fetch waits for now. Refused or unresolvable:
    // the fetch fails the same way and says so itself.
    this.socket = connect({ host: o.host, port: o.port }).once("connect", stop).on("error", stop);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.socket?.destroy(); // also cancels a connect still under way
    this.socket = undefined;
  }
}

/**
 * Whether fetch goes through a proxy from the environment for this URL (Bun honours HTTP_PROXY,
 * HTTPS_PROXY and NO_PROXY). Then the connect that matters is to the proxy, and a direct probe of
 * the origin would test the wrong hop, and fail where only the proxy may pass a firewall, aborting
 * good requests. When unsure this says yes: an unprobed origin only waits for its first-byte timeout.
 */
export function proxied(url: URL, env: Record<string, string | undefined>): boolean {
  const proxy = (url.protocol === "https:" && (env.HTTPS_PROXY || env.https_proxy)) || env.HTTP_PROXY || env.http_proxy;
  if (!proxy) return false;
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const entry of (env.NO_PROXY ?? env.no_proxy ?? "").toLowerCase().split(/[\s,]+/)) {
    if (entry === "*") return false;
    const m = /^(?:\*?\.)?(.+?)(?::(\d+))?$/.exec(entry);
    if (!m || (m[2] && m[2] !== port)) continue;
    if (host === m[1] || host.endsWith(`.${m[1]}`)) return false;
  }
  return true;
}

// What metrics and sharing pair health through Redis cost a request, and how fast shared health
// travels; the last phase of `bun run bench`, or alone with `bun bench/share.ts`. Both start a
// redis-server of their own (Debian's package) on a free loopback port.
// - propagation: two routers, each with its own Share (its own two connections to Redis), in this
//   process; router A cools N pairs one at a time, and each is timed from A.fail() until router B
//   has applied the news (a PUBLISH through Redis and back, and B's hear);
// - cost: four ccproxy binaries in front of an emulator of their own: metrics off and no redis (the
//   base), metrics on, metrics on with redis up, and the base again (the control: how far two
//   identical proxies read apart); wrk at concurrency 1, claude→openai plain and streamed, in
//   interleaved rounds; added p50 (proxied − direct of the same round) and CPU per request (user +
//   sys of the proxy's processes ÷ requests; redis-server's own is not counted). Healthy traffic
//   sends no news: what sharing costs a request is the subscription and the heartbeat beside it.
//   Nothing scrapes /metrics meanwhile: a scrape comes every 15 s or so, not per request.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { resolveConfig } from "../src/config/load.ts";
import type { HealthNews } from "../src/router/health.ts";
import { Router } from "../src/router/index.ts";
import { Share } from "../src/router/share.ts";
import { startRedis, type RedisServer } from "../test/support/redis.ts";
import { BINARY, CACHE } from "./setup.ts";
import { cpuUs, start, stop, type Proc } from "./procs.ts";
import { call, type Ports } from "./targets.ts";
import { wrk } from "./wrk.ts";
import { median, percentile } from "./stats.ts";

/** The processes measured, the base first */
export const SHARE_TARGETS = ["off", "metrics", "redis", "control"] as const;
export type ShareTarget = (typeof SHARE_TARGETS)[number];
export const SHARE_TARGET_NAMES: Record<ShareTarget, string> = {
  off: "metrics off, no redis (base)",
  metrics: "metrics on",
  redis: "metrics on + redis up",
  control: "base, again (control)",
};
export const SHARE_KINDS = ["plain", "stream"] as const;
export type ShareKind = (typeof SHARE_KINDS)[number];

export interface Propagation {
  events: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ShareCost {
  rounds: number;
  seconds: number;
  /** Added p50 (ms) per round, by kind and process */
  added: Record<ShareKind, Record<ShareTarget, number[]>>;
  /** CPU µs per request per round, by kind and process */
  cpu: Record<ShareKind, Record<ShareTarget, number[]>>;
}

/** A process's median over the base's (off), in % (one kind's per-round figures) */
export function percentOverBase(xs: Record<ShareTarget, number[]>, t: ShareTarget): number {
  const base = median(xs.off);
  return (100 * (median(xs[t]) - base)) / base;
}

/** ms from A.fail() to B having applied the news, per event: p50, p90, p99 and max */
export async function propagation(redis: RedisServer, events: number): Promise<Propagation> {
  const config = resolveConfig(
    { providers: { p: { protocol: "openai", baseUrl: "http://127.0.0.1:9/v1", keys: ["sk-bench-share"] } }, models: { "*": { targets: ["p/*"] } }, redis: { url: redis.url, prefix: "bench" } },
    { home: "/h", cwd: "/c" },
  );
  const a = new Router(config);
  const b = new Router(config);
  const shares = [new Share(a, config.redis!), new Share(b, config.redis!)];
  try {
    const deadline = Date.now() + 5000;
    while (!shares.every((s) => s.connected)) {
      if (Date.now() > deadline) throw new Error(`cannot connect to ${redis.url}`);
      await Bun.sleep(10);
    }
    let heard: ((n: HealthNews) => void) | undefined;
    const hear = b.hear.bind(b);
    b.hear = (n) => (hear(n), heard?.(n));
    const ms: number[] = [];
    for (let i = 0; i < events; i++) {
      const model = `m-${i}`;
      const pair = a.plan(config.models, model)!.attempts[0]!;
      const arrived = new Promise<number>((resolve) => (heard = (n) => n.model === model && resolve(performance.now())));
      const t0 = performance.now();
      a.fail(pair, { status: 429, message: "rate limited", retryAfterMs: 60_000 });
      ms.push((await arrived) - t0);
      await Bun.sleep(5); // one event at a time, as failures come
    }
    return { events, p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99), max: Math.max(...ms) };
  } finally {
    for (const s of shares) s.close();
  }
}

/** Runs the cost measurement on ports base … base+4; the binary must be built and `redis` up. */
export async function measureShare(redis: RedisServer, o: { rounds: number; seconds: number; base: number }): Promise<ShareCost> {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-bench-share-"));
  const logs = join(CACHE, "logs");
  mkdirSync(logs, { recursive: true });
  const portOf: Record<ShareTarget, number> = { off: o.base + 1, metrics: o.base + 2, redis: o.base + 3, control: o.base + 4 };
  const ports = (proxy: number): Ports => ({ emulator: o.base, floor: 0, ccproxy: proxy, ccr: 0, portkey: 0 });
  const procs: Proc[] = [];
  const pid: Partial<Record<ShareTarget, number>> = {};
  try {
    procs.push(await start({ name: "share-emulator", cmd: ["bun", join(import.meta.dir, "emulator.ts"), String(o.base)], port: o.base }, logs));
    for (const t of SHARE_TARGETS) {
      const config = join(dir, `${t}.yaml`);
      writeFileSync(
        config,
        stringify({
          listen: `127.0.0.1:${portOf[t]}`,
          logging: { enabled: false },
          console: { level: "off" },
          metrics: { enabled: t === "metrics" || t === "redis" },
          providers: { emuo: { protocol: "openai", baseUrl: `http://127.0.0.1:${o.base}/v1`, keys: ["sk-bench"] } },
          models: { "claude-*": { targets: ["emuo/*"] } },
          ...(t === "redis" && { redis: { url: redis.url, prefix: "bench-cost" } }),
        }),
      );
      const p = await start({ name: `share-${t}`, cmd: [BINARY, "--config", config], port: portOf[t], env: { HOME: dir } }, logs);
      procs.push(p);
      pid[t] = p.child.pid;
    }

    const targets = ["direct", ...SHARE_TARGETS] as const;
    const callOf = (t: (typeof targets)[number], kind: ShareKind) => {
      const stream = kind === "stream";
      return t === "direct" ? call("direct", "claude→openai", "fast", ports(0), stream) : call("ccproxy", "claude→openai", "fast", ports(portOf[t]), stream);
    };
    for (const kind of SHARE_KINDS)
      for (const t of targets)
        for (let i = 0; i < 300; i++) {
          const c = callOf(t, kind);
          await (await fetch(c.url, { method: "POST", headers: c.headers, body: c.body })).text();
        }
    const p50: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    for (let r = 0; r < o.rounds; r++)
      for (const kind of SHARE_KINDS)
        for (let k = 0; k < targets.length; k++) {
          const t = targets[(k + r) % targets.length]!;
          const cpu0 = t === "direct" ? 0 : cpuUs(pid[t]!);
          const w = await wrk(callOf(t, kind), { seconds: o.seconds, connections: 1, threads: 1, check: kind === "plain", dir: CACHE, tag: "share" });
          if (w.errors || w.bad) throw new Error(`share ${t} ${kind}: ${w.errors} errors, ${w.bad} bad replies`);
          (p50[`${t} ${kind}`] ??= []).push(w.pct["50"]! / 1000);
          if (t !== "direct") (cpu[`${t} ${kind}`] ??= []).push((cpuUs(pid[t]!) - cpu0) / w.requests);
        }

    const byTarget = (f: (t: ShareTarget) => number[]) => Object.fromEntries(SHARE_TARGETS.map((t) => [t, f(t)])) as Record<ShareTarget, number[]>;
    const added = (kind: ShareKind) => byTarget((t) => p50[`${t} ${kind}`]!.map((x, i) => x - p50[`direct ${kind}`]![i]!));
    const cpuOf = (kind: ShareKind) => byTarget((t) => cpu[`${t} ${kind}`]!);
    return { rounds: o.rounds, seconds: o.seconds, added: { plain: added("plain"), stream: added("stream") }, cpu: { plain: cpuOf("plain"), stream: cpuOf("stream") } };
  } finally {
    for (const p of procs.reverse()) await stop(p.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The phase whole: a redis-server of its own, the propagation, then the cost. */
export async function measureMetricsAndShare(o: { rounds: number; seconds: number; base: number; events: number }): Promise<{ propagation: Propagation; cost: ShareCost }> {
  const redis = await startRedis();
  try {
    return { propagation: await propagation(redis, o.events), cost: await measureShare(redis, o) };
  } finally {
    await redis.close();
  }
}

// What sharing pair health through Redis costs and how fast it travels. `bun bench/share.ts
// [--events N] [--rounds N] [--seconds S] [--no-cost]` starts a redis-server of its own (Debian's
// package) on a free port and prints:
// - propagation: two routers, each with its own Share (its own two connections to Redis), in this
//   process; router A cools N pairs one at a time, and each is timed from A.fail() until router B
//   has applied the news (a PUBLISH through Redis and back, and B's hear);
// - cost: three ccproxy binaries in front of the bench's emulator, without redis, with redis (up),
//   and without again (the control: how far two identical proxies read apart), wrk at concurrency 1,
//   claude→openai plain, interleaved rounds; added p50 (proxied − direct of the same round) and CPU
//   per request (user + sys of the proxy ÷ requests). Healthy traffic sends no news: what sharing
//   costs a request is the subscription and the heartbeat beside it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { resolveConfig } from "../src/config/load.ts";
import type { HealthNews } from "../src/router/health.ts";
import { Router } from "../src/router/index.ts";
import { Share } from "../src/router/share.ts";
import { startRedis, type RedisServer } from "../test/support/redis.ts";
import { BINARY, CACHE, buildProxy, ensureTools } from "./setup.ts";
import { cpuUs, start, stop, type Proc } from "./procs.ts";
import { call, type Ports } from "./targets.ts";
import { wrk } from "./wrk.ts";
import { median, percentile } from "./stats.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

/** ms from A.fail() to B having applied the news, one per event */
export async function propagation(redis: RedisServer, events: number): Promise<number[]> {
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
    const out: number[] = [];
    for (let i = 0; i < events; i++) {
      const model = `m-${i}`;
      const pair = a.plan(config.models, model)!.attempts[0]!;
      const arrived = new Promise<number>((resolve) => (heard = (n) => n.model === model && resolve(performance.now())));
      const t0 = performance.now();
      a.fail(pair, { status: 429, message: "rate limited", retryAfterMs: 60_000 });
      out.push((await arrived) - t0);
      await Bun.sleep(5); // one event at a time, as failures come
    }
    return out;
  } finally {
    for (const s of shares) s.close();
  }
}

const TARGETS = ["off", "redis", "control"] as const;
type Target = (typeof TARGETS)[number];

/** Added p50 (ms) and CPU µs per request, per round and target */
export async function cost(redis: RedisServer, o: { rounds: number; seconds: number; base: number }) {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-bench-share-"));
  const logs = join(CACHE, "logs");
  mkdirSync(logs, { recursive: true });
  const portOf: Record<Target, number> = { off: o.base + 1, redis: o.base + 2, control: o.base + 3 };
  const ports = (proxy: number): Ports => ({ emulator: o.base, floor: 0, ccproxy: proxy, ccr: 0, portkey: 0 });
  const procs: Proc[] = [];
  const pid: Partial<Record<Target, number>> = {};
  try {
    procs.push(await start({ name: "share-emulator", cmd: ["bun", join(import.meta.dir, "emulator.ts"), String(o.base)], port: o.base }, logs));
    for (const t of TARGETS) {
      const config = join(dir, `${t}.yaml`);
      writeFileSync(
        config,
        stringify({
          listen: `127.0.0.1:${portOf[t]}`,
          logging: { enabled: false },
          console: { level: "off" },
          providers: { emuo: { protocol: "openai", baseUrl: `http://127.0.0.1:${o.base}/v1`, keys: ["sk-bench"] } },
          models: { "claude-*": { targets: ["emuo/*"] } },
          ...(t === "redis" && { redis: { url: redis.url, prefix: "bench-cost" } }),
        }),
      );
      const p = await start({ name: `share-${t}`, cmd: [BINARY, "--config", config], port: portOf[t], env: { HOME: dir } }, logs);
      procs.push(p);
      pid[t] = p.child.pid;
    }
    const callOf = (t: Target | "direct") => (t === "direct" ? call("direct", "claude→openai", "fast", ports(0), false) : call("ccproxy", "claude→openai", "fast", ports(portOf[t]), false));
    const all = ["direct", ...TARGETS] as const;
    for (const t of all)
      for (let i = 0; i < 500; i++) {
        const c = callOf(t);
        await (await fetch(c.url, { method: "POST", headers: c.headers, body: c.body })).text();
      }
    const p50: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    for (let r = 0; r < o.rounds; r++)
      for (let k = 0; k < all.length; k++) {
        const t = all[(k + r) % all.length]!;
        const cpu0 = t === "direct" ? 0 : cpuUs(pid[t]!);
        const w = await wrk(callOf(t), { seconds: o.seconds, connections: 1, threads: 1, check: true, dir: CACHE, tag: "share" });
        if (w.errors || w.bad) throw new Error(`share ${t}: ${w.errors} errors, ${w.bad} bad replies`);
        (p50[t] ??= []).push(w.pct["50"]! / 1000);
        if (t !== "direct") (cpu[t] ??= []).push((cpuUs(pid[t]!) - cpu0) / w.requests);
      }
    const added = Object.fromEntries(TARGETS.map((t) => [t, p50[t]!.map((x, i) => x - p50.direct![i]!)])) as Record<Target, number[]>;
    return { added, cpu: cpu as Record<Target, number[]> };
  } finally {
    for (const p of procs.reverse()) await stop(p.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const events = arg("--events", 200);
  const redis = await startRedis();
  try {
    const ms = await propagation(redis, events);
    const f = (x: number) => x.toFixed(3);
    console.log(`propagation, ${events} cool events (A.fail → B applied, through redis-server on loopback, one process):`);
    console.log(`  p50 ${f(percentile(ms, 50))} ms, p90 ${f(percentile(ms, 90))} ms, p99 ${f(percentile(ms, 99))} ms, max ${f(Math.max(...ms))} ms`);
    if (!process.argv.includes("--no-cost")) {
      const rounds = arg("--rounds", 8);
      const seconds = arg("--seconds", 2);
      await ensureTools();
      await buildProxy();
      const c = await cost(redis, { rounds, seconds, base: Number(process.env.BENCH_PORT ?? 18400) + 60 });
      console.log(`cost: ccproxy binary, claude→openai plain, wrk -c1, ${rounds} rounds × ${seconds} s per target`);
      console.log(`  ${"target".padEnd(8)} added p50 ms (min…max)      vs off    CPU µs/req   vs off`);
      const offAdded = median(c.added.off);
      const offCpu = median(c.cpu.off);
      for (const t of TARGETS) {
        const a = c.added[t];
        const pct = (x: number, base: number) => (t === "off" ? "" : `${x >= base ? "+" : ""}${((100 * (x - base)) / base).toFixed(1)}%`);
        console.log(
          `  ${t.padEnd(8)} ${median(a).toFixed(4)} (${Math.min(...a).toFixed(4)}…${Math.max(...a).toFixed(4)})   ${pct(median(a), offAdded).padEnd(8)}  ${median(c.cpu[t]).toFixed(1).padStart(6)}       ${pct(median(c.cpu[t]), offCpu)}`,
        );
      }
    }
  } finally {
    await redis.close();
  }
}

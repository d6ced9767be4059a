// Replicas share pair health through a real redis-server (issue 19): two proxies in this process,
// one scripted OpenAI upstream that tells the keys apart, the official SDK as the client. What a
// replica learns (a 429, a refused key, a recovery) reaches the other, which then stops calling
// the pair: asserted on what the upstream received. Redis down, restarted, or silent costs the
// requests nothing.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import OpenAI from "openai";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startUpstream, type Received, type Reply, type Upstream } from "./support/upstream.ts";
import { openaiCompletion } from "./support/wire.ts";
import { REDIS_SERVER, silentServer, startRedis, type RedisServer } from "./support/redis.ts";
import { resolveConfig } from "../src/config/load.ts";
import { Router } from "../src/router/index.ts";
import { Sharing } from "../src/router/share.ts";
import { serve } from "./support/serve.ts";

const KEY = "share-access-key";
const K1 = "sk-share-first-1111";
const K2 = "sk-share-second-2222";
const OK: Reply = { json: openaiCompletion({ content: "ok" }) };

if (!REDIS_SERVER) console.warn("redis-share.test.ts: skipped: no redis-server on this machine (apt-get install redis-server; .ci/run installs it)");

const keyOf = (r: Received) => r.headers.authorization?.replace(/^Bearer /, "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `cond`, checking every few ms, at most `ms`; whether it came true. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(2);
  }
  return true;
}

let redis: RedisServer;
let up: Upstream;
/** How the upstream answers each key now */
let answer: (key: string | undefined, r: Received) => Reply | Promise<Reply> = () => OK;
const open: Proxy[] = [];
let prefixes = 0;

beforeAll(async () => {
  if (!REDIS_SERVER) return;
  [redis, up] = await Promise.all([startRedis(), startUpstream("openai")]);
  up.script(...Array.from({ length: 20_000 }, () => (r: Received) => answer(keyOf(r), r)));
});
afterAll(async () => {
  await Promise.all([redis?.close(), up?.close()]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  answer = () => OK;
});

/**
 * A replica: keys in the order given; sharing through `redis` when a url is given (each test its own
 * prefix). Its upstream calls carry its `name` in x-replica.
 */
async function replica(keys: string[], url: string | undefined, prefix: string, name = "late"): Promise<Proxy> {
  const p = await startProxy({
    accessKeys: [KEY],
    providers: { oa: { protocol: "openai", baseUrl: up.url, keys, headers: { "x-replica": name } } },
    models: { m: { targets: ["oa/gpt"] }, n: { targets: ["oa/other"] } },
    ...(url && { redis: { url, prefix } }),
  });
  open.push(p);
  return p;
}

async function replicas(o: { second?: string[]; url?: string | null } = {}): Promise<[Proxy, Proxy]> {
  const prefix = `t${++prefixes}`;
  const url = o.url === null ? undefined : (o.url ?? redis.url);
  const pair = [await replica([K1, K2], url, prefix, "a"), await replica(o.second ?? [K1, K2], url, prefix, "b")] as [Proxy, Proxy];
  if (url === redis.url) expect(await until(() => pair.every((p) => p.router.share?.connected), 5000)).toBe(true);
  return pair;
}

function chat(p: Proxy, model = "m") {
  return new OpenAI({ apiKey: KEY, baseURL: `${p.url}/v1`, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
}

/** `n` requests through `p`, one after another: the keys the upstream was called with for them. */
async function keysCalled(p: Proxy, n: number, model = "m"): Promise<(string | undefined)[]> {
  const from = up.received.length;
  for (let i = 0; i < n; i++) expect((await chat(p, model)).choices[0]!.message.content).toBe("ok");
  return up.received.slice(from).map(keyOf);
}

const cooling = (p: Proxy, model = "gpt") => p.router.status().filter((s) => s.model === model && s.state === "cooling");

describe.skipIf(!REDIS_SERVER)("replicas sharing pair health through Redis", () => {
  test("a 429 seen through one replica cools the pair on the other within 200 ms, for the same remaining time", async () => {
    const [a, b] = await replicas();
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "30" } } : OK);
    expect(await keysCalled(a, 1)).toEqual([K1, K2]); // a's first turn is K1's: refused, then failed over
    expect(await until(() => cooling(b).length === 1, 200)).toBe(true);
    expect(cooling(b)[0]!.coolingUntil).toBe(cooling(a)[0]!.coolingUntil!);
    // b's rotation starts at K1 too, and would call it on every other request: it calls K2 only.
    expect(await keysCalled(b, 4)).toEqual([K2, K2, K2, K2]);
  });

  test("replicas listing the keys in another order still share: the pair is named by a hash of its key", async () => {
    const [a, b] = await replicas({ second: [K2, K1] });
    answer = (key) => (key === K1 ? { error: 429 } : OK);
    expect(await keysCalled(a, 1)).toEqual([K1, K2]);
    expect(await until(() => cooling(b).length === 1, 200)).toBe(true);
    expect(cooling(b)[0]).toMatchObject({ key: "oa#2", failures: 1, lastError: { status: 429 } }); // K1 is b's second key
    expect(await keysCalled(b, 4)).toEqual([K2, K2, K2, K2]);
    expect(JSON.stringify(b.router.status())).not.toContain(K1);
  });

  test("a key refused through one replica cools on every model on the other", async () => {
    const [a, b] = await replicas({ second: [K2, K1] });
    expect(await keysCalled(b, 2, "n")).toEqual([K2, K1]); // b has used model n's pairs: its status lists them
    answer = (key) => (key === K1 ? { error: 401 } : OK);
    expect(await keysCalled(a, 1)).toEqual([K1, K2]);
    expect(await until(() => cooling(b, "other").length === 1, 200)).toBe(true);
    expect(await keysCalled(b, 4, "n")).toEqual([K2, K2, K2, K2]); // another model, the same refused key
  });

  test("a recovery seen through one replica ends the cooldown on the other", async () => {
    const [a, b] = await replicas();
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "30" } } : OK);
    await keysCalled(a, 1);
    expect(await until(() => cooling(b).length === 1, 200)).toBe(true);
    // K2 fails on a; K1, cooling and tried last, answers: K1 has recovered, K2 cools, and b hears both.
    answer = (key) => (key === K2 ? { error: 503 } : OK);
    expect(await keysCalled(a, 1)).toEqual([K2, K1]);
    expect(await until(() => cooling(b).length === 1 && cooling(b)[0]!.key === "oa#2", 200)).toBe(true);
    answer = () => OK;
    expect(await keysCalled(b, 3)).toEqual([K1, K1, K1]);
  });

  test("a replica that starts later reads the current state from Redis", async () => {
    const [a] = await replicas();
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "30" } } : OK);
    await keysCalled(a, 1);
    await sleep(50); // written
    const late = await replica([K2, K1], redis.url, `t${prefixes}`);
    expect(await until(() => cooling(late).length === 1, 5000)).toBe(true);
    expect(cooling(late)[0]!.coolingUntil).toBe(cooling(a)[0]!.coolingUntil!);
    expect(await keysCalled(late, 4)).toEqual([K2, K2, K2, K2]);
  });

  test("a reloaded config's router reads the shared state again, and its news goes on being told", async () => {
    const [a] = await replicas();
    const configOf = (keys: string[]) =>
      resolveConfig(
        { providers: { oa: { protocol: "openai", baseUrl: up.url, keys } }, models: { m: { targets: ["oa/gpt"] } }, redis: { url: redis.url, prefix: `t${prefixes}` } },
        { home: "/h", cwd: "/c" },
      );
    // A replica as `serve` makes one: its Sharing, and a router for each config it loads.
    const sharing = new Sharing();
    try {
      const before = new Router(configOf([K1, K2]));
      sharing.use(before, configOf([K1, K2]).redis);
      expect(await until(() => before.share!.connected, 5000)).toBe(true);
      answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "30" } } : OK);
      await keysCalled(a, 1);
      expect(await until(() => before.status().some((s) => s.state === "cooling"), 200)).toBe(true);
      // Reloaded with the keys in another order: a new router, the same Redis.
      const config = configOf([K2, K1]);
      const next = before.handOver(new Router(config));
      sharing.use(next, config.redis);
      expect(before.share).toBeUndefined();
      expect(await until(() => next.status().some((s) => s.state === "cooling" && s.key === "oa#2"), 5000)).toBe(true);
      next.fail(next.plan(config.models, "m")!.attempts.find((p) => p.key === K2)!, { status: 503, message: "down" });
      expect(await until(() => cooling(a).some((s) => s.key === "oa#2"), 200)).toBe(true); // K2 is a's second key
    } finally {
      sharing.close();
    }
  });

  test("without redis, replicas do not share", async () => {
    const [a, b] = await replicas({ url: null });
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "30" } } : OK);
    await keysCalled(a, 1);
    await sleep(200);
    expect(cooling(b)).toEqual([]);
    expect(await keysCalled(b, 1)).toEqual([K1, K2]); // b pays for the same 429 again
  });
});

/** `n` requests through each replica, one after another: how many answered within `bound` ms, and how many answered at all. */
async function timed(proxies: Proxy[], n: number, bound: number): Promise<{ ok: number; within: number; slowest: number }> {
  let ok = 0;
  let within = 0;
  let slowest = 0;
  for (let i = 0; i < n; i++)
    for (const p of proxies) {
      const t0 = performance.now();
      const c = await chat(p).catch(() => undefined);
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      if (c?.choices[0]?.message.content === "ok") ok++, ms <= bound && within++;
    }
  return { ok, within, slowest };
}

describe.skipIf(!REDIS_SERVER)("a Redis that is down, restarted, or never answers", () => {
  /** The slowest of a run without Redis, plus 50 ms: what a request may take with a Redis that fails it. */
  let bound: number;

  beforeAll(async () => {
    const [a, b] = await replicas({ url: null });
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "0.05" } } : OK);
    await timed([a, b], 5, Infinity); // warm
    bound = (await timed([a, b], 40, Infinity)).slowest + 50;
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  test("Redis killed mid-run: no error and no delay; restarted: sharing resumes, with what was learnt meanwhile", async () => {
    const [a, b] = await replicas();
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "0.05" } } : OK);
    await redis.kill();
    // Failures go on (each a piece of news for a Redis that is gone): every request answers, in time.
    const run = await timed([a, b], 40, bound);
    expect(run).toMatchObject({ ok: 80, within: 80 });
    expect(a.router.share?.connected).toBe(false);
    await sleep(100); // the run's 50 ms cooldowns are over

    // While Redis is down a learns of a long cooldown; when Redis is back, b hears of it.
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "30" } } : OK);
    while (cooling(a).length === 0) await chat(a);
    expect(cooling(b)).toEqual([]);
    await redis.start();
    expect(await until(() => a.router.share!.connected && b.router.share!.connected, 5000)).toBe(true);
    expect(await until(() => cooling(b).length === 1, 5000)).toBe(true);
    expect(await keysCalled(b, 3)).toEqual([K2, K2, K2]);

    // And news from now on travels as before.
    answer = (key) => (key === K2 ? { error: 429, headers: { "retry-after": "30" } } : OK);
    await keysCalled(b, 1);
    expect(await until(() => cooling(a).some((s) => s.key === "oa#2"), 200)).toBe(true);
  });

  test("a Redis that stops answering mid-run: no error and no delay; when it answers again, sharing resumes", async () => {
    const [a, b] = await replicas();
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "0.05" } } : OK);
    redis.pause();
    try {
      const run = await timed([a, b], 40, bound);
      expect(run).toMatchObject({ ok: 80, within: 80 });
      expect(await until(() => !a.router.share!.connected, 5000)).toBe(true); // its heartbeat went unanswered
    } finally {
      redis.resume();
    }
    await sleep(100); // the run's 50 ms cooldowns are over
    expect(await until(() => a.router.share!.connected && b.router.share!.connected, 5000)).toBe(true);
    answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "30" } } : OK);
    while (cooling(a).length === 0) await chat(a);
    expect(await until(() => cooling(b).length === 1, 200)).toBe(true);
  });

  test("a Redis that accepts connections and never answers: no error and no delay", async () => {
    const silent = await silentServer();
    try {
      const [a, b] = await replicas({ url: silent.url });
      answer = (key) => (key === K1 ? { error: 429, headers: { "retry-after": "0.05" } } : OK);
      const run = await timed([a, b], 40, bound);
      expect(run).toMatchObject({ ok: 80, within: 80 });
      expect(silent.accepted()).toBeGreaterThan(0); // it was tried
      expect(a.router.share?.connected).toBe(false);
    } finally {
      await Promise.all(open.splice(0).map((p) => p.close()));
      await silent.close();
    }
  });
});

describe.skipIf(!REDIS_SERVER)("what the person running it sees", () => {
  test("the banner names the Redis without its password; stderr and ccproxy status say whether it is connected", async () => {
    const PASSWORD = "redis-pw-7c1e9a";
    const own = await startRedis({ password: PASSWORD });
    const config = `listen: 127.0.0.1:0
accessKeys: [${KEY}]
logging: { enabled: false }
redis: { url: "\${REDIS_URL}", prefix: cli }
providers:
  oa: { protocol: openai, baseUrl: "${up.url}", keys: [${K1}] }
models:
  m: { targets: [oa/gpt] }
`;
    const s = await serve(config, { REDIS_URL: own.url });
    const status = () => {
      const r = Bun.spawnSync(["bun", join(import.meta.dir, "../src/main.ts"), "status", "--config", s.file, "--port", new URL(s.url).port], { env: { PATH: process.env.PATH!, HOME: s.dir } });
      return r.stdout.toString() + r.stderr.toString();
    };
    try {
      const shown = `redis://:[redacted]@127.0.0.1:${own.port}`;
      expect(s.stdout()).toContain(`pair health: shared with other replicas through ${shown} (prefix cli)`);
      await s.until(() => s.stderr().includes(`ccproxy: redis ${shown}: connected; pair health is shared under "cli"`));
      expect(status()).toContain(`pair health shared through ${shown} (prefix cli): connected`);
      const admin = (await (await fetch(`${s.url}/admin/status`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { sharing?: unknown };
      expect(admin.sharing).toEqual({ redis: shown, prefix: "cli", connected: true });
      await own.kill();
      await s.until(() => s.stderr().includes(`ccproxy: redis ${shown}: lost (`));
      expect(status()).toContain("(prefix cli): not connected; serving on this replica's own");
      await own.start();
      await s.until(() => s.stderr().split("connected; pair health is shared").length === 3);
      expect(s.stdout() + s.stderr()).not.toContain(PASSWORD);
    } finally {
      await s.close();
      await own.close();
    }
    // A Redis never reached is said once, however often it is tried.
    const t = await serve(config, { REDIS_URL: own.url });
    try {
      await t.until(() => t.stderr().includes(": cannot connect ("));
      await sleep(1500); // tried again at 100, 200, 400 and 800 ms
      expect(t.stderr().split("ccproxy: redis").length).toBe(2);
    } finally {
      await t.close();
    }
  }, 30_000);
});

describe.skipIf(!REDIS_SERVER)("load: 2 replicas, 2,000 requests at concurrency 20, one pair flipping between 429 and OK every 200 ms", () => {
  test("every request succeeds; few reach the pair while it cools", async () => {
    const [a, b] = await replicas({ second: [K2, K1] });
    const PHASE = 200;
    const t0 = Date.now();
    const limited = () => Math.floor((Date.now() - t0) / PHASE) % 2 === 1;
    let toK1 = 0;
    let whileCooling = 0;
    /** Of those, sent while only the other replica had it cooling: what sharing is there to prevent */
    let coolingElsewhere = 0;
    let refused = 0;
    // Each answer takes 20 ms, as a fast upstream's would: the run spans several phases.
    answer = async (key, r) => {
      if (key === K1) {
        toK1++;
        const [sender, other] = r.headers["x-replica"] === "a" ? [a, b] : [b, a];
        if (cooling(sender).length || cooling(other).length) whileCooling++;
        if (!cooling(sender).length && cooling(other).length) coolingElsewhere++;
      }
      await sleep(20);
      if (key !== K1 || !limited()) return OK;
      refused++;
      const left = PHASE - ((Date.now() - t0) % PHASE); // the rate limit's window ends with the phase
      return { error: 429, headers: { "retry-after": (left / 1000).toFixed(3) } };
    };
    const N = 2000;
    let next = 0;
    let ok = 0;
    const worker = async (w: number) => {
      while (next < N) {
        next++;
        const c = await chat(w % 2 ? a : b).catch((e) => e);
        if (c?.choices?.[0]?.message.content === "ok") ok++;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
    expect(ok).toBe(N);
    const share = whileCooling / N;
    console.log(
      `load: ${N} requests in ${Date.now() - t0} ms, all answered; ${toK1} reached the flipping pair, ${refused} of them refused (429); ` +
        `${whileCooling} (${(share * 100).toFixed(2)}% of all requests) reached it while a replica had it cooling, ${coolingElsewhere} of them sent by the replica that did not`,
    );
    expect(share).toBeLessThan(0.05);
  }, 60_000);
});

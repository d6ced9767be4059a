import { describe, expect, test } from "bun:test";
import { resolveConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { PAIR_LIMIT, Router } from "./index.ts";
import { cooldownMs, parseRetryAfter, type HealthNews } from "./health.ts";
import { keyHash } from "./ids.ts";

function router(config: Partial<Config>, clock = { t: 1_000_000 }) {
  const resolved = resolveConfig({ providers: {}, ...config } as Config, { home: "/h", cwd: "/c" });
  return { r: new Router(resolved, () => clock.t), resolved, clock };
}

const providers: Config["providers"] = {
  a: { protocol: "openai", baseUrl: "http://a", keys: ["ka1", "ka2"] },
  b: { protocol: "claude", baseUrl: "http://b", keys: ["kb1"] },
};
const ids = (p: ReturnType<Router["plan"]>) => p!.attempts.map((a) => a.id);

describe("rotation over targets × keys", () => {
  test("each request starts one pair further; the rest of the pool follows for failover", () => {
    const { r } = router({ providers, models: { m: { targets: ["a/x", "b/y"] } }, limits: { attempts: 5 } });
    expect(ids(r.plan(r["config"].models, "m"))).toEqual(["a#1/x", "a#2/x", "b#1/y"]);
    expect(ids(r.plan(r["config"].models, "m"))).toEqual(["a#2/x", "b#1/y", "a#1/x"]);
    expect(ids(r.plan(r["config"].models, "m"))).toEqual(["b#1/y", "a#1/x", "a#2/x"]);
  });

  test("peek names a model's first pair without moving the rotation; unknown names peek nothing", () => {
    const { r, resolved } = router({ providers, models: { m: { targets: ["a/x", "b/y"] } }, limits: { attempts: 5 } });
    for (let i = 0; i < 3; i++) expect(r.peek(resolved.models, "m")!.id).toBe("a#1/x");
    expect(ids(r.plan(resolved.models, "m"))).toEqual(["a#1/x", "a#2/x", "b#1/y"]);
    expect(r.peek(resolved.models, "m")!.id).toBe("a#1/x");
    expect(ids(r.plan(resolved.models, "m"))).toEqual(["a#2/x", "b#1/y", "a#1/x"]);
    expect(r.peek(resolved.models, "nope")).toBeUndefined();
  });

  test("a weight gives a target more turns", () => {
    const { r, resolved } = router({
      providers: { a: { protocol: "openai", baseUrl: "http://a" }, b: { protocol: "openai", baseUrl: "http://b" } },
      models: { m: { targets: [{ target: "a/x", weight: 3 }, "b/y"] } },
    });
    const firsts = Array.from({ length: 8 }, () => r.plan(resolved.models, "m")!.attempts[0]!.provider.name);
    expect(firsts.filter((n) => n === "a").length).toBe(6);
    expect(firsts.filter((n) => n === "b").length).toBe(2);
  });

  test("a wildcard serves any number of names; each keeps its own upstream model as the cache turns over", () => {
    const { r, resolved } = router({ providers, models: { "m-*": { targets: ["b/*"] } } });
    for (let i = 0; i < 3000; i++) expect(r.plan(resolved.models, `m-${i}`)!.attempts[0]!.model).toBe(`m-${i}`);
    expect(ids(r.plan(resolved.models, "m-7"))).toEqual(["b#1/m-7"]);
  });

  test("with cooling pairs, the healthy ones lead and the cooling follow, soonest back first", () => {
    const { r, resolved, clock } = router({ providers, models: { m: { targets: ["a/x", "b/y"] } }, limits: { attempts: 5 } });
    const [first, second] = r.plan(resolved.models, "m")!.attempts;
    r.fail(second!, { status: 503, message: "down", retryAfterMs: 5_000 });
    r.fail(first!, { status: 503, message: "down", retryAfterMs: 1_000 });
    expect(ids(r.plan(resolved.models, "m"))).toEqual(["b#1/y", "a#1/x", "a#2/x"]);
    clock.t += 2_000; // a#1 is back, a#2 still cools: from a#1's turn, it leads and a#2 goes last
    r.plan(resolved.models, "m");
    expect(ids(r.plan(resolved.models, "m"))).toEqual(["a#1/x", "b#1/y", "a#2/x"]);
  });

  test("attempts are capped by limits.attempts", () => {
    const { r, resolved } = router({ providers, models: { m: { targets: ["a/x", "b/y"] } }, limits: { attempts: 2 } });
    expect(r.plan(resolved.models, "m")!.attempts.length).toBe(2);
  });
});

describe("cooldown and failover", () => {
  test("a failed pair goes last until its cooldown ends, then rejoins", () => {
    const { r, resolved, clock } = router({ providers: { b: providers.b!, a: providers.a! }, models: { m: { targets: ["b/y", "a/x"] } } });
    const first = r.plan(resolved.models, "m")!.attempts[0]!;
    expect(first.id).toBe("b#1/y");
    r.fail(first, { status: 503, message: "unavailable" });
    for (let i = 0; i < 3; i++) expect(r.plan(resolved.models, "m")!.attempts.at(-1)!.id).toBe("b#1/y");
    clock.t += 1001;
    const ids = new Set(Array.from({ length: 3 }, () => r.plan(resolved.models, "m")!.attempts[0]!.id));
    expect(ids.has("b#1/y")).toBe(true);
  });

  test("retry-after is honoured; repeats back off exponentially", () => {
    expect(cooldownMs({ status: 429, message: "", retryAfterMs: 7000 }, 1)).toBe(7000);
    expect(cooldownMs({ status: 429, message: "" }, 1)).toBe(2000);
    expect(cooldownMs({ status: 429, message: "" }, 3)).toBe(8000);
    expect(cooldownMs({ status: 500, message: "" }, 1)).toBe(1000);
    expect(cooldownMs({ status: 500, message: "" }, 30)).toBe(60_000);
    expect(cooldownMs({ message: "connection refused" }, 2)).toBe(2000);
  });

  test("a refused key cools down longer, on every model it serves", () => {
    const { r, resolved } = router({ providers, models: { m: { targets: ["a/x"] }, n: { targets: ["a/z"] } } });
    const a = r.plan(resolved.models, "m")!.attempts[0]!;
    r.fail(a, { status: 401, message: "invalid key" });
    expect(cooldownMs({ status: 401, message: "" }, 1)).toBe(600_000);
    const n = r.plan(resolved.models, "n")!.attempts;
    expect(n.at(-1)!.keyLabel).toBe(a.keyLabel);
    const status = r.status().filter((s) => s.key === a.keyLabel);
    expect(status.every((s) => s.state === "cooling")).toBe(true);
    expect(status[0]!.lastError).toMatchObject({ status: 401, message: "invalid key" });
    expect(JSON.stringify(r.status())).not.toContain("ka1");
  });

  test("success clears a pair's failures", () => {
    const { r, resolved } = router({ providers, models: { m: { targets: ["b/y"] } } });
    const a = r.plan(resolved.models, "m")!.attempts[0]!;
    r.fail(a, { status: 500, message: "boom" });
    r.succeed(a);
    expect(r.status()[0]).toMatchObject({ state: "healthy", failures: 0 });
  });

  test("retry-after as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe("a reload's new router", () => {
  test("keeps the targets known to refuse tools, not the pairs' health", () => {
    const { r, resolved } = router({ providers, models: { m: { targets: ["a/x", "b/y"] } }, limits: { attempts: 5 } });
    r.markRefusesTools("b/y");
    r.fail(r.plan(resolved.models, "m")!.attempts[0]!, { status: 503, message: "down" });
    const next = r.handOver(new Router(resolved));
    expect(next.refusesTools("b/y")).toBe(true);
    expect(next.refusesTools("a/x")).toBe(false);
    expect(next.status()).toEqual([]);
  });
});

describe("bounded state: clients name the models, so the router's memory of pairs has a cap", () => {
  // With a `*` target every distinct name a client sends is a new pair (issue 15: 80,000 names grew
  // /admin/status and RSS without bound).
  const names = 80_000;

  test("80,000 distinct names, served or failed, leave the status list and every map bounded", () => {
    const { r, resolved } = router({ providers, models: { "*": { targets: ["b/*"] } } });
    for (let i = 0; i < names; i++) {
      const a = r.plan(resolved.models, `name-${i}`)!.attempts[0]!;
      if (i % 2) r.succeed(a);
      else r.fail(a, { status: 503, message: "down" });
      if (i % 3 === 0) r.markRefusesTools(`b/name-${i}`);
    }
    const status = r.status();
    expect(status.length).toBeLessThanOrEqual(PAIR_LIMIT);
    expect(status.length).toBeGreaterThan(PAIR_LIMIT / 2);
    expect(r["known"].size).toBeLessThanOrEqual(PAIR_LIMIT);
    expect([...r["pairs"].entries()].length).toBeLessThanOrEqual(PAIR_LIMIT);
    expect(r["toolless"].size).toBeLessThanOrEqual(PAIR_LIMIT);
    // the newest are the ones kept
    expect(status.some((s) => s.model === `name-${names - 1}`)).toBe(true);
    expect(status.some((s) => s.model === "name-0")).toBe(false);
  });

  test("a flood of healthy names never pushes out a pair that is failing or has failed", () => {
    const { r, resolved, clock } = router({ providers, models: { real: { targets: ["a/x"] }, "*": { targets: ["b/*"] } } });
    const [a1, a2] = r.plan(resolved.models, "real")!.attempts;
    r.fail(a1!, { status: 429, message: "slow down", retryAfterMs: 600_000 }); // still cooling
    r.fail(a2!, { status: 500, message: "once" });
    clock.t += 120_000; // a#2 is back, but an operator still wants to see that it failed
    for (let i = 0; i < names; i++) r.succeed(r.plan(resolved.models, `flood-${i}`)!.attempts[0]!);
    const status = r.status();
    expect(status.length).toBeLessThanOrEqual(PAIR_LIMIT);
    expect(status.find((s) => s.key === "a#1")).toMatchObject({ state: "cooling", failures: 1 });
    expect(status.find((s) => s.key === "a#2")).toMatchObject({ state: "healthy", failures: 1, lastError: { status: 500 } });
    expect(r.plan(resolved.models, "real")!.attempts.map((a) => a.id)).toEqual(["a#2/x", "a#1/x"]);
  });
});

describe("news between replicas (router/share.ts carries it through Redis)", () => {
  /** A router whose news is collected, as a Share would queue it */
  function telling(config: Partial<Config>, clock = { t: 1_000_000 }) {
    const r = router(config, clock);
    const told: HealthNews[] = [];
    r.r.share = { publish: (n) => void told.push(n), connected: true };
    return { ...r, told };
  }

  test("a pair's cooling and its recovery are told once each, naming the key by its hash, never the key", () => {
    const { r, resolved, told } = telling({ providers, models: { m: { targets: ["a/x"] } } });
    const a1 = r.plan(resolved.models, "m")!.attempts[0]!;
    expect(a1.keyHash).toBe(keyHash("ka1"));
    expect(r.plan(resolved.models, "m")!.attempts[0]!.keyHash).toBe(keyHash("ka2"));
    r.plan(resolved.models, "m");
    r.succeed(a1); // healthy already: no news
    r.fail(a1, { status: 429, message: "slow down", retryAfterMs: 30_000 });
    r.succeed(a1);
    r.succeed(a1);
    expect(told).toEqual([
      { kind: "pair", provider: "a", model: "x", key: keyHash("ka1"), until: 1_030_000, failures: 1, status: 429, at: 1_000_000 },
      { kind: "pair", provider: "a", model: "x", key: keyHash("ka1"), until: 0, failures: 0, status: undefined, at: 1_000_000 },
    ]);
    expect(JSON.stringify(told)).not.toContain("ka1");
  });

  test("a refused key is told as the key's news, without a model", () => {
    const { r, resolved, told } = telling({ providers, models: { m: { targets: ["a/x"] } } });
    r.fail(r.plan(resolved.models, "m")!.attempts[0]!, { status: 401, message: "bad key" });
    expect(told).toEqual([{ kind: "key", provider: "a", model: "", key: keyHash("ka1"), until: 1_600_000, failures: 1, status: 401, at: 1_000_000 }]);
  });

  test("news heard applies to the pair its key names, whatever its place in this config's list, and is told to no one", () => {
    const reordered = { a: { ...providers.a!, keys: ["ka2", "ka1"] }, b: providers.b! };
    const { r, resolved, told } = telling({ providers: reordered, models: { m: { targets: ["a/x"] } } });
    r.hear({ kind: "pair", provider: "a", model: "x", key: keyHash("ka1"), until: 1_005_000, failures: 2, status: 429, at: 999_000 });
    expect(told).toEqual([]);
    expect(r.status()).toEqual([
      { provider: "a", model: "x", key: "a#2", state: "cooling", coolingUntil: new Date(1_005_000).toISOString(), failures: 2,
        lastError: { status: 429, message: "pair cooling on another replica (429)", at: new Date(999_000).toISOString() } },
    ]);
    expect(r.plan(resolved.models, "m")!.attempts.map((a) => a.keyLabel)).toEqual(["a#1", "a#2"]); // ka2 first, ka1 cooling
    r.hear({ kind: "pair", provider: "a", model: "x", key: keyHash("ka1"), until: 0, failures: 0, at: 1_000_000 });
    expect(r.status()[0]).toMatchObject({ key: "a#2", state: "healthy", failures: 0 });
    expect(told).toEqual([]);
  });

  test("of two coolings the later end and the higher count stand, in either order", () => {
    const { r } = telling({ providers, models: { m: { targets: ["a/x"] } } });
    const n = (until: number, failures: number): HealthNews => ({ kind: "pair", provider: "a", model: "x", key: keyHash("ka1"), until, failures, at: 1 });
    r.hear(n(1_009_000, 1));
    r.hear(n(1_004_000, 3));
    expect(r.status()[0]).toMatchObject({ coolingUntil: new Date(1_009_000).toISOString(), failures: 3 });
  });

  test("news of a provider or key this config lacks, and news already over, change nothing", () => {
    const { r } = telling({ providers, models: { m: { targets: ["a/x"] } } });
    r.hear({ kind: "pair", provider: "zz", model: "x", key: keyHash("ka1"), until: 1_005_000, failures: 1, at: 1 });
    r.hear({ kind: "pair", provider: "a", model: "x", key: keyHash("other"), until: 1_005_000, failures: 1, at: 1 });
    r.hear({ kind: "key", provider: "a", model: "", key: keyHash("other"), until: 1_005_000, failures: 1, at: 1 });
    r.hear({ kind: "pair", provider: "a", model: "x", key: keyHash("ka1"), until: 999_999, failures: 1, at: 1 });
    expect(r.status()).toEqual([]);
  });

  test("news of 80,000 distinct models (a `*` target's) leaves the router's memory bounded", () => {
    const { r } = telling({ providers, models: { "*": { targets: ["b/*"] } } });
    for (let i = 0; i < 80_000; i++) r.hear({ kind: "pair", provider: "b", model: `name-${i}`, key: keyHash("kb1"), until: 2_000_000, failures: 1, at: 1 });
    expect(r.status().length).toBeLessThanOrEqual(PAIR_LIMIT);
    expect([...r["pairs"].entries()].length).toBeLessThanOrEqual(PAIR_LIMIT);
  });
});

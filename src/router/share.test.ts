import { describe, expect, test } from "bun:test";
import { resolveConfig } from "../config/load.ts";
import type { HealthNews } from "./health.ts";
import { Router } from "./index.ts";
import { decode, QUEUE_LIMIT, Share } from "./share.ts";

describe("the sharing's own bounds and checks (with Redis: test/redis-share.test.ts)", () => {
  test("news from Redis is checked field by field before it is heard", () => {
    const good = { kind: "pair", provider: "a", model: "x", key: "abc", until: 5, failures: 1, at: 1, from: "r1" };
    expect(decode(JSON.stringify(good))).toEqual({ ...good, status: undefined } as never);
    for (const bad of [
      "",
      "null",
      "[]",
      "{}",
      JSON.stringify({ ...good, kind: "nope" }),
      JSON.stringify({ ...good, until: -1 }),
      JSON.stringify({ ...good, failures: 1.5 }),
      JSON.stringify({ ...good, model: 3 }),
      JSON.stringify({ ...good, status: "429" }),
    ])
      expect(decode(bad)).toBeUndefined();
  });

  test("while Redis is away, the news waiting for it is the latest per pair, and no more than QUEUE_LIMIT", () => {
    const config = resolveConfig({ providers: { a: { protocol: "openai", baseUrl: "http://a", keys: ["k"] } }, redis: { url: "redis://127.0.0.1:9" } }, { home: "/h", cwd: "/c" });
    const router = new Router(config);
    const share = new Share(router, config.redis!); // port 9: refused, so never connected
    try {
      const news = (model: string, until: number): HealthNews => ({ kind: "pair", provider: "a", model, key: "abc", until, failures: 1, at: 1 });
      for (let i = 0; i < 3 * QUEUE_LIMIT; i++) share.publish(news(`m-${i}`, Date.now() + 60_000));
      share.publish(news("m-0", 1));
      share.publish(news("m-0", 2));
      const pending = share["pending"] as Map<string, HealthNews>;
      expect(pending.size).toBe(QUEUE_LIMIT);
      expect([...pending.values()].at(-1)).toMatchObject({ model: "m-0", until: 2 });
      expect(share.connected).toBe(false);
      expect(router.share).toBe(share);
    } finally {
      share.close();
    }
    expect(router.share).toBeUndefined();
  });
});

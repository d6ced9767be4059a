// What the router costs a request, in process: plan() and succeed() for one proxy model routed to
// one target with one key, and to a pool of 4 targets × 4 keys (with weights, a quarter of the
// pairs cooling). `bun bench/router.ts` prints it; `bun run bench` puts it beside the added latency.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadConfig } from "../src/config/load.ts";
import { Router } from "../src/router/index.ts";
import { protocolNames } from "../src/protocols/index.ts";

export interface RouterCost {
  /** ns per request: plan + succeed, one pair */
  single: number;
  /** ns per request: plan + succeed, 16 pairs, 4 of them cooling */
  pool: number;
}

const PROVIDERS = ["a", "b", "c", "d"];

function router(): Router {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-bench-router-"));
  try {
    const file = join(dir, "ccproxy.yaml");
    writeFileSync(
      file,
      stringify({
        listen: "127.0.0.1:0",
        providers: {
          one: { protocol: "openai", baseUrl: "http://127.0.0.1:9/one", keys: ["sk-one"] },
          ...Object.fromEntries(
            PROVIDERS.map((p) => [p, { protocol: "openai", baseUrl: `http://127.0.0.1:9/${p}`, keys: [1, 2, 3, 4].map((k) => `sk-${p}-${k}`) }]),
          ),
        },
        models: {
          "single-*": { targets: ["one/*"] },
          "pool-*": { targets: PROVIDERS.map((p, i) => ({ target: `${p}/*`, weight: i + 1 })) },
        },
      }),
    );
    const loaded = loadConfig({ protocols: protocolNames(), flag: file, env: {}, cwd: dir, home: dir });
    if (!loaded.config) throw new Error(JSON.stringify(loaded.errors));
    return new Router(loaded.config);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function nsPerRequest(r: Router, name: string, n: number): number {
  const models = (r as unknown as { config: { models: never } }).config.models;
  for (let i = 0; i < n / 10; i++) r.succeed(r.plan(models, name)!.attempts[0]!); // warm
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) r.succeed(r.plan(models, name)!.attempts[0]!);
  return (Bun.nanoseconds() - t0) / n;
}

export function routerCost(n = 200_000): RouterCost {
  const r = router();
  const models = (r as unknown as { config: { models: never } }).config.models;
  // A quarter of the pool cooling: those pairs are sorted to the end of every plan.
  const first = r.plan(models, "pool-bench")!.attempts;
  for (const a of first.slice(0, 4)) r.fail(a, { status: 503, message: "bench" });
  return { single: nsPerRequest(r, "single-bench", n), pool: nsPerRequest(r, "pool-bench", n) };
}

if (import.meta.main) {
  const c = routerCost();
  console.log(`router, plan + succeed per request: one pair ${c.single.toFixed(0)} ns; 16 pairs (4 cooling) ${c.pool.toFixed(0)} ns`);
}

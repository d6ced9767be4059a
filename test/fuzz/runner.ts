// Makes case `i` of a seeded run (route, upstream, prefix, mutation: all from the case's own
// generator, so a case replays alone), sends it, and judges the answer; watches /health meanwhile.
import { MUTATIONS, type Change, type Mutation } from "./mutations.ts";
import { judge, type Violation } from "./oracle.ts";
import { Rng } from "./rng.ts";
import { ROUTES, UPSTREAMS, authHeaders, type Client, type Route } from "./routes.ts";

export interface Keys {
  root: string;
  team: string;
  providers: readonly string[];
}

export interface Target {
  url: string;
  /** The proxy's maxBodyBytes */
  limit: number;
  keys: Keys;
  /** The group every model is also served in */
  group: string;
}

export interface Case {
  index: number;
  route: Route;
  mutation: Mutation;
  upstream: Client;
  prefix: string;
  change: Change;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Result {
  index: number;
  route: string;
  mutation: string;
  prefix: string;
  upstream: Client;
  note: string;
  status: number;
  violations: Violation[];
}

export const CASE_TIMEOUT_MS = 10_000;

export function makeCase(t: Target, seed: number, index: number): Case {
  const rng = Rng.forCase(seed, index);
  const route = ROUTES[index % ROUTES.length]!;
  const upstream = rng.pick(route.upstreams ?? UPSTREAMS);
  const prefix = rng.pick(["", "", "/compat", `/${t.group}`, `/${t.group}/compat`]);
  const model = `fz-${upstream}`;
  // A copy: the valid bodies share objects with the conformance cases, which no mutation may touch.
  const body = route.body && structuredClone(route.body(model, rng));
  const mutation = rng.pick(MUTATIONS.filter((m) => m.applies(route)));
  const accessKey = prefix.startsWith(`/${t.group}`) ? t.keys.team : t.keys.root;
  const change = mutation.make({ route, body, rng, limit: t.limit, accessKey, providerKeys: t.keys.providers });
  const valid = prefix + route.path(model);
  const path = (change.path ? change.path(valid) : valid) + (change.query ?? "");
  const headers: Record<string, string> = { ...authHeaders(route.client, accessKey), ...(route.method === "POST" ? { "content-type": "application/json" } : {}) };
  for (const [k, v] of Object.entries(change.headers ?? {})) v === undefined ? delete headers[k] : (headers[k] = v);
  const method = change.method ?? route.method;
  const sent = "body" in change ? change.body : body && JSON.stringify(body);
  return { index, route, mutation, upstream, prefix, change, method, path, headers, body: method === "GET" ? undefined : sent };
}

function payload(c: Case): string | Uint8Array | ReadableStream<Uint8Array> | undefined {
  if (c.body === undefined || !c.change.chunked) return c.body;
  const bytes = typeof c.body === "string" ? new TextEncoder().encode(c.body) : c.body;
  const half = bytes.length >> 1;
  return new ReadableStream({
    start(ctrl) {
      ctrl.enqueue(bytes.subarray(0, half));
      ctrl.enqueue(bytes.subarray(half));
      ctrl.close();
    },
  });
}

export async function runCase(t: Target, c: Case): Promise<Result> {
  const base = { index: c.index, route: c.route.name, mutation: c.mutation.name, prefix: c.prefix, upstream: c.upstream, note: c.change.note };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CASE_TIMEOUT_MS);
  try {
    const res = await fetch(t.url + c.path, { method: c.method, headers: c.headers, body: payload(c), signal: abort.signal });
    const text = new TextDecoder().decode(await res.arrayBuffer());
    const secrets = [t.keys.root, t.keys.team, ...t.keys.providers];
    const violations = judge(c.route.client, { status: res.status, contentType: res.headers.get("content-type") ?? "", text }, secrets, c.change.expect);
    const head = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
    if (secrets.some((s) => head.includes(s))) violations.push({ kind: "key", detail: "a header holds a configured key" });
    return { ...base, status: res.status, violations };
  } catch (e) {
    const timedOut = abort.signal.aborted;
    return { ...base, status: 0, violations: [{ kind: timedOut ? "timeout" : "connection", detail: timedOut ? `no answer within ${CASE_TIMEOUT_MS} ms` : String((e as Error)?.message ?? e) }] };
  } finally {
    clearTimeout(timer);
  }
}

/** Polls /health until stopped; each poll that fails or takes over `timeoutMs` is a violation. */
export function watchHealth(url: string, everyMs = 250, timeoutMs = 5_000) {
  const failures: Violation[] = [];
  let polls = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      polls++;
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
        if (res.status !== 200) failures.push({ kind: "health", detail: `/health answered ${res.status}` });
        await res.arrayBuffer();
      } catch (e) {
        failures.push({ kind: "health", detail: `/health: ${(e as Error)?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e as Error)?.message}` });
      }
      await Bun.sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { polls, failures };
    },
  };
}

export interface RunOptions {
  seed: number;
  from: number;
  to: number;
  concurrency: number;
  /** Checked after each case: false once the proxy is gone */
  alive?: () => boolean;
  onResult?: (r: Result) => void;
}

/** Runs cases [from, to) with `concurrency` in flight; stops early when the proxy dies. */
export async function runCases(t: Target, o: RunOptions): Promise<Result[]> {
  const results: Result[] = [];
  let next = o.from;
  const worker = async () => {
    while (next < o.to) {
      if (o.alive && !o.alive()) return;
      const r = await runCase(t, makeCase(t, o.seed, next++));
      results.push(r);
      o.onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return results.sort((a, b) => a.index - b.index);
}

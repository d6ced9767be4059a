// Upstream faults, each on every upstream protocol: before the first byte the request fails over to
// the next target, or, with all down, the client gets an error in its own protocol's shape naming the
// model and the last upstream error; after the first byte the client's stream fails, never finishing
// as if complete, and the pair cools. Provider keys appear nowhere the client can see. Clients rotate over the four
// protocols so each fault is seen through each client's SDK somewhere in the table.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type Proxy } from "./support/proxy.ts";
import type { Reply, Upstream } from "./support/upstream.ts";
import { upstreams } from "./conformance/upstreams/index.ts";
import { clients } from "./conformance/clients/index.ts";
import type { Answer, ClientDriver, Conversation, UpstreamDriver } from "./conformance/types.ts";
import type { PairStatus } from "../src/router/index.ts";
import { blackHole, type BlackHole } from "./support/blackhole.ts";

const KEY = "faults-access-key";
const UNRESOLVED = "http://upstream.invalid:9";
const hi: Conversation = { turns: [{ role: "user", text: "hi" }], stream: false };
const answer: Answer = { text: ["fine ", "answer"], stop: "end", usage: { input: 3, output: 2 } };

/** Each fault: what the failing upstream does, and the status a client gets when no target is left. */
const FAULTS: { name: string; reply: (d: UpstreamDriver) => Reply | (() => Promise<Reply>); status: number }[] = [
  { name: "429 with retry-after", reply: () => ({ error: 429, headers: { "retry-after": "20" } }), status: 429 },
  { name: "429 without retry-after", reply: () => ({ error: 429 }), status: 429 },
  { name: "500", reply: () => ({ error: 500 }), status: 500 },
  { name: "502", reply: () => ({ error: 502 }), status: 502 },
  { name: "503", reply: () => ({ error: 503 }), status: 503 },
  { name: "529", reply: () => ({ error: 529 }), status: 529 },
  { name: "a body that is not JSON", reply: () => ({ raw: "{not json", status: 200, contentType: "application/json" }), status: 502 },
  {
    name: "an HTML error page",
    reply: () => ({ raw: "<html><body><h1>502 Bad Gateway</h1></body></html>", status: 502, contentType: "text/html" }),
    status: 502,
  },
  {
    name: "no headers within the first-byte timeout",
    reply: (d) => async () => {
      await Bun.sleep(900);
      return d.reply(answer, false);
    },
    status: 504,
  },
];

const servers = new Map<string, { bad: Upstream; good: Upstream }>();
let closed: string;
/** Where connects hang; the error instead where one cannot be made, failing only the tests that need it */
let hole: BlackHole | Error;
/** The black hole's connect timeout, and a first-byte timeout it must beat by far */
const CONNECT_MS = 300;
const HOLE_FIRST_BYTE_MS = 5000;
let proxy: Proxy;
let clientTurn = 0;
const nextClient = (): ClientDriver => clients[clientTurn++ % clients.length]!;

/** Model names per test, so each test has its own rotation and its own pairs' health. */
let seq = 0;
const models: Record<string, { targets: (string | { target: string; weight: number })[] }> = {};
type Kind = "bad" | "good" | "closed" | "unresolved" | "hole" | "refuses401" | "refuses403";
function model(p: string, targets: Kind[]): string {
  const name = `proxy-${++seq}-model`;
  for (const t of targets) models[name] = { targets: [...(models[name]?.targets ?? []), `${p}-${t}/u${seq}-${t}`] };
  return name;
}
/** The upstream model a test's proxy model names on its `kind` target. */
const upstreamModel = (proxyModel: string, kind: Kind) => `u${proxyModel.split("-")[1]}-${kind}`;

/** The targets of the tests below the table, by test. */
const TARGETS: Record<string, Kind[]> = {
  refused: ["closed", "good"],
  "refused-down": ["closed"],
  unresolved: ["unresolved", "good"],
  "unresolved-down": ["unresolved"],
  hole: ["hole", "good"],
  "hole-down": ["hole"],
  stall: ["bad"],
  cut: ["bad"],
  disconnect: ["bad"],
  // One model per status: each starts its own rotation on the bad target.
  ...Object.fromEntries([400, 413, 422].map((status): [string, Kind[]] => [`status-${status}`, ["bad", "good"]])),
  // A refused key cools on every model it serves: each of these has a key (and provider) of its own.
  count: ["bad"],
  "first-error": ["bad", "good"],
  "first-error-down": ["bad"],
  "status-401": ["refuses401", "good"],
  "status-403": ["refuses403", "good"],
};

// The models each test uses are made before the proxy starts.
const plan = new Map<string, string>();
for (const d of upstreams) {
  for (const f of FAULTS) {
    plan.set(`${d.protocol}:${f.name}:failover`, model(d.protocol, ["bad", "good"]));
    plan.set(`${d.protocol}:${f.name}:down`, model(d.protocol, ["bad"]));
  }
  for (const [k, targets] of Object.entries(TARGETS)) plan.set(`${d.protocol}:${k}`, model(d.protocol, targets));
  // The bad target takes two turns of three, so only its cooling sends the request after a cut elsewhere.
  const cools = model(d.protocol, ["bad", "good"]);
  models[cools]!.targets[0] = { target: models[cools]!.targets[0] as string, weight: 2 };
  plan.set(`${d.protocol}:cut-cools`, cools);
}

beforeAll(async () => {
  const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  closed = `http://127.0.0.1:${gone.port}`;
  await gone.stop(true); // nothing listens there any more: connection refused
  hole = await blackHole().catch((e: Error) => e); // connects there never complete
  const providers: Record<string, unknown> = {};
  for (const d of upstreams) {
    const [bad, good] = await Promise.all([d.start(), d.start()]);
    servers.set(d.protocol, { bad, good });
    const limits = { firstByteTimeoutMs: 400, idleTimeoutMs: 400 };
    providers[`${d.protocol}-bad`] = { protocol: d.protocol, baseUrl: bad.url, keys: [`sk-${d.protocol}-bad-secret`], limits };
    providers[`${d.protocol}-good`] = { protocol: d.protocol, baseUrl: good.url, keys: [`sk-${d.protocol}-good-secret`], limits };
    for (const r of ["refuses401", "refuses403"])
      providers[`${d.protocol}-${r}`] = { protocol: d.protocol, baseUrl: bad.url, keys: [`sk-${d.protocol}-${r}-secret`], limits };
    providers[`${d.protocol}-closed`] = { protocol: d.protocol, baseUrl: closed.replace(/\/$/, ""), keys: [`sk-${d.protocol}-closed-secret`] };
    providers[`${d.protocol}-hole`] = {
      protocol: d.protocol,
      baseUrl: hole instanceof Error ? closed : hole.url,
      keys: [`sk-${d.protocol}-hole-secret`],
      limits: { connectTimeoutMs: CONNECT_MS, firstByteTimeoutMs: HOLE_FIRST_BYTE_MS },
    };
    // RFC 6761: names under .invalid never resolve. A slow resolver in CI must not trip a timeout first.
    providers[`${d.protocol}-unresolved`] = {
      protocol: d.protocol,
      baseUrl: UNRESOLVED,
      keys: [`sk-${d.protocol}-unresolved-secret`],
      limits: { connectTimeoutMs: 25_000, firstByteTimeoutMs: 25_000 },
    };
  }
  proxy = await startProxy({ accessKeys: [KEY], providers, models });
});
afterAll(async () => {
  await proxy.close();
  if (!(hole instanceof Error)) hole.close();
  await Promise.all([...servers.values()].flatMap((s) => [s.bad.close(), s.good.close()]));
});

/** A stream answered with 200 whose first and only event is an error: each protocol's overloaded upstream. */
const ERROR_FIRST: Record<string, Reply> = {
  claude: { sse: [{ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }] },
  openai: { sse: [{ data: { error: { message: "The server is overloaded", type: "server_error" } } }] },
  gemini: { sse: [{ data: { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } } }] },
  ollama: { ndjson: [{ error: "server busy, please try again" }] },
  responses: { sse: [{ data: { type: "error", code: "server_error", message: "The server is overloaded", param: null, sequence_number: 0 } }] },
};

/** Whatever the client saw, checked for any provider key. */
function noKeys(seen: unknown) {
  expect(JSON.stringify(seen ?? null)).not.toMatch(/sk-[a-z]+-(bad|good|closed|unresolved|hole|refuses40[13])-secret/);
}

/** A stream that fails after its first byte: each SDK throws its own way, so only the rejection and its text are checked. */
async function streamFailure(client: ClientDriver, model: string) {
  const e = await client.send(proxy.url, KEY, model, { ...hi, stream: true }).then(
    () => undefined,
    (x) => x,
  );
  expect(e).toBeInstanceOf(Error);
  noKeys(String(e?.message));
}

/** The pairs /admin/status shows for one provider and upstream model (that is, one test's model). */
async function pairs(provider: string, model: string): Promise<PairStatus[]> {
  const r = await fetch(`${proxy.url}/admin/status`, { headers: { authorization: `Bearer ${KEY}` } });
  const text = await r.text();
  noKeys(text);
  return (JSON.parse(text).pairs as PairStatus[]).filter((p) => p.provider === provider && p.model === model);
}

async function failure(client: ClientDriver, model: string, c: Conversation) {
  try {
    await client.send(proxy.url, KEY, model, c);
  } catch (e) {
    const err = client.error(e);
    noKeys(err);
    return err;
  }
  throw new Error("the client finished as if nothing went wrong");
}

for (const d of upstreams)
  describe(`${d.protocol} upstream`, () => {
    for (const f of FAULTS) {
      test(`${f.name}: fails over to the next target before the first byte`, async () => {
        const { bad, good } = servers.get(d.protocol)!;
        bad.script(f.reply(d) as Reply);
        good.script(d.reply(answer, false));
        const client = nextClient();
        const o = await client.send(proxy.url, KEY, plan.get(`${d.protocol}:${f.name}:failover`)!, hi);
        expect(o.text).toBe("fine answer");
        noKeys(o);
      });
      test(`${f.name}: with no target left, an error in the client's shape naming the model`, async () => {
        servers.get(d.protocol)!.bad.script(f.reply(d) as Reply);
        const client = nextClient();
        const name = plan.get(`${d.protocol}:${f.name}:down`)!;
        const e = await failure(client, name, hi);
        expect(e.status).toBe(f.status);
        expect(e.type).toBe(client.errorType(f.status));
        expect(e.message).toContain(name);
      });
    }

    for (const status of [400, 413, 422])
      test(`a ${status} caused by the request is not retried: the client gets it, the next target is not tried`, async () => {
        const { bad, good } = servers.get(d.protocol)!;
        bad.script({ error: status });
        const seenByGood = good.received.length;
        const client = nextClient();
        const e = await failure(client, plan.get(`${d.protocol}:status-${status}`)!, hi);
        expect(e.status).toBe(status);
        expect(good.received.length).toBe(seenByGood);
      });

    for (const status of [401, 403])
      test(`a ${status} refusing the key fails over, and that key cools by its label`, async () => {
        const { bad, good } = servers.get(d.protocol)!;
        bad.script({ error: status });
        good.script(d.reply(answer, false));
        const name = plan.get(`${d.protocol}:status-${status}`)!;
        expect((await nextClient().send(proxy.url, KEY, name, hi)).text).toBe("fine answer");
        const kind = `refuses${status}` as Kind;
        const [pair] = await pairs(`${d.protocol}-${kind}`, upstreamModel(name, kind));
        expect(pair).toMatchObject({ key: `${d.protocol}-${kind}#1`, state: "cooling", lastError: { status } });
        // A refused key cools for minutes, not seconds.
        expect(Date.parse(pair!.coolingUntil!) - Date.now()).toBeGreaterThan(5 * 60_000);
      });

    if (d.protocol === "claude" || d.protocol === "gemini")
      test("a token count the upstream does not answer in time is made here instead", async () => {
        const { bad } = servers.get(d.protocol)!;
        // The upstream answers only once the proxy has: an answer can only come from the proxy's own
        // first-byte timeout (400 ms for this provider) and a count made here.
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        bad.script(async () => {
          await released;
          return { json: d.protocol === "claude" ? { input_tokens: 1 } : { totalTokens: 1 } };
        });
        const model = plan.get(`${d.protocol}:count`)!;
        const ask = { contents: [{ role: "user", parts: [{ text: "How many tokens is this sentence, exactly?" }] }] };
        const asked =
          d.protocol === "claude"
            ? fetch(`${proxy.url}/v1/messages/count_tokens`, {
                method: "POST",
                headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
                body: JSON.stringify({ model, messages: [{ role: "user", content: "How many tokens is this sentence, exactly?" }] }),
              })
            : fetch(`${proxy.url}/v1beta/models/${model}:countTokens`, {
                method: "POST",
                headers: { "x-goog-api-key": KEY, "content-type": "application/json" },
                body: JSON.stringify(ask),
              });
        const res = await asked.finally(release);
        expect(res.status).toBe(200);
        const counted = (await res.json()) as { input_tokens?: number; totalTokens?: number };
        expect(counted.input_tokens ?? counted.totalTokens).toBeGreaterThan(5); // counted here, not the upstream's 1
        expect(bad.received.at(-1)!.path).toContain(d.protocol === "claude" ? "count_tokens" : "countTokens");
      });

    test("a stream whose first event is an error fails over before the first byte, and alone is that error in the client's shape", async () => {
      const { bad, good } = servers.get(d.protocol)!;
      bad.script(ERROR_FIRST[d.protocol]!);
      good.script(d.reply(answer, true));
      const o = await nextClient().send(proxy.url, KEY, plan.get(`${d.protocol}:first-error`)!, { ...hi, stream: true });
      expect(o.text).toBe("fine answer");
      noKeys(o);
      bad.script(ERROR_FIRST[d.protocol]!);
      const client = nextClient();
      const name = plan.get(`${d.protocol}:first-error-down`)!;
      const e = await failure(client, name, { ...hi, stream: true });
      expect(e.status).toBe(d.protocol === "claude" ? 529 : d.protocol === "gemini" ? 503 : 502);
      expect(e.message).toContain(name);
      expect(e.message).toMatch(/overloaded|busy/i);
    });

    test("connection refused: fails over, and alone is a 502 saying it cannot reach the upstream", async () => {
      servers.get(d.protocol)!.good.script(d.reply(answer, false));
      expect((await nextClient().send(proxy.url, KEY, plan.get(`${d.protocol}:refused`)!, hi)).text).toBe("fine answer");
      const client = nextClient();
      const e = await failure(client, plan.get(`${d.protocol}:refused-down`)!, hi);
      expect(e.status).toBe(502);
      expect(e.message).toMatch(/cannot reach/);
    });

    test("connect timeout: fails over once connectTimeoutMs passes, and alone is a 504 saying it cannot connect", async () => {
      if (hole instanceof Error) throw hole;
      const { port } = hole;
      servers.get(d.protocol)!.good.script(d.reply(answer, false));
      const over = plan.get(`${d.protocol}:hole`)!;
      expect((await nextClient().send(proxy.url, KEY, over, hi)).text).toBe("fine answer");
      const client = nextClient();
      const name = plan.get(`${d.protocol}:hole-down`)!;
      const e = await failure(client, name, hi);
      expect(e.status).toBe(504);
      expect(e.type).toBe(client.errorType(504));
      expect(e.message).toContain(name);
      expect(e.message).toContain(`cannot connect to upstream 127.0.0.1:${port} within ${CONNECT_MS} ms`);
      // The connect timeout ended each wait, not the first-byte timeout: its message says so (no clock is read here).
      for (const m of [over, name]) {
        const [pair] = await pairs(`${d.protocol}-hole`, upstreamModel(m, "hole"));
        expect(pair).toMatchObject({ state: "cooling", failures: 1 });
        expect(pair!.lastError!.message).toContain(`cannot connect to upstream 127.0.0.1:${port} within ${CONNECT_MS} ms`);
      }
    });

    test("DNS failure: fails over, and alone is a 502 saying the host cannot be resolved; the pair cools", async () => {
      servers.get(d.protocol)!.good.script(d.reply(answer, false));
      const over = plan.get(`${d.protocol}:unresolved`)!;
      expect((await nextClient().send(proxy.url, KEY, over, hi)).text).toBe("fine answer");
      const client = nextClient();
      const name = plan.get(`${d.protocol}:unresolved-down`)!;
      const e = await failure(client, name, hi);
      expect(e.status).toBe(502);
      expect(e.type).toBe(client.errorType(502));
      expect(e.message).toContain(name);
      expect(e.message).toContain('cannot resolve upstream host "upstream.invalid"');
      // Both models' pairs on the unresolvable provider tried it first, failed and cool down.
      for (const m of [over, name]) {
        const [pair] = await pairs(`${d.protocol}-unresolved`, upstreamModel(m, "unresolved"));
        expect(pair).toMatchObject({ state: "cooling", failures: 1 });
        expect(pair!.lastError!.message).toContain('cannot resolve upstream host "upstream.invalid"');
      }
    }, 60_000);

    test("a stream that stalls past the idle timeout fails on the client, and its pair cools", async () => {
      const reply = d.reply(answer, true) as Reply & { delayMs?: number };
      servers.get(d.protocol)!.bad.script({ ...reply, delayMs: 900 } as Reply);
      const name = plan.get(`${d.protocol}:stall`)!;
      await streamFailure(nextClient(), name);
      const [pair] = await pairs(`${d.protocol}-bad`, upstreamModel(name, "bad"));
      expect(pair).toMatchObject({ state: "cooling", failures: 1, lastError: { status: 504 } });
      expect(pair!.lastError!.message).toContain("mid-stream: upstream sent nothing for 400 ms");
    });

    test("a stream cut before its final event fails on the client", async () => {
      servers.get(d.protocol)!.bad.script(d.cutStream(["partial ", "answer"]));
      await streamFailure(nextClient(), plan.get(`${d.protocol}:cut`)!);
    });

    test("a stream cut after its first byte cools its pair: the next request goes to the other target", async () => {
      const { bad, good } = servers.get(d.protocol)!;
      const name = plan.get(`${d.protocol}:cut-cools`)!;
      bad.script(d.cutStream(["partial ", "answer"]));
      await streamFailure(nextClient(), name);
      const tried = bad.received.length;
      good.script(d.reply(answer, false));
      expect((await nextClient().send(proxy.url, KEY, name, hi)).text).toBe("fine answer");
      expect(bad.received.length).toBe(tried); // its turn, yet not even tried
      const [pair] = await pairs(`${d.protocol}-bad`, upstreamModel(name, "bad"));
      expect(pair).toMatchObject({ key: `${d.protocol}-bad#1`, state: "cooling", failures: 1 });
      expect(pair!.lastError!.message).toStartWith(`${d.protocol}-bad/${upstreamModel(name, "bad")}: mid-stream: `);
      expect(pair!.lastError!.message).toMatch(/upstream stream (broke: ECONNRESET|ended before its final event)/);
      expect((await pairs(`${d.protocol}-good`, upstreamModel(name, "good")))[0]).toMatchObject({ state: "healthy", failures: 0 });
    });

    test("a client that disconnects mid-stream makes the proxy abort its upstream call; its pair does not cool", async () => {
      const { bad } = servers.get(d.protocol)!;
      const reply = d.reply({ ...answer, text: Array.from({ length: 50 }, (_, i) => `piece ${i} `) }, true) as Reply;
      bad.script({ ...reply, delayMs: 50 } as Reply);
      const abort = new AbortController();
      const res = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: plan.get(`${d.protocol}:disconnect`), stream: true, messages: [{ role: "user", content: "hi" }] }),
        signal: abort.signal,
      });
      const reader = res.body!.getReader();
      const rec = bad.received.at(-1)!;
      await reader.read();
      expect(rec.aborted).toBeFalsy();
      abort.abort();
      const end = Date.now() + 3000;
      while (!rec.aborted && Date.now() < end) await Bun.sleep(20);
      expect(rec.aborted).toBe(true);
      // The client left: nothing the upstream did wrong, so its pair does not cool.
      await Bun.sleep(50);
      const name = plan.get(`${d.protocol}:disconnect`)!;
      expect((await pairs(`${d.protocol}-bad`, upstreamModel(name, "bad")))[0]).toMatchObject({ state: "healthy", failures: 0 });
    });
  });

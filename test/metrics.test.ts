// GET /metrics: the Prometheus text format read strictly, and the figures it gives after a known set
// of requests made through the official SDKs against scripted upstreams: requests by client, model,
// target and status, tokens by kind, failovers, durations, in-flight requests, pairs cooling; the
// access key when keys are set; no provider key in it, whatever a model name or an upstream says.
// And `metrics: { enabled: false }`: nothing counted, /metrics a 404 saying so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startUpstream, errorBody, type Upstream } from "./support/upstream.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { claudeEvents, claudeMessage, openaiChunks, openaiCompletion } from "./support/wire.ts";
import { parseExposition, sampleValue, samplesOf, type MetricFamily } from "./support/prometheus.ts";
import { Family, Histogram, Split, Value, escapeLabel, exposition, formatValue } from "../src/metrics/registry.ts";
import { Metrics } from "../src/metrics/index.ts";
import { resolveConfig } from "../src/config/load.ts";

const ACCESS = "ccp-metrics-5d1f0b7e";
const TEAM = "ccp-metrics-team-93ac";
const CL_KEY = "sk-ant-metrics-prov-4e8a1c";
const OA_KEY = "sk-oa-metrics-prov-b7d203";
const LIM_KEY = "sk-lim-metrics-prov-61f9ae";
/** A route named like a provider key: its label must leave the proxy redacted */
const KEYLIKE_ROUTE = OA_KEY;
const ask = [{ role: "user" as const, content: "Say hello" }];

describe("the strict reader of the text format", () => {
  const ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n";
  test("reads a well-formed exposition", () => {
    expect(sampleValue(parseExposition(ok), "a_total", { x: "1" })).toBe(2);
  });

  test.each([
    ["no final line feed", ok.slice(0, -1)],
    ["a sample before HELP and TYPE", 'a_total{x="1"} 2\n# HELP a_total A.\n# TYPE a_total counter\n'],
    ["a sample without TYPE", "# HELP a_total A.\na_total 1\n"],
    ["a value that is not a float", "# HELP a A.\n# TYPE a gauge\na one\n"],
    ["an unclosed label set", '# HELP a A.\n# TYPE a gauge\na{x="1" 1\n'],
    ["an unknown escape", '# HELP a A.\n# TYPE a gauge\na{x="\\t"} 1\n'],
    ["a label given twice", '# HELP a A.\n# TYPE a gauge\na{x="1",x="2"} 1\n'],
    ["a series given twice", '# HELP a A.\n# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ["a family split in two", "# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x=\"2\"} 1\n"],
    ["a counter below zero", "# HELP a_total A.\n# TYPE a_total counter\na_total -1\n"],
    ["an unknown type", "# HELP a A.\n# TYPE a meter\na 1\n"],
    ["an unknown escape in HELP", "# HELP a A \\t.\n# TYPE a gauge\na 1\n"],
    ["a stray comment", "# HELP a A.\n# TYPE a gauge\n# hello\na 1\n"],
    ["trailing garbage", "# HELP a A.\n# TYPE a gauge\na 1 2 3\n"],
    ["buckets that fall", '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ["+Inf other than the count", '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
    ["no +Inf bucket", '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ["a bucket without le", "# HELP h H.\n# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n"],
  ])("refuses %s", (_, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});

describe("the registry", () => {
  test("label values and numbers are written as the format reads them", () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect([Infinity, -Infinity, NaN, 0.25, 1e-7].map(formatValue)).toEqual(["+Inf", "-Inf", "NaN", "0.25", "1e-7"]);
    const c = new Family("t_total", "Help with \\ and\nlines.", "counter", ["a", "b"], () => new Value());
    c.at('q"uote', 1).value += 2;
    c.at(undefined, 2).value++; // an absent label is left out
    const s = new Family("s_total", "Split.", "counter", ["a"], () => new Split("kind", ["x", "y"]));
    s.at("one").values[1] = 5;
    const h = new Family("h_seconds", "H.", "histogram", ["a"], () => new Histogram([0.1, 1]));
    for (const v of [0.05, 0.1, 0.5, 7]) h.at("z").observe(v);
    const read = parseExposition(exposition([c, s, h]));
    expect(read.get("t_total")!.help).toBe("Help with \\ and\nlines.");
    expect(sampleValue(read, "t_total", { a: 'q"uote', b: "1" })).toBe(2);
    expect(sampleValue(read, "t_total", { b: "2" })).toBe(1);
    expect(sampleValue(read, "s_total", { a: "one", kind: "y" })).toBe(5);
    expect(samplesOf(read, "h_seconds_bucket").map((x) => [x.labels.le, x.value])).toEqual([["0.1", 2], ["1", 3], ["+Inf", 4]]);
    expect(sampleValue(read, "h_seconds_sum", { a: "z" })).toBe(7.65);
  });
});

describe("GET /metrics after a known set of requests", () => {
  let cl: Upstream, oa: Upstream, proxy: Proxy;
  const openai = () => new OpenAI({ apiKey: ACCESS, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const anthropic = (key = ACCESS, path = "") => new Anthropic({ apiKey: key, baseURL: `${proxy.url}${path}`, maxRetries: 0 });

  async function scrape(key: string | undefined = ACCESS): Promise<{ text: string; m: Map<string, MetricFamily> }> {
    const r = await fetch(`${proxy.url}/metrics`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await r.text();
    return { text, m: parseExposition(text) };
  }

  beforeAll(async () => {
    [cl, oa] = await Promise.all([startUpstream("claude"), startUpstream("openai")]);
    proxy = await startProxy({
      accessKeys: [ACCESS],
      providers: {
        cl: { protocol: "claude", baseUrl: cl.url, keys: [CL_KEY] },
        oa: { protocol: "openai", baseUrl: oa.url, keys: [OA_KEY] },
        lim: { protocol: "openai", baseUrl: oa.url, keys: [LIM_KEY] },
      },
      models: {
        fast: { targets: ["cl/claude-haiku"] },
        backup: { targets: ["cl/claude-first", "oa/gpt-second"] },
        "gpt-*": { targets: ["oa/gpt-*"] },
        limited: { targets: ["lim/small"] },
        [KEYLIKE_ROUTE]: { targets: ["oa/gpt-second"] },
      },
      groups: { team: { accessKeys: [TEAM], models: { "*": { targets: ["cl/claude-team"] } } } },
    });
  });
  afterAll(async () => Promise.all([proxy.close(), cl.close(), oa.close()]));

  test("before any request: every family with its HELP and TYPE, nothing counted", async () => {
    const { m } = await scrape();
    expect([...m.keys()]).toEqual([
      "ccproxy_requests_total",
      "ccproxy_tokens_total",
      "ccproxy_request_duration_seconds",
      "ccproxy_upstream_duration_seconds",
      "ccproxy_time_to_first_token_seconds",
      "ccproxy_added_latency_seconds",
      "ccproxy_failovers_total",
      "ccproxy_rule_requests_total",
      "ccproxy_pair_cooling",
      "ccproxy_in_flight_requests",
      "ccproxy_log_dropped_rows_total",
    ]);
    expect(m.get("ccproxy_requests_total")!.samples).toEqual([]);
    expect(sampleValue(m, "ccproxy_upstream_duration_seconds_count")).toBe(0);
    expect(sampleValue(m, "ccproxy_in_flight_requests")).toBe(0);
    expect(sampleValue(m, "ccproxy_log_dropped_rows_total")).toBe(0);
  });

  test("requests, tokens by kind, failovers and durations, counted exactly", async () => {
    // plain: OpenAI client → Claude upstream, with cache reads and writes
    cl.script({ json: claudeMessage({ content: "Hello", usage: { input: 12, output: 3, cacheRead: 40, cacheCreation: 7 } }) });
    expect((await openai().chat.completions.create({ model: "fast", messages: ask })).choices[0]!.message.content).toBe("Hello");

    // streamed: Claude client → OpenAI upstream through a glob route, with cached and reasoning tokens
    oa.script({ sse: openaiChunks({ content: ["Hel", "lo"], usage: { prompt: 20, completion: 7, cached: 5, reasoning: 3 } }) });
    let text = "";
    for await (const e of anthropic().messages.stream({ model: "gpt-4o", max_tokens: 50, messages: ask }))
      if (e.type === "content_block_delta" && e.delta.type === "text_delta") text += e.delta.text;
    expect(text).toBe("Hello");

    // a failover: the Claude target overloaded, the OpenAI one answers
    cl.script({ error: 529 });
    oa.script({ json: openaiCompletion({ content: "second", usage: { prompt: 4, completion: 1 } }) });
    const msg = await anthropic().messages.create({ model: "backup", max_tokens: 50, messages: ask });
    expect(msg.content[0]).toMatchObject({ type: "text", text: "second" });

    // a 429 the client gets (its only pair)
    oa.script({ error: 429 });
    expect((await openai().chat.completions.create({ model: "limited", messages: ask }).catch((e) => e)).status).toBe(429);

    // a 400 of the client's own making (no max_tokens), and an unknown model
    expect((await anthropic().messages.create({ model: "fast", messages: ask } as never).catch((e) => e)).status).toBe(400);
    expect((await openai().chat.completions.create({ model: "no-such-model", messages: ask }).catch((e) => e)).status).toBe(404);

    // a group's request
    cl.script({ json: claudeMessage({ content: "team", usage: { input: 2, output: 1 } }) });
    await anthropic(TEAM, "/team").messages.create({ model: "anything", max_tokens: 20, messages: ask });

    const { m } = await scrape();
    const requests = m.get("ccproxy_requests_total")!.samples.map((s) => [s.labels, s.value]);
    expect(requests).toEqual(
      expect.arrayContaining([
        [{ client: "openai", model: "fast", target: "cl/claude-haiku", status: "200" }, 1],
        [{ client: "claude", model: "gpt-*", target: "oa/other", status: "200" }, 1],
        [{ client: "claude", model: "backup", target: "oa/gpt-second", status: "200" }, 1],
        [{ client: "openai", model: "limited", target: "lim/small", status: "429" }, 1],
        [{ client: "claude", model: "fast", status: "400" }, 1],
        [{ client: "openai", model: "other", status: "404" }, 1],
        [{ group: "team", client: "claude", model: "*", target: "cl/claude-team", status: "200" }, 1],
      ]),
    );
    expect(requests).toHaveLength(7);

    const tokens = (model: string, target: string, group?: string) =>
      Object.fromEntries(samplesOf(m, "ccproxy_tokens_total", { model, target, ...(group && { group }) }).map((s) => [s.labels.kind, s.value]));
    expect(tokens("fast", "cl/claude-haiku")).toEqual({ input: 12, output: 3, cache_read: 40, cache_write: 7, reasoning: 0 });
    // OpenAI's prompt_tokens include the cached ones; input counts the rest
    expect(tokens("gpt-*", "oa/other")).toEqual({ input: 15, output: 7, cache_read: 5, cache_write: 0, reasoning: 3 });
    expect(tokens("backup", "oa/gpt-second")).toEqual({ input: 4, output: 1, cache_read: 0, cache_write: 0, reasoning: 0 });
    expect(tokens("*", "cl/claude-team", "team")).toMatchObject({ input: 2, output: 1 });
    expect(m.get("ccproxy_tokens_total")!.samples).toHaveLength(4 * 5);

    expect(m.get("ccproxy_failovers_total")!.samples.map((s) => [s.labels, s.value])).toEqual([[{ model: "backup" }, 1]]);

    // Durations: every request timed; the five that reached an upstream have an upstream time and an added latency; one stream a first token.
    const durations = samplesOf(m, "ccproxy_request_duration_seconds_count").reduce((n, s) => n + s.value, 0);
    expect(durations).toBe(7);
    expect(sampleValue(m, "ccproxy_request_duration_seconds_count", { client: "openai", model: "other" })).toBe(1);
    expect(sampleValue(m, "ccproxy_upstream_duration_seconds_count")).toBe(5);
    expect(sampleValue(m, "ccproxy_added_latency_seconds_count")).toBe(5);
    expect(sampleValue(m, "ccproxy_time_to_first_token_seconds_count")).toBe(1);
    const total = samplesOf(m, "ccproxy_request_duration_seconds_sum").reduce((n, s) => n + s.value, 0);
    const upstream = sampleValue(m, "ccproxy_upstream_duration_seconds_sum")!;
    const added = sampleValue(m, "ccproxy_added_latency_seconds_sum")!;
    expect(upstream).toBeGreaterThan(0);
    expect(added).toBeGreaterThan(0);
    expect(upstream + added).toBeLessThanOrEqual(total + 1e-9);

    expect(sampleValue(m, "ccproxy_in_flight_requests")).toBe(0);
  });

  test("a pair cools after a 429 (1) and is back after it answers (0); keys by label only", async () => {
    oa.script({ error: 429 });
    expect((await openai().chat.completions.create({ model: "limited", messages: ask }).catch((e) => e)).status).toBe(429);
    expect(sampleValue((await scrape()).m, "ccproxy_pair_cooling", { target: "lim/small", key: "lim#1" })).toBe(1);
    // Its only pair: tried though cooling, and its answer ends the cooldown.
    oa.script({ json: openaiCompletion({ content: "back" }) });
    expect((await openai().chat.completions.create({ model: "limited", messages: ask })).choices[0]!.message.content).toBe("back");
    const { m } = await scrape();
    expect(sampleValue(m, "ccproxy_pair_cooling", { target: "lim/small", key: "lim#1" })).toBe(0);
    expect(sampleValue(m, "ccproxy_pair_cooling", { target: "cl/claude-first", key: "cl#1" })).toBe(1); // the 529 of the failover
    expect(sampleValue(m, "ccproxy_pair_cooling", { target: "oa/gpt-second", key: "oa#1" })).toBe(0);
  });

  test("a request waiting on its upstream is in flight until answered", async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    let answer!: () => void;
    const release = new Promise<void>((r) => (answer = r));
    oa.script(async () => {
      arrived();
      await release;
      return { sse: openaiChunks({ content: ["slow"] }) };
    });
    const stream = openai().chat.completions.create({ model: "gpt-4o", messages: ask, stream: true });
    await reached;
    expect(sampleValue((await scrape()).m, "ccproxy_in_flight_requests")).toBe(1);
    answer();
    let text = "";
    for await (const c of await stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe("slow");
    expect(sampleValue((await scrape()).m, "ccproxy_in_flight_requests")).toBe(0);
  });

  test("no provider key in it: a route named like one, a client naming one, an upstream's error quoting one", async () => {
    oa.script({ json: openaiCompletion({ content: "keyed" }) });
    await openai().chat.completions.create({ model: KEYLIKE_ROUTE, messages: ask });
    expect((await openai().chat.completions.create({ model: CL_KEY, messages: ask }).catch((e) => e)).status).toBe(404);
    cl.script({ error: 500, body: errorBody("claude", 500, `key ${CL_KEY} and ${OA_KEY} refused`) });
    expect((await openai().chat.completions.create({ model: "fast", messages: ask }).catch((e) => e)).status).toBe(500);
    const { text, m } = await scrape();
    for (const key of [CL_KEY, OA_KEY, LIM_KEY, ACCESS, TEAM]) expect(text).not.toContain(key);
    expect(sampleValue(m, "ccproxy_requests_total", { client: "openai", model: "[redacted]", target: "oa/gpt-second", status: "200" })).toBe(1);
    expect(sampleValue(m, "ccproxy_requests_total", { client: "openai", model: "other", status: "404" })).toBe(2);
  });

  test("behind the root access key when keys are set (a group's key does not open it)", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-key" }, { authorization: `Bearer ${TEAM}` }] as Record<string, string>[]) {
      const r = await fetch(`${proxy.url}/metrics`, { headers });
      expect(r.status).toBe(401);
      expect(await r.text()).not.toContain("ccproxy_");
    }
    expect((await fetch(`${proxy.url}/metrics`, { method: "POST", headers: { authorization: `Bearer ${ACCESS}` } })).status).toBe(405);
  });
});

test("open without access keys", async () => {
  const proxy = await startProxy({ providers: {}, models: {} });
  try {
    const r = await fetch(`${proxy.url}/metrics`);
    expect(r.status).toBe(200);
    expect(sampleValue(parseExposition(await r.text()), "ccproxy_in_flight_requests")).toBe(0);
  } finally {
    await proxy.close();
  }
});

describe("metrics: { enabled: false }", () => {
  test("ccproxy check takes it, and names a misspelt key or a value that is not a boolean", () => {
    const dir = mkdtempSync(join(tmpdir(), "ccproxy-metrics-check-"));
    const check = (metrics: string) => {
      writeFileSync(join(dir, "ccproxy.yaml"), `metrics: ${metrics}\nproviders:\n  local: { protocol: ollama, baseUrl: http://127.0.0.1:11434 }\n`);
      const r = Bun.spawnSync(["bun", join(import.meta.dir, "../src/main.ts"), "check", "--config", "ccproxy.yaml"], { cwd: dir, env: { PATH: process.env.PATH!, HOME: dir } });
      return { code: r.exitCode, err: r.stderr.toString().replaceAll(`${dir}/`, "") };
    };
    try {
      expect(check("{ enabled: false }")).toEqual({ code: 0, err: "" });
      expect(check("{ enabled: off-please, enable: false }")).toEqual({
        code: 1,
        err: "ccproxy.yaml:1: metrics.enable: unknown field (expected one of: enabled)\nccproxy.yaml:1: metrics.enabled: must be true or false\n2 problems found\n",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a row is not counted while off, and is once a reloaded config turns them on", () => {
    const config = (enabled?: boolean) =>
      resolveConfig({ providers: { p: { protocol: "openai", baseUrl: "http://127.0.0.1:9/v1" } }, models: { m: { targets: ["p/x"] } }, ...(enabled !== undefined && { metrics: { enabled } }) }, { home: "/h", cwd: "/c" });
    expect(config().metrics).toEqual({ enabled: true });
    const row = { time: 0, client: "openai", model: "m", target: "p/x", attempts: 1, status: 200, latencyMs: 3, upstreamMs: 2, stream: false, usage: { input: 5, output: 1 } };
    const snapshot = { inFlight: 0, pairs: [], droppedRows: 0 };
    const metrics = new Metrics(config(false));
    metrics.watch(row);
    let m = parseExposition(metrics.render(snapshot));
    expect(m.get("ccproxy_requests_total")!.samples).toEqual([]);
    expect(m.get("ccproxy_tokens_total")!.samples).toEqual([]);
    expect(sampleValue(m, "ccproxy_added_latency_seconds_count")).toBe(0);
    metrics.configure(config(true));
    metrics.watch(row);
    m = parseExposition(metrics.render(snapshot));
    expect(sampleValue(m, "ccproxy_requests_total", { client: "openai", model: "m", target: "p/x", status: "200" })).toBe(1);
    expect(sampleValue(m, "ccproxy_added_latency_seconds_count")).toBe(1);
  });

  test("GET /metrics is a 404 in the caller's shape saying they are off; requests are served as ever", async () => {
    const oa = await startUpstream("openai");
    const proxy = await startProxy({
      accessKeys: [ACCESS],
      metrics: { enabled: false },
      providers: { oa: { protocol: "openai", baseUrl: oa.url, keys: [OA_KEY] } },
      models: { "gpt-*": { targets: ["oa/gpt-*"] } },
    });
    try {
      oa.script({ json: openaiCompletion({ content: "served" }) });
      const client = new OpenAI({ apiKey: ACCESS, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      expect((await client.chat.completions.create({ model: "gpt-4o", messages: ask })).choices[0]!.message.content).toBe("served");

      const off = "metrics are off: this proxy's config sets metrics: { enabled: false }";
      const openaiShaped = await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${ACCESS}` } });
      expect(openaiShaped.status).toBe(404);
      expect(await openaiShaped.json()).toMatchObject({ error: { message: off } });
      const claudeShaped = await fetch(`${proxy.url}/metrics`, { headers: { "x-api-key": ACCESS, "anthropic-version": "2023-06-01" } });
      expect(claudeShaped.status).toBe(404);
      expect(await claudeShaped.json()).toMatchObject({ type: "error", error: { type: "not_found_error", message: off } });
      // as for any path nothing serves, with or without a key
      expect((await fetch(`${proxy.url}/metrics`)).status).toBe(404);
    } finally {
      await Promise.all([proxy.close(), oa.close()]);
    }
  });
});

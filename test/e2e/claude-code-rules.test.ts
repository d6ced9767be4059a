// The real Claude Code through ccproxy configured as docs/routing.md's worked Claude Code config
// (read from the doc itself, its providers pointed at scripted upstreams): its background calls,
// made to its small-fast model, reach the cheap model's upstream only, and its main turns, with its
// tools, the main upstream only, unless asked to think hard: then the reasoning model's. A headless
// run makes no title call, so the background call here is the one WebFetch makes: the small-fast
// model reads the fetched page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Received, Upstream } from "../support/upstream.ts";
import { startProxy, type Proxy } from "../support/proxy.ts";
import { upstream as claude } from "../conformance/upstreams/claude.ts";
import { upstream as openai } from "../conformance/upstreams/openai.ts";
import { upstream as gemini } from "../conformance/upstreams/gemini.ts";
import type { Answer, Seen, UpstreamDriver } from "../conformance/types.ts";
import { FINAL, scriptedAnswer } from "./scripted-model.ts";
import { CLIS, offlineEnv, runCli, startSentinel, tempDirs } from "./cli.ts";

const KEY = "e2e-access-key";
const CONTENT = "hello from ccproxy\n";
const PAGE = "The greeting to write is: hello from ccproxy";
const cc = CLIS.find((c) => c.name === "Claude Code")!;

/** The YAML block under the doc's "A worked config for Claude Code" heading */
function workedConfig(): any {
  const doc = readFileSync(join(import.meta.dir, "../../docs/routing.md"), "utf8");
  const section = doc.split("## A worked config for Claude Code")[1]!;
  return parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!);
}

const usage = { input: 1200, output: 40 };
const call = (name: string, input: unknown): Answer => {
  const args = JSON.stringify(input);
  return { toolCalls: [{ id: `toolu_e2e_${name}`, name, args: [args.slice(0, 15), args.slice(15)] }], stop: "tool_use", usage };
};

describe("Claude Code through docs/routing.md's worked config", () => {
  const drivers: Record<string, UpstreamDriver> = { anthropic: claude, deepseek: openai, google: gemini };
  const ups: Record<string, Upstream> = {};
  const seen: Record<string, Seen[]> = { anthropic: [], deepseek: [], google: [] };
  const dirs = tempDirs("ccproxy-e2e-rules");
  const file = join(dirs.work, "hello.txt");
  let page: ReturnType<typeof Bun.serve>;
  let proxy: Proxy;
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;

  /**
   * The main model fetches a local page first: Claude Code has its small-fast model answer the
   * fetch's prompt over the page (a background call, as titles and summaries are), then it writes.
   */
  const mainAnswer = (s: Seen): Answer => {
    const called = s.turns.flatMap((t) => t.toolCalls.map((c) => c.name));
    if (!called.includes("WebFetch")) return call("WebFetch", { url: `${page.url}greeting`, prompt: "What greeting does the page give?" });
    if (!called.includes("Write")) return call("Write", { file_path: file, content: CONTENT });
    return { text: [FINAL], stop: "end", usage };
  };

  beforeAll(async () => {
    sentinel = await startSentinel();
    // WebFetch upgrades http to https, so the page is served over TLS with a certificate made here.
    const cert = join(dirs.home, "page.crt");
    const key = join(dirs.home, "page.key");
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], { stderr: "pipe" });
    if (made.exitCode !== 0) throw new Error(made.stderr.toString());
    page = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: { cert: Bun.file(cert), key: Bun.file(key) }, fetch: () => new Response(`<html><body><p>${PAGE}</p></body></html>`, { headers: { "content-type": "text/html" } }) });
    const config = workedConfig();
    for (const [name, driver] of Object.entries(drivers)) {
      const up = (ups[name] = await driver.start());
      expect(config.providers[name].protocol).toBe(driver.protocol);
      config.providers[name] = { ...config.providers[name], baseUrl: up.url, keys: [`sk-${name}-upstream`] };
      const responder = (r: Received) => {
        const s = driver.seen(r);
        seen[name]!.push(s);
        return driver.reply(name === "anthropic" ? mainAnswer(s) : scriptedAnswer(s, file, CONTENT), s.stream);
      };
      for (let i = 0; i < 20; i++) up.script(responder);
    }
    proxy = await startProxy({ ...config, accessKeys: [KEY] });
    // WebFetch asks api.anthropic.com whether a domain may be fetched unless told not to.
    mkdirSync(join(dirs.home, ".claude"), { recursive: true });
    writeFileSync(join(dirs.home, ".claude", "settings.json"), JSON.stringify({ skipWebFetchPreflight: true }));
  });
  afterAll(async () => {
    await proxy?.close();
    for (const up of Object.values(ups)) await up.close();
    page?.stop(true);
    await sentinel?.close();
    dirs.remove();
  });

  /** One headless Claude Code run through the proxy, with what each upstream received in it */
  async function run(env: Record<string, string>, tools: string): Promise<Record<string, Seen[]>> {
    for (const k of Object.keys(seen)) seen[k] = [];
    rmSync(file, { force: true });
    const result = await runCli(cc.argv.map((a) => (a === "Write" ? tools : a)), {
      cwd: dirs.work,
      timeoutMs: 90_000,
      env: {
        ...cc.env(proxy.url, dirs.home, KEY),
        ...offlineEnv(sentinel.url),
        // As docs/routing.md says: behind a base URL with a key that is not an Anthropic API key, the
        // small-fast model is the main model unless named.
        ANTHROPIC_DEFAULT_HAIKU_MODEL: "claude-haiku-4-5",
        NODE_EXTRA_CA_CERTS: join(dirs.home, "page.crt"),
        ...env,
      },
    });
    if (result.code !== 0) console.error(result.stdout, result.stderr);
    expect(result.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(CONTENT);
    expect(JSON.parse(result.stdout).result).toBe(FINAL);
    expect(sentinel.attempts).toEqual([]);
    for (const name of Object.keys(drivers)) expect(result.stdout + result.stderr).not.toContain(`sk-${name}-upstream`);
    return { ...seen };
  }

  test("sends the background call to the cheap upstream and the main turns, at the default effort, to Claude's", async () => {
    const got = await run({}, "Write,WebFetch");
    // Main turns: Claude's upstream, with Claude Code's tools, under the model Claude Code picked,
    // asking for adaptive thinking at an effort below the worked config's `thinking: high`.
    const main = got.anthropic!;
    expect(main.length).toBe(3);
    for (const s of main) {
      expect(s.model).toMatch(/^claude-/);
      expect(s.model).not.toContain("haiku");
      expect(s.tools.map((t) => t.name)).toContain("Write");
      expect(s.tools.length).toBeGreaterThanOrEqual(8);
    }
    for (const r of ups.anthropic!.received.slice(-3)) {
      expect(r.body.thinking.type).toBe("adaptive");
      expect(["low", "medium"]).toContain(r.body.output_config?.effort);
    }
    // The background call: the cheap upstream as deepseek-chat, no tools, the page in its prompt;
    // its answer is what WebFetch gave the main model.
    const background = got.deepseek!;
    expect(background.length).toBe(1);
    expect(background[0]!.model).toBe("deepseek-chat");
    expect(background[0]!.tools).toEqual([]);
    expect(background[0]!.turns.at(-1)!.text).toContain(PAGE);
    expect(main[1]!.turns.at(-1)!.toolResults).toEqual([{ id: "toolu_e2e_WebFetch", name: "WebFetch", output: "ok" }]);
    expect(got.google).toEqual([]);
  }, 120_000);

  test("at a high effort, every main turn goes to the reasoning model", async () => {
    const got = await run({ CLAUDE_CODE_EFFORT_LEVEL: "high" }, "Write");
    expect(got.anthropic).toEqual([]);
    expect(got.google).toEqual([]);
    const turns = got.deepseek!;
    expect(turns.length).toBe(2); // the write, then the answer to its result
    for (const s of turns) {
      expect(s.model).toBe("deepseek-reasoner");
      expect(s.tools.map((t) => t.name)).toContain("Write");
    }
    expect(turns[1]!.turns.at(-1)!.toolResults.length).toBe(1);
  }, 120_000);
});

// Claude Code, the real CLI, through ccproxy to each scripted upstream protocol: it is asked to create
// a file, the upstream answers with a call to the Write tool Claude Code advertised, then a final text.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startProxy, type Proxy } from "../support/proxy.ts";
import type { Received, Upstream } from "../support/upstream.ts";
import { upstreams } from "../conformance/upstreams/index.ts";
import type { Answer, Seen, UpstreamDriver } from "../conformance/types.ts";
import { offlineEnv, runCli, startSentinel, tempDirs } from "./cli.ts";

const BINARY = join(import.meta.dir, "../../node_modules/@anthropic-ai", `claude-code-${process.platform}-${process.arch}`, "claude");
const KEY = "cc-access-key";
const CONTENT = "hello from ccproxy\n";
const FINAL = "Created hello.txt for you.";
const usage = { input: 1200, output: 40 };

/** The scripted model: write the file when Write is offered, finish once its result is back, else say ok. */
function answer(seen: Seen, file: string): Answer {
  const last = seen.turns.at(-1);
  if (last?.toolResults.length) return { text: [FINAL.slice(0, 8), FINAL.slice(8)], stop: "end", usage };
  if (seen.tools.some((t) => t.name === "Write"))
    return {
      text: ["I will write the file."],
      toolCalls: [{ id: "toolu_e2e_1", name: "Write", args: [JSON.stringify({ file_path: file, content: CONTENT }).slice(0, 20), JSON.stringify({ file_path: file, content: CONTENT }).slice(20)] }],
      stop: "tool_use",
      usage,
    };
  return { text: ["ok"], stop: "end", usage };
}

describe("Claude Code through ccproxy", () => {
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  beforeAll(async () => {
    sentinel = await startSentinel();
  });
  afterAll(() => sentinel.close());

  for (const driver of upstreams)
    describe(`to a ${driver.protocol} upstream`, () => {
      let up: Upstream, proxy: Proxy;
      const dirs = tempDirs("ccproxy-claude-code");
      beforeAll(async () => {
        up = await driver.start();
        proxy = await startProxy({
          accessKeys: [KEY],
          providers: { up: { protocol: driver.protocol, baseUrl: up.url, keys: [`sk-${driver.protocol}-upstream`] } },
          models: { "*": { targets: ["up/scripted-model"] } },
        });
      });
      afterAll(async () => {
        await proxy.close();
        await up.close();
        dirs.remove();
      });

      test("creates the file with the Write tool and reports the final text", async () => {
        const file = join(dirs.work, "hello.txt");
        const seen: Seen[] = [];
        const responder = (r: Received) => {
          const s = driver.seen(r);
          seen.push(s);
          return driver.reply(answer(s, file), s.stream);
        };
        for (let i = 0; i < 20; i++) up.script(responder);

        const run = await runCli(
          [BINARY, "-p", "Create hello.txt containing: hello from ccproxy", "--allowedTools", "Write", "--permission-mode", "acceptEdits", "--output-format", "json"],
          {
            cwd: dirs.work,
            timeoutMs: 90_000,
            env: {
              HOME: dirs.home,
              ANTHROPIC_BASE_URL: proxy.url,
              ANTHROPIC_API_KEY: KEY,
              CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
              DISABLE_TELEMETRY: "1",
              DISABLE_AUTOUPDATER: "1",
              DISABLE_ERROR_REPORTING: "1",
              ...offlineEnv(sentinel.url),
            },
          },
        );
        if (run.code !== 0) console.error(run.stdout, run.stderr);
        expect(run.code).toBe(0);
        expect(readFileSync(file, "utf8")).toBe(CONTENT);
        const result = JSON.parse(run.stdout);
        expect(result).toMatchObject({ is_error: false, result: FINAL });

        const main = seen.filter((s) => s.tools.some((t) => t.name === "Write"));
        expect(main.length).toBe(2);
        expect(main[0]!.tools.length).toBeGreaterThanOrEqual(8);
        expect(main[0]!.stream).toBe(true);
        // The second call carries the Write call and its result, paired.
        const turns = main[1]!.turns;
        const call = turns.flatMap((t) => t.toolCalls).find((c) => c.name === "Write");
        expect(call?.input).toEqual({ file_path: file, content: CONTENT });
        expect(turns.at(-1)!.toolResults.length).toBe(1);
        expect(sentinel.attempts).toEqual([]);
        // The provider key stays between the proxy and the upstream.
        expect(run.stdout + run.stderr).not.toContain(`sk-${driver.protocol}-upstream`);
      }, 120_000);
    });
});

// Claude Code, the real CLI, through ccproxy's /compat/ prefix to scripted upstreams that have no
// tool calling at all: they refuse `tools` and speak only tagged text. Claude Code's file-writing
// tool loop must still complete: the tagged Write call becomes a native tool_use, its result goes
// back to the model as tagged text.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { countTokens } from "gpt-tokenizer";
import { startProxy, type Proxy } from "../support/proxy.ts";
import type { Received, Reply, Upstream } from "../support/upstream.ts";
import { upstream as openai } from "../conformance/upstreams/openai.ts";
import { upstream as ollama } from "../conformance/upstreams/ollama.ts";
import type { Seen, UpstreamDriver } from "../conformance/types.ts";
import { FINAL } from "./scripted-model.ts";
import { offlineEnv, runCli, startSentinel, tempDirs } from "./cli.ts";

const BINARY = join(import.meta.dir, "../../node_modules/@anthropic-ai", `claude-code-${process.platform}-${process.arch}`, "claude");
const KEY = "cc-access-key";
const CONTENT = "hello from ccproxy\n";
const usage = { input: 1200, output: 40 };

/** A model that only speaks tagged text: it writes the file when taught a Write tool, then finishes. */
function taggedModel(driver: UpstreamDriver, file: string, log: { seen: Seen; body: any }[]) {
  return (r: Received): Reply => {
    if (r.body?.tools) return { error: 400, body: driver.protocol === "ollama" ? { error: "model does not support tools" } : { error: { message: "tools are not supported", type: "invalid_request_error", param: "tools", code: null } } };
    const seen = driver.seen(r);
    log.push({ seen, body: r.body });
    const last = seen.turns.at(-1)?.text ?? "";
    const call = JSON.stringify({ name: "Write", arguments: { file_path: file, content: CONTENT } });
    const text = last.includes('<tool_result name="Write">')
      ? [FINAL.slice(0, 8), FINAL.slice(8)]
      : (seen.system ?? "").includes("### Write\n")
        ? ["I will write the file.\n<tool", `_call>\n${call.slice(0, 30)}`, `${call.slice(30)}\n</tool_`, "call>"]
        : ["ok"];
    return driver.reply({ text, stop: "end", usage }, seen.stream);
  };
}

describe("Claude Code through ccproxy's /compat/ prefix, to upstreams without tool calling", () => {
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  beforeAll(async () => {
    sentinel = await startSentinel();
  });
  afterAll(() => sentinel.close());

  for (const driver of [openai, ollama])
    describe(`to a ${driver.protocol} upstream`, () => {
      let up: Upstream, proxy: Proxy;
      const dirs = tempDirs("ccproxy-claude-code-compat");
      beforeAll(async () => {
        up = await driver.start();
        proxy = await startProxy({
          accessKeys: [KEY],
          providers: { up: { protocol: driver.protocol, baseUrl: up.url, keys: [`sk-${driver.protocol}-upstream`] } },
          models: { "*": { targets: ["up/tagged-model"] } },
        });
      });
      afterAll(async () => {
        await proxy.close();
        await up.close();
        dirs.remove();
      });

      test("creates the file with the Write tool and reports the final text", async () => {
        const file = join(dirs.work, "hello.txt");
        const log: { seen: Seen; body: any }[] = [];
        for (let i = 0; i < 20; i++) up.script(taggedModel(driver, file, log));

        const run = await runCli(
          [BINARY, "-p", "Create hello.txt containing: hello from ccproxy", "--allowedTools", "Write", "--permission-mode", "acceptEdits", "--output-format", "json"],
          {
            cwd: dirs.work,
            timeoutMs: 90_000,
            env: {
              HOME: dirs.home,
              ANTHROPIC_BASE_URL: `${proxy.url}/compat`,
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
        expect(JSON.parse(run.stdout)).toMatchObject({ is_error: false, result: FINAL });

        // Every request reached the upstream without tools; the main loop's two carry the instruction.
        expect(up.received.every((r) => !("tools" in (r.body ?? {})))).toBe(true);
        const main = log.filter((l) => (l.seen.system ?? "").includes("### Write\n"));
        expect(main.length).toBe(2);
        expect(main[0]!.seen.stream).toBe(true);
        const instruction = main[0]!.seen.system!.slice(main[0]!.seen.system!.indexOf("# Tools"));
        const names = [...instruction.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);
        expect(names.length).toBeGreaterThanOrEqual(8);
        expect(names).toContain("Write");
        // The second carries the call as tagged text in the assistant turn, the result in the user turn.
        const turns = main[1]!.seen.turns;
        expect(turns.every((t) => !t.toolCalls.length && !t.toolResults.length)).toBe(true);
        expect(turns.at(-2)!.text).toContain(`<tool_call>\n${JSON.stringify({ name: "Write", arguments: { file_path: file, content: CONTENT } })}\n</tool_call>`);
        expect(turns.at(-1)!.text).toContain('<tool_result name="Write">');
        expect(sentinel.attempts).toEqual([]);

        console.log(`tool compatibility instruction for Claude Code's ${names.length} tools: ${instruction.length} characters, ${countTokens(instruction)} tokens (o200k)`);
        if (process.env.CCPROXY_DUMP_INSTRUCTION) writeFileSync(process.env.CCPROXY_DUMP_INSTRUCTION, instruction);
      }, 120_000);
    });
});

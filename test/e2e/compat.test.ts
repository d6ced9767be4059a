// The real CLIs through ccproxy's /compat/ prefix to scripted upstreams that have no tool calling at
// all: they refuse `tools` and speak only tagged text. Claude Code's and Gemini CLI's file-writing
// tool loops must still complete: the tagged call becomes the client's native tool call, and its
// result goes back to the model as tagged text.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { countTokens } from "gpt-tokenizer";
import type { Received, Reply } from "../support/upstream.ts";
import { upstream as openai } from "../conformance/upstreams/openai.ts";
import { upstream as ollama } from "../conformance/upstreams/ollama.ts";
import type { Seen, UpstreamDriver } from "../conformance/types.ts";
import { FINAL, scriptedAnswer } from "./scripted-model.ts";
import { CLIS, cliThroughProxy, offlineEnv, runCli, startSentinel, type Cli } from "./cli.ts";

const KEY = "compat-access-key";
const CONTENT = "hello from ccproxy\n";
const usage = { input: 1200, output: 40 };

/** A model that only speaks tagged text: it writes the file when taught the write tool, then finishes. */
function taggedModel(driver: UpstreamDriver, cli: Cli, file: string, log: { seen: Seen; body: any }[]) {
  return (r: Received): Reply => {
    if (r.body?.tools) return { error: 400, body: { error: "registry.ollama.ai/library/tagged-model:latest does not support tools" } };
    const seen = driver.seen(r);
    log.push({ seen, body: r.body });
    const last = seen.turns.at(-1)?.text ?? "";
    const call = JSON.stringify({ name: cli.write, arguments: { file_path: file, content: CONTENT } });
    if (last.includes(`<tool_result name="${cli.write}">`)) return driver.reply({ text: [FINAL.slice(0, 8), FINAL.slice(8)], stop: "end", usage }, seen.stream);
    if ((seen.system ?? "").includes(`### ${cli.write}\n`)) {
      const text = ["I will write the file.\n<tool", `_call>\n${call.slice(0, 30)}`, `${call.slice(30)}\n</tool_`, "call>"];
      return driver.reply({ text, stop: "end", usage }, seen.stream);
    }
    return driver.reply(scriptedAnswer(seen, file, CONTENT), seen.stream); // side calls (titles, routing)
  };
}

describe("real CLIs through ccproxy's /compat/ prefix, to upstreams without tool calling", () => {
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  beforeAll(async () => {
    sentinel = await startSentinel();
  });
  afterAll(() => sentinel.close());

  for (const cli of CLIS)
    for (const driver of [openai, ollama])
      describe(`${cli.name} to a ${driver.protocol} upstream`, () => {
        const env = cliThroughProxy(cli, driver, { key: KEY, model: "tagged-model", dirPrefix: "ccproxy-compat-cli" });

        test(`creates the file with ${cli.write} and reports the final text`, async () => {
          const { up, proxy, dirs } = env;
          const file = join(dirs.work, "hello.txt");
          const log: { seen: Seen; body: any }[] = [];
          for (let i = 0; i < 20; i++) up.script(taggedModel(driver, cli, file, log));

          const run = await runCli(cli.argv, {
            cwd: dirs.work,
            timeoutMs: 90_000,
            env: { ...cli.env(`${proxy.url}/compat`, dirs.home, KEY), ...offlineEnv(sentinel.url) },
          });
          if (run.code !== 0) console.error(run.stdout, run.stderr);
          expect(run.code).toBe(0);
          expect(readFileSync(file, "utf8")).toBe(CONTENT);
          expect(run.stdout).toContain(FINAL);

          // No request reached the upstream with tools; the tool loop's two carry the instruction.
          expect(up.received.every((r) => !("tools" in (r.body ?? {})))).toBe(true);
          const main = log.filter((l) => (l.seen.system ?? "").includes(`### ${cli.write}\n`)).map((l) => ({ ...l.seen, body: l.body }));
          expect(main.length).toBe(2);
          expect(main[0]!.stream).toBe(true);
          // The instruction closes the leading system message (Claude Code sends more system text later on).
          const leading: string = main[0]!.body.messages[0].content;
          expect(main[0]!.body.messages[0].role).toBe("system");
          const instruction = leading.slice(leading.indexOf("# Tools"));
          expect(instruction).toMatch(/^# Tools\n[\s\S]*### \S+\n[\s\S]*Arguments: \{.*\}$/);
          const names = [...instruction.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);
          expect(names.length).toBeGreaterThanOrEqual(8);
          // The second carries the call as tagged text in the assistant turn, the result in the user turn.
          const turns = main[1]!.turns;
          expect(turns.every((t) => !t.toolCalls.length && !t.toolResults.length)).toBe(true);
          expect(turns.at(-2)!.text).toContain(`<tool_call>\n${JSON.stringify({ name: cli.write, arguments: { file_path: file, content: CONTENT } })}\n</tool_call>`);
          expect(turns.at(-1)!.text).toContain(`<tool_result name="${cli.write}">`);
          expect(sentinel.attempts).toEqual([]);

          console.log(`${cli.name}: tool compatibility instruction for ${names.length} tools, ${instruction.length} characters, ${countTokens(instruction)} tokens (o200k)`);
          const dump = process.env.CCPROXY_DUMP_INSTRUCTION;
          if (dump) writeFileSync(`${dump}.${cli.write}.txt`, instruction);
        }, 120_000);
      });
});

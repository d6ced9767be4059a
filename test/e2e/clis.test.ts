// Claude Code and Gemini CLI, the real programs, through ccproxy to each scripted upstream protocol:
// asked to create a file, the upstream answers with a call to the write tool the CLI advertised,
// then a final text. Side calls (titles, Gemini CLI's model routing) get brief answers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Received } from "../support/upstream.ts";
import { upstreams } from "../conformance/upstreams/index.ts";
import type { Seen } from "../conformance/types.ts";
import { FINAL, scriptedAnswer } from "./scripted-model.ts";
import { CLIS, cliThroughProxy, offlineEnv, runCli, startSentinel } from "./cli.ts";

const KEY = "e2e-access-key";
const CONTENT = "hello from ccproxy\n";

describe("real CLIs through ccproxy", () => {
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  beforeAll(async () => {
    sentinel = await startSentinel();
  });
  afterAll(() => sentinel.close());

  for (const cli of CLIS)
    for (const driver of upstreams)
      describe(`${cli.name} to a ${driver.protocol} upstream`, () => {
        const env = cliThroughProxy(cli, driver, { key: KEY, model: "scripted-model", dirPrefix: "ccproxy-e2e" });

        test(`creates the file with ${cli.write} and reports the final text`, async () => {
          const { up, proxy, dirs } = env;
          const file = join(dirs.work, "hello.txt");
          const seen: Seen[] = [];
          const responder = (r: Received) => {
            const s = driver.seen(r);
            seen.push(s);
            return driver.reply(scriptedAnswer(s, file, CONTENT), s.stream);
          };
          for (let i = 0; i < 20; i++) up.script(responder);

          const run = await runCli(cli.argv, {
            cwd: dirs.work,
            timeoutMs: 90_000,
            env: { ...cli.env(proxy.url, dirs.home, KEY), ...offlineEnv(sentinel.url) },
          });
          if (run.code !== 0) console.error(run.stdout, run.stderr);
          expect(run.code).toBe(0);
          expect(readFileSync(file, "utf8")).toBe(CONTENT);
          const result = JSON.parse(run.stdout);
          expect(result.result ?? result.response).toBe(FINAL);
          // Gemini CLI's model router parses its side call's JSON; a bad answer shows here.
          expect(run.stderr).not.toContain("ClassifierStrategy failed");

          const main = seen.filter((s) => s.tools.some((t) => t.name === cli.write));
          expect(main.length).toBe(2);
          expect(main[0]!.tools.length).toBeGreaterThanOrEqual(8);
          expect(main[0]!.stream).toBe(true);
          // The second call carries the write call and its result, paired.
          const call = main[1]!.turns.flatMap((t) => t.toolCalls).find((c) => c.name === cli.write);
          expect(call?.input).toEqual({ file_path: file, content: CONTENT });
          expect(main[1]!.turns.at(-1)!.toolResults.length).toBe(1);
          expect(sentinel.attempts).toEqual([]);
          // The provider key stays between the proxy and the upstream.
          expect(run.stdout + run.stderr).not.toContain(`sk-${driver.protocol}-upstream`);
        }, 120_000);
      });
});

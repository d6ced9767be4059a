// Gemini CLI, the real program, through ccproxy to each scripted upstream protocol: asked to create a
// file, the upstream answers with a call to the write_file tool Gemini CLI advertised, then a final text.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startProxy, type Proxy } from "../support/proxy.ts";
import type { Received, Upstream } from "../support/upstream.ts";
import { upstreams } from "../conformance/upstreams/index.ts";
import type { Seen } from "../conformance/types.ts";
import { FINAL, scriptedAnswer } from "./scripted-model.ts";
import { offlineEnv, runCli, startSentinel, tempDirs } from "./cli.ts";

const CLI = join(import.meta.dir, "../../node_modules/@google/gemini-cli/bundle/gemini.js");
const KEY = "gemini-cli-access-key";
const CONTENT = "hello from ccproxy via gemini\n";

/** Headless Gemini CLI with a base URL needs the API-key auth type chosen in its settings, and no telemetry. */
function writeSettings(home: string) {
  mkdirSync(join(home, ".gemini"), { recursive: true });
  const settings = {
    security: { auth: { selectedType: "gemini-api-key" } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
  };
  writeFileSync(join(home, ".gemini", "settings.json"), JSON.stringify(settings));
}

describe("Gemini CLI through ccproxy", () => {
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  beforeAll(async () => {
    sentinel = await startSentinel();
  });
  afterAll(() => sentinel.close());

  for (const driver of upstreams.filter((u) => u.protocol !== "gemini"))
    describe(`to a ${driver.protocol} upstream`, () => {
      let up: Upstream, proxy: Proxy;
      const dirs = tempDirs("ccproxy-gemini-cli");
      beforeAll(async () => {
        up = await driver.start();
        proxy = await startProxy({
          accessKeys: [KEY],
          providers: { up: { protocol: driver.protocol, baseUrl: up.url, keys: [`sk-${driver.protocol}-upstream`] } },
          models: { "*": { targets: ["up/scripted-model"] } },
        });
        writeSettings(dirs.home);
      });
      afterAll(async () => {
        await proxy.close();
        await up.close();
        dirs.remove();
      });

      test("creates the file with write_file and reports the final text", async () => {
        const file = join(dirs.work, "hello.txt");
        const seen: Seen[] = [];
        const responder = (r: Received) => {
          const s = driver.seen(r);
          seen.push(s);
          return driver.reply(scriptedAnswer(s, file, CONTENT), s.stream);
        };
        for (let i = 0; i < 20; i++) up.script(responder);

        const run = await runCli(
          ["node", CLI, "-p", "Create hello.txt containing: hello from ccproxy via gemini", "--yolo", "--skip-trust", "--output-format", "json"],
          {
            cwd: dirs.work,
            timeoutMs: 90_000,
            env: { HOME: dirs.home, GOOGLE_GEMINI_BASE_URL: proxy.url, GEMINI_API_KEY: KEY, ...offlineEnv(sentinel.url) },
          },
        );
        if (run.code !== 0) console.error(run.stdout, run.stderr);
        expect(run.code).toBe(0);
        expect(readFileSync(file, "utf8")).toBe(CONTENT);
        expect(JSON.parse(run.stdout)).toMatchObject({ response: FINAL });
        expect(run.stderr).not.toContain("NumericalClassifierStrategy failed");

        const main = seen.filter((s) => s.tools.some((t) => t.name === "write_file"));
        expect(main.length).toBe(2);
        expect(main[0]!.tools.length).toBeGreaterThanOrEqual(10);
        expect(main[0]!.stream).toBe(true);
        const call = main[1]!.turns.flatMap((t) => t.toolCalls).find((c) => c.name === "write_file");
        expect(call?.input).toEqual({ file_path: file, content: CONTENT });
        expect(main[1]!.turns.at(-1)!.toolResults.length).toBe(1);
        expect(sentinel.attempts).toEqual([]);
        expect(run.stdout + run.stderr).not.toContain(`sk-${driver.protocol}-upstream`);
      }, 120_000);
    });
});

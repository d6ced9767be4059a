// The Codex CLI, the real program, through ccproxy's Responses endpoint (/v1/responses) to each
// scripted upstream protocol: asked to create a file, the upstream answers with a call to Codex's
// shell tool, Codex runs the command and sends its output back, then the upstream gives a final text.
// Also: Codex's WebSocket attempt is refused and it carries on over HTTP, and a stream that breaks
// after its first byte fails the turn.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Received, Reply } from "../support/upstream.ts";
import { upstreams } from "../conformance/upstreams/index.ts";
import type { Seen } from "../conformance/types.ts";
import { FINAL, SHELL_TOOL, scriptedAnswer, shellCommand } from "./scripted-model.ts";
import { cliThroughProxy, offlineEnv, runCli, startSentinel } from "./cli.ts";
import { codexArgv, codexEnv, codexEvents, completed, writeCodexConfig, type CodexConfig } from "./codex.ts";

const KEY = "codex-access-key";
const CONTENT = "hello from ccproxy\n";
const PROMPT = "Create hello.txt containing: hello from ccproxy";
const USAGE = { input: 1200, output: 40 };
const THINKING = { pieces: ["Let me", " write it."], signature: "sig-e2e-thinking" };
/** Upstreams whose thinking in a request's history carries its signature (Gemini's rides on the call instead). */
const SIGNED = new Set(["claude", "responses"]);

describe("the Codex CLI through ccproxy's Responses endpoint", () => {
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  beforeAll(async () => {
    sentinel = await startSentinel();
  });
  afterAll(() => sentinel.close());

  for (const driver of upstreams)
    describe(`to a ${driver.protocol} upstream`, () => {
      const env = cliThroughProxy({}, driver, { key: KEY, model: "scripted-model", dirPrefix: "ccproxy-codex" });

      // Every scripted reply hands the request to the running test's answer, so replies one run left unused do no harm.
      let answer: (r: Received) => Reply;
      const dispatch = (r: Received) => answer(r);

      /** Runs Codex once with `config`; every request the upstream gets is answered by `reply`. */
      async function codex(config: Omit<CodexConfig, "proxyUrl">, reply: (seen: Seen) => Reply) {
        const { up, proxy, dirs } = env;
        const seen: Seen[] = [];
        const from = up.received.length;
        answer = (r) => {
          const s = driver.seen(r);
          seen.push(s);
          return reply(s);
        };
        for (let i = 0; i < 10; i++) up.script(dispatch);
        writeCodexConfig(dirs.home, { proxyUrl: proxy.url, ...config });
        const run = await runCli(codexArgv(PROMPT), {
          cwd: dirs.work,
          timeoutMs: 60_000,
          env: { ...codexEnv(dirs.home, KEY), ...offlineEnv(sentinel.url) },
        });
        return { run, events: codexEvents(run.stdout), seen, received: up.received.slice(from) };
      }

      // For gpt-5.5 Codex sends its catalog's tools (apply_patch as a free-form grammar tool,
      // tool_search, web_search); a name it has no metadata for gets the fallback set (a
      // multi_agent_v1 namespace, web_search, no apply_patch). Its other catalog models are code-mode
      // only (tools in an additional_tools input item): see the exec test below.
      for (const model of ["gpt-5.5", "claude-sonnet-4-5"])
        test(`runs ${SHELL_TOOL} and reports the final text (model ${model})`, async () => {
          const file = join(env.dirs.work, `hello-${model}.txt`);
          // The call comes after some thinking, which Codex shows and sends back with the call.
          const { run, events, seen } = await codex({ model }, (s) => {
            const a = scriptedAnswer(s, file, CONTENT);
            return driver.reply(a.toolCalls ? { ...a, thinking: THINKING } : a, s.stream);
          });
          if (run.code !== 0) console.error(run.stdout, run.stderr);
          expect(run.code).toBe(0);
          expect(readFileSync(file, "utf8")).toBe(CONTENT);
          expect(completed(events, "reasoning").map((r) => r.text)).toEqual([THINKING.pieces.join("")]);
          expect(completed(events, "agent_message").at(-1)?.text).toBe(FINAL);
          const [exec] = completed(events, "command_execution");
          expect(exec).toMatchObject({ exit_code: 0, status: "completed", aggregated_output: CONTENT });
          // Usage is summed over the turn's two requests.
          expect(events.at(-1)).toMatchObject({ type: "turn.completed", usage: { input_tokens: 2400, output_tokens: 80 } });

          // Two requests, streamed, with Codex's system prompt (developer messages) and its shell tool.
          expect(seen.length).toBe(2);
          expect(seen[0]!.stream).toBe(true);
          expect(seen[0]!.system).toStartWith("You are ");
          // Its two user messages (the environment, then the prompt) make one user turn.
          const asked = seen[0]!.turns.at(-1)!;
          expect(asked.role).toBe("user");
          expect(asked.text).toStartWith("<environment_context>");
          expect(asked.text).toEndWith(PROMPT);
          const shell = seen[0]!.tools.find((t) => t.name === SHELL_TOOL);
          expect(shell?.parameters).toMatchObject({ type: "object", required: ["cmd"] });
          // The second carries the call and, paired with it, the command's output.
          const callTurn = seen[1]!.turns.find((t) => t.toolCalls.some((c) => c.name === SHELL_TOOL));
          const call = callTurn?.toolCalls.find((c) => c.name === SHELL_TOOL);
          expect(call?.input).toEqual({ cmd: shellCommand(file, CONTENT) });
          // Codex keeps the reasoning's encrypted_content, so a protocol that signs its thinking gets it back intact.
          if (SIGNED.has(driver.protocol)) expect(callTurn?.thinking).toEqual({ text: THINKING.pieces.join(""), signature: THINKING.signature });
          const results = seen[1]!.turns.at(-1)!.toolResults;
          expect(results.length).toBe(1);
          expect(results[0]!.id).toBe(call!.id!);
          expect(results[0]!.output).toContain(`Output:\n${CONTENT}`);

          expect(sentinel.attempts).toEqual([]);
          expect(run.stdout + run.stderr).not.toContain(`sk-${driver.protocol}-upstream`);
        }, 90_000);

      // apply_patch is a free-form (custom) tool: another protocol's model gets a function taking one
      // string, `input`, and its call goes back to Codex as a custom_tool_call. (A Responses upstream
      // gets the custom tool itself; its scripted answers have no free-form calls to make.)
      if (driver.protocol !== "responses")
        test("adds a file with apply_patch, its free-form tool", async () => {
          const name = "hello-patch.txt";
          const patch = `*** Begin Patch\n*** Add File: ${name}\n+${CONTENT.trimEnd()}\n*** End Patch`;
          const args = JSON.stringify({ input: patch });
          const { run, events, seen } = await codex({ model: "gpt-5.5" }, (s) =>
            driver.reply(
              s.turns.at(-1)?.toolResults.length
                ? { text: [FINAL], stop: "end", usage: USAGE }
                : { toolCalls: [{ id: "toolu_e2e_patch", name: "apply_patch", args: [args.slice(0, 30), args.slice(30)] }], stop: "tool_use", usage: USAGE },
              s.stream,
            ),
          );
          if (run.code !== 0) console.error(run.stdout, run.stderr);
          expect(run.code).toBe(0);
          expect(readFileSync(join(env.dirs.work, name), "utf8")).toBe(CONTENT);
          expect(completed(events, "file_change")).toMatchObject([{ status: "completed", changes: [{ path: join(env.dirs.work, name), kind: "add" }] }]);
          expect(completed(events, "agent_message").at(-1)?.text).toBe(FINAL);

          expect(seen.length).toBe(2);
          const tool = seen[0]!.tools.find((t) => t.name === "apply_patch");
          expect(tool?.parameters).toMatchObject({ type: "object", properties: { input: { type: "string" } } });
          const call = seen[1]!.turns.flatMap((t) => t.toolCalls).find((c) => c.name === "apply_patch");
          expect(call?.input).toEqual({ input: patch });
          const results = seen[1]!.turns.at(-1)!.toolResults;
          expect(results.length).toBe(1);
          expect(results[0]!.id).toBe(call!.id!);
          expect(results[0]!.output).toContain(`Success. Updated the following files:\nA ${name}`);
        }, 90_000);

      // With no model set Codex uses its default, gpt-6.2-sol, which is code-mode only: no `tools`,
      // but an additional_tools input item of namespaces, whose JavaScript `exec` (in `functions`)
      // reaches Codex's own tools as `tools.*`. The upstream gets it as functions__exec, taking one
      // string, and its call goes back as a custom_tool_call named exec in the functions namespace.
      if (driver.protocol !== "responses")
        test("runs JavaScript in exec, its code-mode tool, with no model set", async () => {
          const file = join(env.dirs.work, "hello-exec.txt");
          const js = `const r = await tools.${SHELL_TOOL}({ cmd: ${JSON.stringify(shellCommand(file, CONTENT))} });\ntext(r.output);`;
          const args = JSON.stringify({ input: js });
          const { run, events, seen } = await codex({}, (s) =>
            driver.reply(
              s.turns.at(-1)?.toolResults.length
                ? { text: [FINAL], stop: "end", usage: USAGE }
                : { toolCalls: [{ id: "toolu_e2e_exec", name: "functions__exec", args: [args.slice(0, 25), args.slice(25)] }], stop: "tool_use", usage: USAGE },
              s.stream,
            ),
          );
          if (run.code !== 0) console.error(run.stdout, run.stderr);
          expect(run.code).toBe(0);
          expect(readFileSync(file, "utf8")).toBe(CONTENT);
          // Codex shows the command the script ran, and the final text.
          const [exec] = completed(events, "command_execution");
          expect(exec).toMatchObject({ exit_code: 0, status: "completed", aggregated_output: CONTENT });
          expect(completed(events, "agent_message").at(-1)?.text).toBe(FINAL);

          expect(seen.length).toBe(2);
          expect(seen[0]!.model).toBe("scripted-model");
          // Every tool comes from the additional_tools item, each under its namespace.
          const names = seen[0]!.tools.map((t) => t.name);
          expect(names).toContain("functions__exec");
          expect(names).toContain("functions__wait");
          expect(names).toContain("clock__sleep");
          expect(names.filter((n) => !/^[a-z_]+__[a-z_]+$/.test(n))).toEqual([]);
          expect(names).not.toContain(SHELL_TOOL);
          const tool = seen[0]!.tools.find((t) => t.name === "functions__exec");
          expect(tool?.parameters).toMatchObject({ type: "object", properties: { input: { type: "string" } }, required: ["input"] });
          // The call goes back under the name the upstream gave it, its result (what the script wrote) paired with it.
          const call = seen[1]!.turns.flatMap((t) => t.toolCalls).find((c) => c.name === "functions__exec");
          expect(call?.input).toEqual({ input: js });
          const results = seen[1]!.turns.at(-1)!.toolResults;
          expect(results.length).toBe(1);
          expect(results[0]!.id).toBe(call!.id!);
          expect(results[0]!.output).toStartWith("Script completed");
          expect(results[0]!.output).toContain(CONTENT);
          expect(sentinel.attempts).toEqual([]);
        }, 90_000);

      test("falls back to HTTP when its WebSocket is refused", async () => {
        const file = join(env.dirs.work, "hello-ws.txt");
        const { run, events, received } = await codex({ model: "gpt-5.5", websockets: true }, (s) => driver.reply(scriptedAnswer(s, file, CONTENT), s.stream));
        if (run.code !== 0) console.error(run.stdout, run.stderr);
        expect(run.code).toBe(0);
        expect(readFileSync(file, "utf8")).toBe(CONTENT);
        expect(completed(events, "agent_message").at(-1)?.text).toBe(FINAL);
        // Codex says it fell back after a plain HTTP refusal of the upgrade, which never reached the upstream.
        const fallback = completed(events, "error").find((e) => e.message?.startsWith("Falling back from WebSockets to HTTPS transport"));
        expect(fallback?.message).toMatch(/unexpected status 4\d\d /);
        expect(received.map((r) => r.method)).toEqual(["POST", "POST"]);
        expect(sentinel.attempts).toEqual([]);
      }, 90_000);

      test("a stream that breaks after its first byte fails the turn", async () => {
        const file = join(env.dirs.work, "hello-cut.txt");
        const { run, events, received } = await codex({ model: "gpt-5.5" }, () => driver.cutStream(["I will", " run a command."]));
        expect(run.code).toBe(1);
        expect(events.some((e) => e.type === "turn.completed")).toBe(false);
        // The proxy said why (response.failed), rather than just ending the stream.
        const failed = events.find((e) => e.type === "turn.failed")?.error?.message;
        expect(failed).toStartWith("stream disconnected before completion: ");
        expect(failed).not.toContain("stream closed before response.completed");
        // No retry (stream_max_retries = 0), no command run.
        expect(received.length).toBe(1);
        expect(existsSync(file)).toBe(false);
        expect(run.stdout + run.stderr).not.toContain(`sk-${driver.protocol}-upstream`);
      }, 90_000);

      test("a retried stream sends the same history again: what the broken one said is not kept", async () => {
        const file = join(env.dirs.work, "hello-retry.txt");
        let calls = 0;
        const { run, seen } = await codex({ model: "gpt-5.5", streamRetries: 1 }, (s) =>
          calls++ === 0 ? driver.cutStream(["Half an", " answer"]) : driver.reply(scriptedAnswer(s, file, CONTENT), s.stream),
        );
        if (run.code !== 0) console.error(run.stdout, run.stderr);
        expect(run.code).toBe(0);
        expect(readFileSync(file, "utf8")).toBe(CONTENT);
        expect(seen.length).toBe(3);
        expect(seen[1]!.turns).toEqual(seen[0]!.turns);
        expect(JSON.stringify(seen[2]!.turns)).not.toContain("Half an");
      }, 90_000);
    });
});

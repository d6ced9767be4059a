// A mappings folder whose file says `override: keys` changes one key or table of a built-in spec and
// leaves the rest built in: `ccproxy check` judges it (unknown keys are file:line errors with the
// near name), and a running proxy answers an SDK client with the overridden value.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { claudeEvents, claudeMessage } from "./support/wire.ts";

const root = mkdtempSync(join(tmpdir(), "ccproxy-overrides-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const MAIN = join(import.meta.dir, "../src/main.ts");

/** The documented example: a client that treats `content_filter` as a failure is told `stop`. */
const FINISH_OVERRIDE = [
  "override: keys",
  "encodeFinish.table:",
  "  end: stop",
  "  max_tokens: length",
  "  tool_use: tool_calls",
  "  stop_sequence: stop",
  "  content_filter: stop",
  "  error: stop",
  "",
].join("\n");

let n = 0;
function folder(files: Record<string, string>): string {
  const dir = join(root, `maps${n++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name.split("/")[0]!), { recursive: true });
    writeFileSync(join(dir, `${name}.yaml`), text);
  }
  return dir;
}

function check(dir: string) {
  const r = Bun.spawnSync(["bun", MAIN, "check", "--mappings", dir], { cwd: root, env: { PATH: process.env.PATH!, HOME: root } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString().replaceAll(`${dir}/`, "") };
}

describe("ccproxy check", () => {
  test("accepts an override of one table", () => {
    const r = check(folder({ "openai/parts.defs": FINISH_OVERRIDE }));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toStartWith("ok: ");
  });

  test("names each key the built-in spec lacks at its line, with the near name", () => {
    const dir = folder({
      "openai/parts.defs": "override: keys\nencodeFinsh: { from: $, table: {} }\ndecodeFinish.tabel: {}\n",
      "claude/response.encode": "# only the stop reason\noverride: keys\nstop_reasn: end_turn\n",
    });
    const r = check(dir);
    expect(r.code).toBe(1);
    expect(r.err.split("\n")).toEqual([
      'claude/response.encode.yaml:3: stop_reasn: the built-in mappings/claude/response.encode.yaml has no "stop_reasn", so an override cannot replace it; did you mean "stop_reason"?',
      'openai/parts.defs.yaml:2: encodeFinsh: the built-in mappings/openai/parts.defs.yaml has no "encodeFinsh", so an override cannot replace it; did you mean "encodeFinish"?',
      'openai/parts.defs.yaml:3: decodeFinish.tabel: the built-in "decodeFinish" of mappings/openai/parts.defs.yaml has no "tabel", so an override cannot replace it; did you mean "decodeFinish.table"?',
      "3 problems found",
      "",
    ]);
  });

  test("a mistake inside an overriding key is reported at its line in the user's file", () => {
    const r = check(folder({ "openai/parts.defs": "override: keys\nencodeFinish:\n  from: $\n  tabel: { end: stop }\n" }));
    expect(r.code).toBe(1);
    expect(r.err).toStartWith('openai/parts.defs.yaml:4: encodeFinish.tabel: from: unknown key in "from"');
  });

  test("an override marker other than `keys` is an error, not a silent whole-file replacement", () => {
    const r = check(folder({ "openai/error.encode": "override: true\nerror: { message: $.message }\n" }));
    expect(r.code).toBe(1);
    expect(r.err).toStartWith('openai/error.encode.yaml:1: override: must be "keys"');
  });
});

describe("a running proxy", () => {
  let upstream: Upstream;
  let proxy: Proxy;
  let client: OpenAI;
  beforeAll(async () => {
    upstream = await startUpstream("claude");
    proxy = await startProxy({
      mappings: folder({ "openai/parts.defs": FINISH_OVERRIDE }),
      providers: { cl: { protocol: "claude", baseUrl: upstream.url, keys: ["sk-cl"] } },
      models: { "*": { targets: ["cl/claude-sonnet-4-6"] } },
    });
    client = new OpenAI({ apiKey: "none", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });
  const ask = { model: "m", messages: [{ role: "user" as const, content: "hi" }] };

  test("answers the overridden finish_reason; the rest of the table and file stay built in", async () => {
    upstream.script({ json: claudeMessage({ content: "I can't help with that.", stop_reason: "refusal" }) });
    upstream.script({ json: claudeMessage({ content: "cut", stop_reason: "max_tokens" }) });
    const refused = await client.chat.completions.create(ask);
    expect(refused.choices[0]!.finish_reason).toBe("stop");
    expect(refused.choices[0]!.message.content).toBe("I can't help with that.");
    const cut = await client.chat.completions.create(ask);
    expect(cut.choices[0]!.finish_reason).toBe("length");
    expect(cut.usage?.total_tokens).toBe(15);
  });

  test("the streamed answer's last choice says the same", async () => {
    upstream.script({ sse: claudeEvents({ blocks: [{ type: "text", pieces: ["No", "."] }], stop_reason: "refusal" }) });
    const chunks = [];
    for await (const c of await client.chat.completions.create({ ...ask, stream: true })) chunks.push(c);
    const finishes = chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean);
    expect(finishes).toEqual(["stop"]);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("No.");
  });
});

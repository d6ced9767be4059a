// The mappings folder reloads on change: `ccproxy serve` in a child process, its folder edited
// under it, an SDK client asking until the answer changes. A broken edit is refused with file:line
// and the mappings before it keep serving.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { serve, type Served } from "./support/serve.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { claudeMessage } from "./support/wire.ts";

let upstream: Upstream;
let proxy: Served;
let client: OpenAI;
const maps = mkdtempSync(join(tmpdir(), "ccproxy-watched-"));
const other = mkdtempSync(join(tmpdir(), "ccproxy-watched-"));

/** openai/parts.defs.yaml that answers `refusal` as the finish_reason for a model's refusal */
const finishAs = (refusal: string, key = "encodeFinish.table") =>
  `override: keys\n${key}: { end: stop, max_tokens: length, tool_use: tool_calls, stop_sequence: stop, content_filter: ${refusal}, error: stop }\n`;

/** What an OpenAI client is told when the Claude upstream refuses. */
async function finish(): Promise<string | null | undefined> {
  upstream.script({ json: claudeMessage({ content: "No.", stop_reason: "refusal" }) });
  const c = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
  return c.choices[0]?.finish_reason;
}
const reloads = () => proxy.stdout().split("config reloaded (mappings folder changed)").length - 1;
const refusals = () => proxy.stderr().split("mappings folder changed: the new config was refused").length - 1;

const configFor = (dir: string) =>
  [
    "listen: 127.0.0.1:0",
    `mappings: ${dir}`,
    "providers:",
    `  cl: { protocol: claude, baseUrl: ${upstream.url}, keys: [sk-cl] }`,
    "models:",
    '  "*": { targets: [cl/claude-sonnet-4-6] }',
    "",
  ].join("\n");

beforeAll(async () => {
  upstream = await startUpstream("claude");
  proxy = await serve(configFor(maps));
  client = new OpenAI({ apiKey: "none", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
  rmSync(maps, { recursive: true, force: true });
  rmSync(other, { recursive: true, force: true });
});

test("a file added to the folder (in a new protocol folder) takes over without a restart", async () => {
  expect(await finish()).toBe("content_filter");
  mkdirSync(join(maps, "openai"));
  writeFileSync(join(maps, "openai", "parts.defs.yaml"), finishAs("stop"));
  await proxy.until(async () => (await finish()) === "stop");
  expect(reloads()).toBe(1);
});

test("a broken edit is refused with file:line; the mappings before it keep serving", async () => {
  writeFileSync(join(maps, "openai", "parts.defs.yaml"), finishAs("length", "encodeFinish.tabel"));
  await proxy.until(() => refusals() === 1);
  expect(proxy.stderr()).toContain(`${maps}/openai/parts.defs.yaml:2: encodeFinish.tabel: the built-in "encodeFinish" of mappings/openai/parts.defs.yaml has no "tabel"`);
  expect(await finish()).toBe("stop");
  expect(proxy.proc.exitCode).toBeNull();
});

test("an editor's save, a new file renamed over the old one, takes over", async () => {
  const file = join(maps, "openai", "parts.defs.yaml");
  writeFileSync(`${file}.tmp`, finishAs("length"));
  renameSync(`${file}.tmp`, file);
  await proxy.until(async () => (await finish()) === "length");
});

test("a burst of writes to several files is one reload, of the last state", async () => {
  const before = reloads();
  mkdirSync(join(maps, "claude"));
  for (let i = 0; i < 5; i++) writeFileSync(join(maps, "openai", "parts.defs.yaml"), finishAs(i % 2 ? "length" : "content_filter"));
  writeFileSync(join(maps, "claude", "error.encode.yaml"), "override: keys\nrequest_id: { const: req_proxy }\n");
  writeFileSync(join(maps, "openai", "parts.defs.yaml"), finishAs("stop"));
  await proxy.until(async () => (await finish()) === "stop");
  expect(reloads()).toBe(before + 1);
});

test("a file removed brings the built-in one back", async () => {
  rmSync(join(maps, "openai", "parts.defs.yaml"));
  await proxy.until(async () => (await finish()) === "content_filter");
});

test("a config naming another folder, refused for a broken file there, reloads when that file is fixed", async () => {
  mkdirSync(join(other, "openai"));
  writeFileSync(join(other, "openai", "parts.defs.yaml"), finishAs("length", "encodeFinsh"));
  const refused = () => proxy.stderr().split("config file changed: the new config was refused").length - 1;
  const before = refused();
  writeFileSync(proxy.file, configFor(other));
  await proxy.until(() => refused() > before);
  expect(proxy.stderr()).toContain(`${other}/openai/parts.defs.yaml:2: encodeFinsh: `);
  expect(await finish()).toBe("content_filter");
  writeFileSync(join(other, "openai", "parts.defs.yaml"), finishAs("length"));
  await proxy.until(async () => (await finish()) === "length");
});

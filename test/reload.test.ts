// Config reload: on file change and on SIGHUP a good config takes over, a bad one is refused with
// file:line errors while the old one keeps serving. Runs the real command line.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-reload-"));
const file = join(dir, "ccproxy.yaml");
const config = (model: string) => `listen: 127.0.0.1:0\nproviders:\n  p: { protocol: openai, baseUrl: http://127.0.0.1:9/v1 }\nmodels:\n  ${model}: { targets: [p/x] }\n`;
let proc: ReturnType<typeof Bun.spawn>;
let url = "";
let stderr = "";
let stdout = "";

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out; stdout: ${stdout} stderr: ${stderr}`);
    await Bun.sleep(20);
  }
}
const models = async () => ((await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] }).data.map((m) => m.id);

beforeAll(async () => {
  writeFileSync(file, config("first-model"));
  proc = Bun.spawn(["bun", join(import.meta.dir, "../src/main.ts"), "serve", "--config", file], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: dir } });
  const collect = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    for await (const c of s) add(new TextDecoder().decode(c));
  };
  collect(proc.stdout as ReadableStream<Uint8Array>, (t) => (stdout += t));
  collect(proc.stderr as ReadableStream<Uint8Array>, (t) => (stderr += t));
  await until(() => /listening on (\S+)/.test(stdout));
  url = /listening on (\S+)/.exec(stdout)![1]!;
});
afterAll(() => {
  proc.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("a changed config file takes over without a restart", async () => {
  expect(await models()).toContain("first-model");
  writeFileSync(file, config("second-model"));
  await until(async () => (await models()).includes("second-model"));
  expect(await models()).not.toContain("first-model");
});

test("a broken config is refused with file:line and the old one keeps serving", async () => {
  writeFileSync(file, config("third-model").replace("protocol: openai", "protocol: nonsense"));
  await until(() => /refused/.test(stderr));
  expect(stderr).toMatch(/ccproxy\.yaml:3:.*protocol/);
  expect(await models()).toContain("second-model");
});

test("an editor's save, a new file renamed over the config, takes over too", async () => {
  writeFileSync(`${file}.swp`, config("renamed-model"));
  renameSync(`${file}.swp`, file);
  await until(async () => (await models()).includes("renamed-model"));
});

test("writes beside the config (a log database there) do not reload it", async () => {
  const reloads = () => stdout.split("config reloaded").length;
  const before = reloads();
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, "log.db-wal"), `frame ${i}`);
  await Bun.sleep(600);
  expect(reloads()).toBe(before);
});

test("SIGHUP reloads", async () => {
  writeFileSync(file, config("fourth-model"));
  proc.kill("SIGHUP");
  await until(() => stdout.includes("config reloaded (SIGHUP)"));
  expect(await models()).toContain("fourth-model");
});

// Issue 15: the yaml package throws on these while making the document's value; that killed the proxy.
const refusals = () => stderr.split("the new config was refused").length - 1;

test("a config holding an alias that names no anchor is refused with its line; the proxy keeps serving", async () => {
  const before = refusals();
  writeFileSync(file, config("alias-model").replace("baseUrl: http://127.0.0.1:9/v1", "baseUrl: http://127.0.0.1:9/v1, keys: [*k]"));
  await until(() => refusals() > before);
  expect(stderr).toMatch(/ccproxy\.yaml:3: alias \*k names no anchor/);
  expect(proc.exitCode).toBeNull();
  expect(await models()).toContain("fourth-model");
});

test("a config with more than 100 alias expansions is refused; the proxy keeps serving", async () => {
  const before = refusals();
  writeFileSync(file, `x: &a [1]\ny: [${Array(101).fill("*a").join(", ")}]\n${config("bomb-model")}`);
  await until(() => refusals() > before);
  expect(stderr).toMatch(/ccproxy\.yaml:2: too many alias expansions/);
  expect(proc.exitCode).toBeNull();
  expect(await models()).toContain("fourth-model");
});

test("a mapping file holding an alias is refused on SIGHUP; the proxy keeps serving", async () => {
  const maps = join(dir, "maps");
  mkdirSync(join(maps, "openai"), { recursive: true });
  writeFileSync(join(maps, "openai", "error.encode.yaml"), "error: { message: *nope }\n");
  writeFileSync(file, `mappings: ./maps\n${config("mapped-model")}`);
  await until(() => /error\.encode\.yaml:1: alias \*nope/.test(stderr));
  const before = refusals();
  proc.kill("SIGHUP");
  await until(() => refusals() > before);
  expect(proc.exitCode).toBeNull();
  expect(await models()).toContain("fourth-model");
});

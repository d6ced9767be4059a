// `ccproxy check` as a user runs it: every problem as file[:line]: field: message, a non-zero exit,
// never a stack trace or a variable's value.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = mkdtempSync(join(tmpdir(), "ccproxy-check-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const MAIN = join(import.meta.dir, "../main.ts");

let n = 0;
function check(config: string, env: Record<string, string> = {}, args: string[] = []) {
  const dir = join(root, `case${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "ccproxy.yaml"), config);
  const r = Bun.spawnSync(["bun", MAIN, "check", "--config", "ccproxy.yaml", ...args], { cwd: dir, env: { PATH: process.env.PATH!, HOME: dir, ...env } });
  return { dir, code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString().replaceAll(`${dir}/`, "") };
}

const KEYED = "accessKeys: [${CCPROXY_KEY}]\nproviders:\n  local: { protocol: ollama, baseUrl: http://127.0.0.1:11434 }\n";

test("CCPROXY_KEY='*abc' is a key like any other, not a crash", () => {
  const r = check(KEYED, { CCPROXY_KEY: "*abc" });
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
});

test("an alias in the file is a file:line error that never shows a variable's value", () => {
  const r = check(`listen: \${CCPROXY_KEY}\nx: *\${CCPROXY_KEY}\n${KEYED}`, { CCPROXY_KEY: "sk-SECRET" });
  expect(r.code).toBe(1);
  expect(r.err).toBe("ccproxy.yaml:2: alias *${CCPROXY_KEY} names no anchor defined before it\n1 problem found\n");
});

test("a config error does not hide the mapping errors: both are listed", () => {
  const dir = join(root, "maps");
  mkdirSync(join(dir, "openai"), { recursive: true });
  writeFileSync(join(dir, "openai", "request.encod.yaml"), "model: $.model\n");
  const r = check(`mappings: ${dir}\nproviders:\n  p: { protocol: nonsense, baseUrl: https://x.example }\n`);
  expect(r.code).toBe(1);
  expect(r.err.split("\n")).toEqual([
    "ccproxy.yaml:3: providers.p.protocol: must be one of openai, claude, gemini, ollama, responses",
    `${dir}/openai/request.encod.yaml: no built-in mapping has this name, so it is never read; did you mean openai/request.encode.yaml?`,
    "2 problems found",
    "",
  ]);
});

test("--mappings naming no folder, and a missing config file, are named without a line", () => {
  const dir = join(root, "empty");
  mkdirSync(dir);
  const r = Bun.spawnSync(["bun", MAIN, "check", "--config", "nope.yaml", "--mappings", "nosuchdir"], { cwd: dir, env: { PATH: process.env.PATH!, HOME: dir } });
  expect(r.exitCode).toBe(1);
  expect(r.stderr.toString()).toBe(`${dir}/nope.yaml: file not found\ncommand line: --mappings: no folder ${dir}/nosuchdir\n2 problems found\n`);
});

test("a host that is not loopback, with no access keys, is named where it came from: --host or $CCPROXY_HOST", () => {
  const open = "providers:\n  local: { protocol: ollama, baseUrl: http://127.0.0.1:11434 }\n";
  const fromEnv = Bun.spawnSync(["bun", MAIN, "serve", "--config", join(check(open).dir, "ccproxy.yaml")], { env: { PATH: process.env.PATH!, HOME: root, CCPROXY_HOST: "0.0.0.0" } });
  expect(fromEnv.exitCode).not.toBe(0);
  expect(fromEnv.stderr.toString()).toContain("environment: CCPROXY_HOST: host 0.0.0.0 is not loopback");
  const fromFlag = Bun.spawnSync(["bun", MAIN, "serve", "--config", join(check(open).dir, "ccproxy.yaml"), "--host", "0.0.0.0"], { env: { PATH: process.env.PATH!, HOME: root } });
  expect(fromFlag.stderr.toString()).toContain("command line: --host: host 0.0.0.0 is not loopback");
});

// The single executable: built with its mappings embedded, it runs from an empty directory and
// serves a request end to end.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { openaiCompletion } from "./support/wire.ts";

let dir: string;
let upstream: Upstream;
let proc: ReturnType<typeof Bun.spawn> | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ccproxy-bin-"));
  const build = Bun.spawnSync(["bun", "run", "build.ts", join(dir, "ccproxy")], { cwd: join(import.meta.dir, "..") });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  upstream = await startUpstream("openai");
}, 60_000);

afterAll(async () => {
  proc?.kill();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the binary in `cwd` and returns the address it prints once listening. */
async function start(cwd: string, args: string[]): Promise<string> {
  // NODE_ENV=development would make Bun.serve serve its error page (stack, source, working directory) unless told not to.
  const env = { PATH: process.env.PATH ?? "", HOME: cwd, NODE_ENV: "development" };
  proc = Bun.spawn([join(dir, "ccproxy"), ...args], { cwd, stdout: "pipe", stderr: "pipe", env });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!/listening on (\S+)/.test(text)) {
    const r = await reader.read();
    if (r.done) throw new Error(`exited: ${text} ${await new Response(proc.stderr as ReadableStream).text()}`);
    text += new TextDecoder().decode(r.value);
  }
  reader.releaseLock();
  return /listening on (\S+)/.exec(text)![1]!;
}

test("dist/ccproxy runs from an empty directory with the built-in mappings and converts a request", async () => {
  const cwd = mkdtempSync(join(dir, "run-"));
  writeFileSync(
    join(cwd, "ccproxy.yaml"),
    `providers:\n  up: { protocol: openai, baseUrl: "${upstream.url}", keys: [sk-up] }\nmodels:\n  "claude-*": { targets: [up/gpt-test] }\n`,
  );
  const url = await start(cwd, ["--port", "0"]);
  expect((await fetch(`${url}/health`)).status).toBe(200);

  upstream.script({ json: openaiCompletion({ content: "from the binary", usage: { prompt: 7, completion: 3 } }) });
  const res = await fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "any", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-x", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  const msg = (await res.json()) as any;
  expect(msg.content).toEqual([{ type: "text", text: "from the binary" }]);
  expect(msg.usage.input_tokens).toBe(7);
  expect(upstream.received.at(-1)!.body.model).toBe("gpt-test");
  expect(upstream.received.at(-1)!.headers.authorization).toBe("Bearer sk-up");

  // The log writer runs as a worker inside the binary; `ccproxy logs` reads what it wrote.
  let logged = "";
  for (let i = 0; i < 40 && !logged; i++) {
    await Bun.sleep(50);
    logged = Bun.spawnSync([join(dir, "ccproxy"), "logs", "--json"], { cwd, env: { HOME: cwd } }).stdout.toString();
  }
  expect(JSON.parse(logged)).toMatchObject({ client: "claude", model: "claude-x", target: "up/gpt-test", keyLabel: "up#1", status: 200 });

  // A path that does not decode is the client's mistake, answered in its shape, under NODE_ENV=development too.
  const bad = await fetch(`${url}/v1beta/models/%zz`);
  expect(bad.status).toBe(400);
  const text = await bad.text();
  expect(JSON.parse(text).error.status).toBe("INVALID_ARGUMENT");
  expect(text).not.toMatch(/<html|\.ts:\d|\$bunfs/i);

  // The token counter runs as a worker inside the binary too.
  const counted = await fetch(`${url}/v1/messages/count_tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "any", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-x", messages: [{ role: "user", content: "How many tokens is this sentence?" }] }),
  });
  expect(counted.status).toBe(200);
  expect(((await counted.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(5);
}, 30_000);

test("dist/ccproxy check reports a broken mapping override as file:line and exits non-zero", () => {
  const cwd = mkdtempSync(join(dir, "check-"));
  const maps = join(cwd, "maps", "openai");
  Bun.spawnSync(["mkdir", "-p", maps]);
  writeFileSync(join(maps, "request.encode.yaml"), "model: $.model\nmessages:\n  call: noSuchFunction\n");
  const r = Bun.spawnSync([join(dir, "ccproxy"), "check", "--mappings", join(cwd, "maps")], { cwd, env: { HOME: cwd } });
  expect(r.exitCode).toBe(1);
  expect(r.stderr.toString()).toContain(`${join(cwd, "maps", "openai", "request.encode.yaml")}:3: messages.call: unknown function "noSuchFunction"`);
});

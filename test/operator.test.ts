// What the person running the proxy sees, from the real command line in child processes: the
// start-up banner and its warnings, one stdout line per request (levels, redaction, a stdout nobody
// reads), CCPROXY_HOST / CCPROXY_PORT, and `ccproxy status` asking a running proxy.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { errorBody, startUpstream, type Upstream } from "./support/upstream.ts";
import { openaiCompletion } from "./support/wire.ts";
import { serve, type Served } from "./support/serve.ts";
import { checkOllama, ollamaAnswers } from "../src/cli/banner.ts";

const MAIN = join(import.meta.dir, "../src/main.ts");
const ACCESS = "ccp-operator-key-5b2c";
const PROVIDER_KEY = "sk-operator-prov-8e1f7a";
let oa: Upstream;
const running: Served[] = [];

beforeAll(async () => void (oa = await startUpstream("openai")));
afterAll(async () => Promise.all([...running.map((s) => s.close()), oa.close()]));

const config = (o: { keyVar?: boolean; extra?: string } = {}) => `listen: 127.0.0.1:0
accessKeys: [${o.keyVar ? "${CCPROXY_KEY}" : ACCESS}]
logging: { enabled: false }
providers:
  oa: { protocol: openai, baseUrl: "${oa.url}", keys: [${o.keyVar ? "${OA_KEY}" : PROVIDER_KEY}] }
models:
  claude-x: { targets: [oa/gpt-4o] }
  "gpt-*": { targets: [oa/*], toolCompat: auto }
groups:
  team: { models: { "*": { targets: [oa/team-model] } } }
${o.extra ?? ""}`;

async function start(args: string[] = [], env: Record<string, string> = {}, text = config()) {
  const from = oa.received.length;
  const s = await serve(text, env, args);
  running.push(s);
  // A glob route's catalog is fetched in the background at start: let it take its (unscripted)
  // answer before a test scripts one, or it may take the test's reply instead.
  if (text.includes("oa/*")) await waitFor(async () => oa.received.slice(from).some((r) => r.method === "GET" && r.path === "/v1/models"));
  return s;
}
const client = (s: Served) => new OpenAI({ apiKey: ACCESS, baseURL: `${s.url}/v1`, maxRetries: 0 });
const ask = (s: Served, model: string) => client(s).chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
const lines = (s: Served) => s.stdout().split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));

describe("the banner", () => {
  test("names the address, the access keys, the providers and every model route", async () => {
    const s = await start();
    const out = s.stdout();
    expect(out).toMatch(/^ccproxy 0\.1\.0 listening on http:\/\/127\.0\.0\.1:\d+ \(ready in \d+ ms\)$/m);
    expect(out).toContain("access keys: on (1); clients present one as their API key");
    expect(out).toContain(`providers: oa (openai, ${oa.url}, 1 key)`);
    expect(out).toMatch(/^ {2}claude-x {2}→ oa\/gpt-4o$/m);
    expect(out).toMatch(/^ {2}gpt-\* {5}→ oa\/\* \(toolCompat: auto\)$/m);
    expect(out).toContain("group team (/team/…, the root's keys):");
    expect(out).toContain("log: off");
    expect(out).toContain("request lines: every request");
    expect(out).not.toContain(PROVIDER_KEY);
    expect(s.stderr()).not.toContain("warning");
  });

  test("the built-in default with no provider key in the environment says so, and says whether Ollama answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccproxy-default-"));
    const proc = Bun.spawn(["bun", MAIN], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH!, HOME: dir, CCPROXY_PORT: "0" } });
    try {
      const out = await readUntil(proc.stdout, /status page/);
      expect(out).toContain("config: built-in default");
      expect(out).toContain("access keys: off; loopback only");
      expect(out).toMatch(/^ {2}\* {2}→ ollama\/\*$/m);
      const ollamaUp = await ollamaAnswers("http://127.0.0.1:11434");
      const err = await readUntil(proc.stderr, ollamaUp ? /no provider key/ : /Ollama does not answer/);
      expect(err).toContain("warning: no provider key in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY)");
      if (!ollamaUp) expect(err).toContain("warning: Ollama does not answer at http://127.0.0.1:11434");
    } finally {
      proc.kill();
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the Ollama check: quiet for one that answers, a warning for one that does not", async () => {
    const ollama = await startUpstream("ollama");
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const deadUrl = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const warned: string[] = [];
    try {
      ollama.script({ json: { version: "0.6.0" } });
      await checkOllama([ollama.url, deadUrl], (w) => warned.push(w), 2000);
      expect(warned).toEqual([`ccproxy: warning: Ollama does not answer at ${deadUrl} (is it running? \`ollama serve\`); requests routed to it will fail`]);
    } finally {
      await ollama.close();
    }
  });
});

describe("one line per request", () => {
  test("a chat, a refusal and an upstream error each get a line; no key is ever printed", async () => {
    const s = await start();
    oa.script({ json: openaiCompletion({ content: "hi", usage: { prompt: 1200, completion: 85 } }) });
    await ask(s, "claude-x");
    await fetch(`${s.url}/v2/nowhere`, { headers: { authorization: `Bearer ${ACCESS}` } });
    oa.script({ error: 401, body: errorBody("openai", 401, `Incorrect API key provided: ${PROVIDER_KEY}`) });
    await ask(s, "gpt-4o").catch(() => {});
    await s.until(() => lines(s).length >= 3);
    const [chat, nowhere, refused] = lines(s);
    expect(chat).toMatch(/^\d\d:\d\d:\d\d openai \/v1\/chat\/completions claude-x → oa\/gpt-4o 200 \d+ms 1200→85 tok$/);
    expect(nowhere).toMatch(/^\d\d:\d\d:\d\d openai \/v2\/nowhere 404 \d+ms — no route GET \/v2\/nowhere$/);
    expect(refused).toMatch(/ gpt-4o → oa\/gpt-4o 502 \d+ms — .*\[redacted\]/);
    expect(s.stdout()).not.toContain(PROVIDER_KEY);
  });

  test("--log-level errors prints failures only; --quiet prints none", async () => {
    const errorsOnly = await start(["--log-level", "errors"]);
    const quiet = await start(["--quiet"]);
    for (const s of [errorsOnly, quiet]) {
      oa.script({ json: openaiCompletion({ content: "hi" }) });
      await ask(s, "claude-x");
      await fetch(`${s.url}/v2/nowhere`);
    }
    await errorsOnly.until(() => lines(errorsOnly).length >= 1);
    expect(lines(errorsOnly)).toHaveLength(1);
    expect(lines(errorsOnly)[0]).toContain("/v2/nowhere 404");
    expect(errorsOnly.stdout()).toContain("request lines: errors only");
    await quiet.stop(); // a stop writes every line still pending
    expect(lines(quiet)).toEqual([]);
    expect(quiet.stdout()).toContain("request lines: off");
  });

  test("a stdout nobody reads never holds a request up; the lines it missed are counted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccproxy-stalled-"));
    const file = join(dir, "ccproxy.yaml");
    const go = join(dir, "go");
    const pidFile = join(dir, "pid");
    writeFileSync(file, config());
    // The proxy's stdout is a pipe to a reader that reads nothing until told to (the file `go`):
    // the pipe fills after a thousand lines or so and stays full.
    writeFileSync(join(dir, "reader.ts"), `import { existsSync } from "node:fs";\nwhile (!existsSync(${JSON.stringify(go)})) await Bun.sleep(20);\nfor await (const c of Bun.stdin.stream()) process.stdout.write(c);\n`);
    const port = freePort();
    const proc = Bun.spawn(["sh", "-c", `{ bun "${MAIN}" --config "${file}" --port ${port} & echo $! > "${pidFile}"; wait; } | bun "${join(dir, "reader.ts")}"`], {
      stdout: "pipe",
      stderr: "ignore",
      env: { PATH: process.env.PATH!, HOME: dir },
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true);
      let answered = 0;
      for (let batch = 0; batch < 40; batch++) {
        const all = Array.from({ length: 100 }, () => fetch(`${url}/v2/${"x".repeat(200)}`).then((r) => (r.status === 404 && answered++, r.body?.cancel())));
        await Promise.all(all);
      }
      expect(answered).toBe(4000);
      writeFileSync(go, "");
      const out = await readUntil(proc.stdout as ReadableStream<Uint8Array>, /request line\(s\) left out/);
      const notice = /ccproxy: (\d+) request line\(s\) left out: stdout was not being read/.exec(out);
      expect(notice).not.toBeNull();
      const printed = out.split("\n").filter((l) => l.includes(" 404 ")).length;
      expect(printed + Number(notice![1])).toBe(4000); // every request is either printed or counted
    } finally {
      process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("console: { level: off } in the config", async () => {
    const s = await start([], {}, config({ extra: "console: { level: off }\n" }));
    await fetch(`${s.url}/v2/nowhere`);
    await s.stop();
    expect(lines(s)).toEqual([]);
  });
});

describe("where to listen, and ccproxy status", () => {
  test("CCPROXY_PORT and CCPROXY_HOST come below --port and --host, above the config", async () => {
    const port = freePort();
    const s = await start([], { CCPROXY_PORT: String(port), CCPROXY_HOST: "localhost" });
    expect(s.url).toMatch(new RegExp(`^http://(localhost|127\\.0\\.0\\.1|\\[::1\\]):${port}$`));
    const flag = freePort();
    const t = await start(["--port", String(flag)], { CCPROXY_PORT: String(port + 1) });
    expect(t.url).toBe(`http://127.0.0.1:${flag}`);
    const bad = Bun.spawnSync(["bun", MAIN, "--config", s.file], { env: { PATH: process.env.PATH!, HOME: s.dir, CCPROXY_PORT: "eighty" } });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.toString()).toContain('environment: CCPROXY_PORT: must be a number from 0 to 65535, not "eighty"');
  });

  test("ccproxy status prints the providers and each pair's health, asking with the config's first key", async () => {
    const env = { CCPROXY_KEY: ACCESS, OA_KEY: PROVIDER_KEY };
    const s = await start([], env, config({ keyVar: true }));
    oa.script({ error: 429, headers: { "retry-after": "60" } });
    await ask(s, "claude-x").catch(() => {});
    const port = new URL(s.url).port;
    // The provider's key is not needed to ask: only the access key and the address are read.
    const r = Bun.spawnSync(["bun", MAIN, "status", "--config", s.file, "--port", port], { env: { PATH: process.env.PATH!, HOME: s.dir, CCPROXY_KEY: ACCESS } });
    const out = r.stdout.toString();
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    expect(out).toContain(`ccproxy 0.1.0 at http://127.0.0.1:${port}, up since `);
    expect(out).toMatch(/^PROVIDER\s+PROTOCOL\s+KEYS\s+URL$/m);
    expect(out).toMatch(new RegExp(`^oa\\s+openai\\s+1\\s+${oa.url.replace(/[.]/g, "\\.")}$`, "m"));
    expect(out).toMatch(/^TARGET\s+KEY\s+STATE\s+COOLDOWN\s+FAILURES\s+LAST ERROR$/m);
    expect(out).toMatch(/^oa\/gpt-4o\s+oa#1\s+cooling\s+\d+s\s+1\s+429 /m);
    expect(out).not.toContain(PROVIDER_KEY);
    const refused = Bun.spawnSync(["bun", MAIN, "status", "--config", s.file, "--port", port], { env: { PATH: process.env.PATH!, HOME: s.dir, CCPROXY_KEY: "wrong-key" } });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.toString()).toContain("refused the config's first access key");
    const nobody = Bun.spawnSync(["bun", MAIN, "status", "--config", s.file, "--port", String(freePort())], { env: { PATH: process.env.PATH!, HOME: s.dir, CCPROXY_KEY: ACCESS } });
    expect(nobody.exitCode).toBe(1);
    expect(nobody.stderr.toString()).toContain("no proxy answers at http://127.0.0.1:");
  });

  test("ccproxy logs --help prints the logs section only", () => {
    const r = Bun.spawnSync(["bun", MAIN, "logs", "--help"]);
    const out = r.stdout.toString();
    expect(out).toStartWith("Usage:\n  ccproxy logs [--config FILE]");
    expect(out).not.toContain("ccproxy check");
  });
});

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(20);
  }
}

/** Reads a child's stream until `re` matches what came so far (or the stream ends). */
async function readUntil(stream: ReadableStream<Uint8Array>, re: RegExp): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!re.test(text)) {
      const r = await reader.read();
      if (r.done) break;
      text += decoder.decode(r.value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}

// Running a real CLI offline through the proxy: a temporary HOME and working directory, a time
// limit, and a sentinel that records any connection the CLI tries to make anywhere but the proxy.
import { afterAll, beforeAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProxy, type Proxy } from "../support/proxy.ts";
import type { Upstream } from "../support/upstream.ts";
import type { UpstreamDriver } from "../conformance/types.ts";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A local port that stands in as HTTP(S)_PROXY: every connection to it is a CLI trying to reach
 * something other than the proxy (which NO_PROXY exempts), recorded and refused.
 */
export async function startSentinel(): Promise<{ url: string; attempts: string[]; close(): Promise<void> }> {
  const attempts: string[] = [];
  const server: Server = createServer((sock) => {
    sock.once("data", (d) => {
      attempts.push(d.toString("latin1").split("\r\n")[0]!);
      sock.destroy();
    });
    sock.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, attempts, close: () => new Promise((r) => server.close(() => r())) };
}

export function tempDirs(prefix: string) {
  const home = mkdtempSync(join(tmpdir(), `${prefix}-home-`));
  const work = mkdtempSync(join(tmpdir(), `${prefix}-work-`));
  return { home, work, remove: () => [home, work].forEach((d) => rmSync(d, { recursive: true, force: true })) };
}

/**
 * For one describe block: a scripted upstream, a proxy in front of it serving every model as
 * `model` there, and the CLI's temporary HOME and working directory, set up and removed around it.
 */
export function cliThroughProxy(cli: Pick<Cli, "setup">, driver: UpstreamDriver, o: { key: string; model: string; dirPrefix: string }) {
  const env = { dirs: tempDirs(o.dirPrefix) } as { up: Upstream; proxy: Proxy; dirs: ReturnType<typeof tempDirs> };
  beforeAll(async () => {
    env.up = await driver.start();
    env.proxy = await startProxy({
      accessKeys: [o.key],
      providers: { up: { protocol: driver.protocol, baseUrl: env.up.url, keys: [`sk-${driver.protocol}-upstream`] } },
      models: { "*": { targets: [`up/${o.model}`] } },
    });
    cli.setup?.(env.dirs.home);
  });
  afterAll(async () => {
    await env.proxy.close();
    await env.up.close();
    env.dirs.remove();
  });
  return env;
}

/** Runs `argv` with exactly `env` (plus PATH), killed after `timeoutMs`. */
export async function runCli(argv: string[], o: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<CliRun> {
  const proc = Bun.spawn(argv, {
    cwd: o.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...o.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), o.timeoutMs);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The proxy and the test's own servers are on loopback; everything else goes to the sentinel. */
export function offlineEnv(sentinel: string): Record<string, string> {
  return {
    HTTP_PROXY: sentinel,
    HTTPS_PROXY: sentinel,
    http_proxy: sentinel,
    https_proxy: sentinel,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
  };
}

/** A real CLI as the end-to-end tests run it: headless, told to write hello.txt, offline but for the proxy. */
export interface Cli {
  name: string;
  /** The file-writing tool the CLI advertises (both take file_path and content) */
  write: string;
  argv: string[];
  env(proxyUrl: string, home: string, key: string): Record<string, string>;
  setup?(home: string): void;
}

const PROMPT = "Create hello.txt containing: hello from ccproxy";

export const CLIS: Cli[] = [
  {
    // Claude Code 2.1.x ships as a native binary in a per-platform package; its postinstall is not needed.
    name: "Claude Code",
    write: "Write",
    argv: [
      join(import.meta.dir, "../../node_modules/@anthropic-ai", `claude-code-${process.platform}-${process.arch}`, "claude"),
      "-p", PROMPT, "--allowedTools", "Write", "--permission-mode", "acceptEdits", "--output-format", "json",
    ],
    env: (url, home, key) => ({
      HOME: home,
      ANTHROPIC_BASE_URL: url,
      ANTHROPIC_API_KEY: key,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_ERROR_REPORTING: "1",
    }),
  },
  {
    name: "Gemini CLI",
    write: "write_file",
    argv: ["node", join(import.meta.dir, "../../node_modules/@google/gemini-cli/bundle/gemini.js"), "-p", PROMPT, "--yolo", "--skip-trust", "--output-format", "json"],
    env: (url, home, key) => ({ HOME: home, GOOGLE_GEMINI_BASE_URL: url, GEMINI_API_KEY: key }),
    // Headless with a base URL, Gemini CLI needs the API-key auth type chosen in its settings; telemetry off.
    setup(home) {
      mkdirSync(join(home, ".gemini"), { recursive: true });
      const settings = { security: { auth: { selectedType: "gemini-api-key" } }, privacy: { usageStatisticsEnabled: false }, telemetry: { enabled: false } };
      writeFileSync(join(home, ".gemini", "settings.json"), JSON.stringify(settings));
    },
  },
];

// A real redis-server for a test (Debian's package; .ci/run installs it): started on a free
// loopback port with no persistence, killed and started again on the same port, removed after.
// And a server that accepts connections and never answers, the Redis a test cannot trust.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The binary, when installed: tests that need it skip (saying so) without it. */
export const REDIS_SERVER = Bun.which("redis-server");

export interface RedisServer {
  url: string;
  port: number;
  /** Kills it (SIGKILL: no goodbye to its clients) */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty */
  start(): Promise<void>;
  /** Stops it (SIGSTOP): its connections stay open and nothing answers; `resume` lets it go on */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A port free now: bound on 0 and let go. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** `password`: clients must AUTH with it (the url carries it) */
export async function startRedis(o: { password?: string } = {}): Promise<RedisServer> {
  // Looked up again: the bench installs it after this module is loaded.
  const bin = REDIS_SERVER ?? Bun.which("redis-server");
  if (!bin) throw new Error("redis-server is not installed (apt-get install redis-server)");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-redis-"));
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const start = async () => {
    proc = Bun.spawn(
      [bin, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "no", ...(o.password ? ["--requirepass", o.password] : [])],
      { stdout: "pipe", stderr: "pipe" },
    );
    // Ready when it says so; its output is read to the end so its pipe never fills.
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let out = "";
    const deadline = Date.now() + 10_000;
    while (!out.includes("Ready to accept connections")) {
      const { value, done } = await reader.read();
      if (done || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}: ${out.slice(-500)}`);
      out += decoder.decode(value);
    }
    void (async () => {
      while (!(await reader.read()).done);
    })();
  };
  const kill = async () => {
    if (!proc) return;
    proc.kill("SIGKILL");
    await proc.exited;
    proc = undefined;
  };
  await start();
  return {
    url: `redis://${o.password ? `:${o.password}@` : ""}127.0.0.1:${port}`,
    port,
    kill,
    start,
    pause: () => proc?.kill("SIGSTOP"),
    resume: () => proc?.kill("SIGCONT"),
    async close() {
      proc?.kill("SIGCONT");
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP server that accepts every connection and never sends a byte. */
export async function silentServer(): Promise<{ url: string; accepted: () => number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => void sockets.push(s.on("error", () => {})));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    accepted: () => sockets.length,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

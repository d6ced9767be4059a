// The real command line, `ccproxy serve`, in a child process: for what only a whole process shows
// (its stdout and stderr, signals, reloads).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Served {
  url: string;
  dir: string;
  file: string;
  proc: ReturnType<typeof Bun.spawn>;
  stdout(): string;
  stderr(): string;
  /** Waits until `cond` holds, failing with the process's output after `ms` */
  until(cond: () => boolean | Promise<boolean>, ms?: number): Promise<void>;
  /** SIGTERM, then waits for the exit */
  stop(): Promise<void>;
  /** Stops it and removes its folder */
  close(): Promise<void>;
}

/** `config` is the config file's text; `listen` should name port 0. `args` follow `serve --config FILE`. */
export async function serve(config: string, env: Record<string, string> = {}, args: string[] = []): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-serve-"));
  const file = join(dir, "ccproxy.yaml");
  writeFileSync(file, config);
  const proc = Bun.spawn(["bun", join(import.meta.dir, "../../src/main.ts"), "serve", "--config", file, ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
  });
  let out = "";
  let err = "";
  const collect = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    const decoder = new TextDecoder();
    for await (const c of s) add(decoder.decode(c, { stream: true }));
  };
  const done = Promise.all([
    collect(proc.stdout as ReadableStream<Uint8Array>, (t) => (out += t)),
    collect(proc.stderr as ReadableStream<Uint8Array>, (t) => (err += t)),
  ]);
  const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out; stdout: ${out} stderr: ${err}`);
      if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}; stdout: ${out} stderr: ${err}`);
      await Bun.sleep(20);
    }
  };
  const stop = async () => {
    if (proc.exitCode === null) proc.kill("SIGTERM");
    await proc.exited;
    await done;
  };
  await until(() => /listening on (\S+)/.test(out));
  return {
    url: /listening on (\S+)/.exec(out)![1]!,
    dir,
    file,
    proc,
    stdout: () => out,
    stderr: () => err,
    until,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Child processes of the bench: start one, wait until it accepts a request, read its CPU time and
// RSS from /proc (summed over its process tree), stop it by its own pid.
import { openSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export interface Proc {
  name: string;
  url: string;
  child: Subprocess;
  /** exec → first answered HTTP request, ms */
  startMs: number;
}

const TICK_US = 10_000; // USER_HZ is 100 on Linux

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (list) for (const c of list.split(" ")) out.push(Number(c));
    }
  } catch {
    // the process has already gone
  }
  return out;
}

function tree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length && i < 64; i++) all.push(...children(all[i]!));
  return all;
}

/** user + system CPU time of the process tree, µs */
export function cpuUs(pid: number): number {
  let ticks = 0;
  for (const p of tree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    } catch {
      // gone between listing and reading
    }
  }
  return ticks * TICK_US;
}

/** resident set size of the process tree, MB */
export function rssMb(pid: number): number {
  let kb = 0;
  for (const p of tree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch {
      // gone between listing and reading
    }
  }
  return kb / 1024;
}

/** Polls until the server answers any HTTP request (bounded), returning ms since `t0`. */
export async function waitReady(url: string, t0: number, child: Subprocess, limitMs = 30_000): Promise<number> {
  for (let i = 0; performance.now() - t0 < limitMs; i++) {
    try {
      await fetch(url + "/health", { signal: AbortSignal.timeout(1000) });
      return performance.now() - t0;
    } catch {
      if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before accepting a request`);
      if (i > 200) await Bun.sleep(2); // tight polling for the first ~ms, then gentle
    }
  }
  throw new Error(`did not accept a request within ${limitMs} ms`);
}

export interface Spec {
  name: string;
  cmd: string[];
  port: number;
  env?: Record<string, string>;
  cwd?: string;
}

export async function start(spec: Spec, logDir: string): Promise<Proc> {
  const log = openSync(join(logDir, `${spec.name}.log`), "a");
  const t0 = performance.now();
  const child = Bun.spawn(spec.cmd, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdin: "ignore",
    stdout: log,
    stderr: log,
  });
  const url = `http://127.0.0.1:${spec.port}`;
  try {
    const startMs = await waitReady(url, t0, child);
    return { name: spec.name, url, child, startMs };
  } catch (e) {
    stop(child);
    throw new Error(`${spec.name}: ${(e as Error).message} (log: ${join(logDir, spec.name + ".log")})`);
  }
}

export function stop(child: Subprocess): Promise<unknown> {
  for (const p of tree(child.pid).reverse()) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      // already gone
    }
  }
  return Promise.race([child.exited, Bun.sleep(3000).then(() => child.kill("SIGKILL"))]);
}

// What the bench needs beyond the repo, installed only when missing: wrk, rsvg-convert and
// redis-server from apt, the peers (claude-code-router, Portkey's gateway) from npm into
// bench/.cache/peers, and the ccproxy binary built from this checkout.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..");
export const CACHE = join(import.meta.dir, ".cache");
export const PEERS_DIR = join(CACHE, "peers");
export const BINARY = join(CACHE, "ccproxy");

export const PEERS = {
  ccr: { pkg: "@musistudio/claude-code-router", version: "2.0.0", entry: "dist/cli.js" },
  portkey: { pkg: "@portkey-ai/gateway", version: "1.15.2", entry: "build/start-server.js" },
} as const;
/** Portkey's streaming breaks with @hono/node-server newer than this */
const HONO_NODE_SERVER = "1.14.1";

async function run(cmd: string[], cwd = ROOT): Promise<void> {
  const p = Bun.spawn(cmd, { cwd, stdout: "inherit", stderr: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if ((await p.exited) !== 0) throw new Error(`${cmd.join(" ")} failed with code ${p.exitCode}`);
}

export async function ensureTools(): Promise<void> {
  const missing = [
    ["wrk", "wrk"],
    ["rsvg-convert", "librsvg2-bin"],
    ["redis-server", "redis-server"],
  ].filter(([bin]) => !Bun.which(bin!));
  if (!missing.length) return;
  const pkgs = missing.map(([, pkg]) => pkg!);
  if (process.getuid?.() !== 0 || !Bun.which("apt-get"))
    throw new Error(`missing ${missing.map(([b]) => b).join(", ")}: install ${pkgs.join(" ")} (apt) and run again`);
  console.log(`bench: installing ${pkgs.join(" ")} from apt`);
  await run(["apt-get", "update", "-qq"]);
  await run(["apt-get", "install", "-y", "-qq", ...pkgs]);
}

export function peerEntry(name: keyof typeof PEERS): string {
  return join(PEERS_DIR, "node_modules", PEERS[name].pkg, PEERS[name].entry);
}

function installed(pkg: string, version: string): boolean {
  const file = join(PEERS_DIR, "node_modules", pkg, "package.json");
  return existsSync(file) && JSON.parse(readFileSync(file, "utf8")).version === version;
}

/** Returns why the peers cannot run, or undefined when they are ready. */
export async function ensurePeers(): Promise<string | undefined> {
  if (!Bun.which("node") || !Bun.which("npm")) return "node and npm are not installed";
  const want = { ...Object.fromEntries(Object.values(PEERS).map((p) => [p.pkg, p.version])), "@hono/node-server": HONO_NODE_SERVER };
  if (Object.entries(want).every(([pkg, v]) => installed(pkg, v))) return undefined;
  mkdirSync(PEERS_DIR, { recursive: true });
  const manifest = { name: "ccproxy-bench-peers", private: true, dependencies: want, overrides: { "@hono/node-server": HONO_NODE_SERVER } };
  writeFileSync(join(PEERS_DIR, "package.json"), JSON.stringify(manifest, null, 2));
  console.log(`bench: installing ${Object.entries(want).map(([p, v]) => `${p}@${v}`).join(", ")} from npm`);
  try {
    await run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], PEERS_DIR);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** Always rebuilt, so the figures are for this checkout's source. */
export async function buildProxy(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  await run(["bun", "run", "build.ts", BINARY]);
}

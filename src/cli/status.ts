// `ccproxy status`: what the running proxy's /admin/status says, as tables: its providers, and each
// target × key pair's health and cooldown. The proxy is found where the config (or --host/--port,
// $CCPROXY_HOST/$CCPROXY_PORT) says it listens, and asked with the config's first access key.
import { homedir } from "node:os";
import { loadConfigParts } from "../config/load.ts";
import type { ParsedArgs } from "./args.ts";
import { listenOverrides, printErrors } from "./start.ts";
import { printable } from "./console.ts";
import { columns } from "./logs.ts";

export interface StatusIO {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  now?: number;
}

interface AdminStatus {
  version: string;
  startedAt: string;
  config: string;
  providers: { name: string; protocol: string; baseUrl: string; keys: number }[];
  pairs: { provider: string; model: string; key: string; state: string; coolingUntil?: string; failures: number; lastError?: { status?: number; message: string; at: string } }[];
  /** Present when the config names a Redis */
  sharing?: { redis: string; prefix: string; connected: boolean };
}

/** Every interface is reached, from this machine, through loopback. */
function dialHost(host: string): string {
  if (host === "0.0.0.0" || host === "0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

export async function status(args: ParsedArgs, io: StatusIO = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env }): Promise<number> {
  const listen = listenOverrides(args, io.env);
  if (listen.errors.length) return printErrors(listen.errors), 1;
  const cfg = loadConfigParts({ flag: args.config, env: io.env, cwd: process.cwd(), home: io.env.HOME ?? homedir() }, ["listen", "accessKeys"]);
  if (!cfg.config) return printErrors(cfg.errors), 1;
  const host = dialHost(listen.host ?? cfg.config.listen.host);
  const url = `http://${host}:${listen.port ?? cfg.config.listen.port}`;
  const key = cfg.config.accessKeys[0];
  let res: Response;
  try {
    res = await fetch(`${url}/admin/status`, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(5000) });
  } catch (e) {
    io.err(`ccproxy: no proxy answers at ${url} (${(e as Error).message}); is it running? (ccproxy serve)`);
    return 1;
  }
  if (res.status === 401) {
    io.err(`ccproxy: the proxy at ${url} refused ${key ? "the config's first access key" : "a request without an access key"}; run this with the proxy's own config (--config)`);
    return 1;
  }
  let s: AdminStatus;
  try {
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    s = (await res.json()) as AdminStatus;
  } catch (e) {
    io.err(`ccproxy: ${url}/admin/status did not answer as a ccproxy does (${(e as Error).message})`);
    return 1;
  }
  const out = (l: string) => io.out(printable(l));
  if (args.json) return out(JSON.stringify(s)), 0;
  for (const line of statusLines(s, url, io.now ?? Date.now())) out(line);
  return 0;
}

/** The tables `status` prints. */
export function statusLines(s: AdminStatus, url: string, now: number): string[] {
  const lines = [`ccproxy ${s.version} at ${url}, up since ${s.startedAt}; config: ${s.config}`];
  if (s.sharing)
    lines.push(`pair health shared through ${s.sharing.redis} (prefix ${s.sharing.prefix}): ${s.sharing.connected ? "connected" : "not connected; serving on this replica's own"}`);
  lines.push("");
  lines.push(...columns([["PROVIDER", "PROTOCOL", "KEYS", "URL"], ...s.providers.map((p) => [p.name, p.protocol, String(p.keys), p.baseUrl])]));
  lines.push("");
  if (!s.pairs.length) return [...lines, "no target × key pair has been used yet"];
  const pairs = s.pairs.map((p) => {
    const left = p.coolingUntil ? Math.max(0, Math.ceil((Date.parse(p.coolingUntil) - now) / 1000)) : 0;
    const last = p.lastError ? `${p.lastError.status ?? ""} ${p.lastError.message}`.trim().replace(/\s+/g, " ") : "";
    return [`${p.provider}/${p.model}`, p.key, p.state, p.coolingUntil ? `${left}s` : "-", String(p.failures), last.length > 80 ? `${last.slice(0, 79)}…` : last];
  });
  lines.push(...columns([["TARGET", "KEY", "STATE", "COOLDOWN", "FAILURES", "LAST ERROR"], ...pairs]));
  return lines;
}

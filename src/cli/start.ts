// What serve and check share: the config and the mappings loaded, compiled and checked.
import { homedir } from "node:os";
import { loadConfig } from "../config/load.ts";
import { formatError, type SourceError } from "../config/yaml-source.ts";
import type { ResolvedConfig } from "../config/schema.ts";
import type { LoadResult as MappingResult } from "../mapping/load.ts";
import { loadProtocolMappings, protocolNames } from "../protocols/index.ts";
import { loadInstruction } from "../compat/instruction.ts";
import { parsePort, type ParsedArgs } from "./args.ts";

export interface Loaded {
  config?: ResolvedConfig;
  mappings?: MappingResult;
  configPath?: string;
  /** The mappings folder named, even by a config that was refused */
  mappingsDir?: string;
  errors: SourceError[];
}

export function load(args: ParsedArgs, env: Record<string, string | undefined> = process.env): Loaded {
  const listen = listenOverrides(args, env);
  const cfg = loadConfig({ protocols: protocolNames(),
    flag: args.config,
    env,
    cwd: process.cwd(),
    home: env.HOME ?? homedir(),
    overrides: { host: listen.host, hostFrom: args.host !== undefined ? "--host" : listen.host !== undefined ? "CCPROXY_HOST" : undefined, port: listen.port, mappings: args.mappings },
  });
  cfg.errors.push(...listen.errors);
  // The mappings are checked even when the config is refused, so one run of `check` lists every problem.
  const dir = cfg.config ? cfg.config.mappings : cfg.mappings;
  const mappings = loadProtocolMappings(dir, args.command !== "serve"); // `check` compiles them all
  const instruction = loadInstruction(dir);
  const errors = [...cfg.errors, ...mappings.errors, ...instruction.errors];
  return { config: cfg.config, mappings, configPath: cfg.path, mappingsDir: dir, errors };
}

/** Where to listen, as far as the command line and the environment say: --host/--port, else $CCPROXY_HOST/$CCPROXY_PORT (the config comes below both). */
export function listenOverrides(args: ParsedArgs, env: Record<string, string | undefined>): { host?: string; port?: number; errors: SourceError[] } {
  const errors: SourceError[] = [];
  const host = args.host ?? (env.CCPROXY_HOST || undefined);
  let port = args.port;
  if (port === undefined && env.CCPROXY_PORT) {
    port = parsePort(env.CCPROXY_PORT.trim());
    if (port === undefined) errors.push({ file: "environment", line: 0, field: "CCPROXY_PORT", message: `must be a number from 0 to 65535, not "${env.CCPROXY_PORT}"` });
  }
  return { host, port, errors };
}

export function printErrors(errors: SourceError[]): void {
  for (const e of errors) console.error(formatError(e));
}

// What serve and check share: the config and the mappings loaded, compiled and checked.
import { homedir } from "node:os";
import { loadConfig } from "../config/load.ts";
import { formatError, type SourceError } from "../config/yaml-source.ts";
import type { ResolvedConfig } from "../config/schema.ts";
import { loadMappings, type LoadResult as MappingResult } from "../mapping/load.ts";
import { mappingFunctions } from "../protocols/functions.ts";
import { loadInstruction } from "../compat/instruction.ts";
import type { ParsedArgs } from "./args.ts";

export interface Loaded {
  config?: ResolvedConfig;
  mappings?: MappingResult;
  configPath?: string;
  errors: SourceError[];
}

export function load(args: ParsedArgs, env: Record<string, string | undefined> = process.env): Loaded {
  const cfg = loadConfig({
    flag: args.config,
    env,
    cwd: process.cwd(),
    home: env.HOME ?? homedir(),
    overrides: { host: args.host, port: args.port, mappings: args.mappings },
  });
  // The mappings are checked even when the config is refused, so one run of `check` lists every problem.
  const dir = cfg.config ? cfg.config.mappings : cfg.mappings;
  const mappings = loadMappings({ overrideDir: dir, functions: mappingFunctions });
  const instruction = loadInstruction(dir);
  const errors = [...cfg.errors, ...mappings.errors, ...instruction.errors];
  return { config: cfg.config, mappings, configPath: cfg.path, errors };
}

export function printErrors(errors: SourceError[]): void {
  for (const e of errors) console.error(formatError(e));
}

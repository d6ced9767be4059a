// The registry of protocols: the one list the config's protocol names, the route table, the mappings
// to load and the functions mappings may call are all derived from. A new protocol is a folder
// (src/protocols/<p>/index.ts and its mappings) registered here, or at run time with registerProtocol.
import type { MappingFunction } from "../mapping/functions.ts";
import { builtins } from "../mapping/builtins.ts";
import { loadMappings, type LoadResult, type ProtocolMappingSource } from "../mapping/load.ts";
import { INSTRUCTION_FILE } from "../compat/instruction.ts";
import type { ProtocolDef } from "./protocol.ts";
import { openai } from "./openai/index.ts";
import { claude } from "./claude/index.ts";
import { gemini } from "./gemini/index.ts";
import { ollama } from "./ollama/index.ts";
import { responses } from "./responses/index.ts";

const registered = new Map<string, ProtocolDef>();
let functions: Record<string, MappingFunction> | undefined;
let version = 0;

/**
 * Adds a protocol (or replaces one of the same name). Configs and mappings loaded after it, and the
 * route table, see it. Returns what takes it back out (the one it replaced, if any, returns).
 */
export function registerProtocol(def: ProtocolDef): () => void {
  const was = registered.get(def.name);
  const changed = () => ((functions = undefined), version++);
  registered.set(def.name, def);
  changed();
  return () => {
    if (registered.get(def.name) !== def) return;
    if (was) registered.set(def.name, was);
    else registered.delete(def.name);
    changed();
  };
}

/** Changes with every registration: what is derived from the registry is remade when it moves. */
export const registryVersion = () => version;

for (const def of [openai, claude, gemini, ollama, responses]) registerProtocol(def);

export function protocols(): ProtocolDef[] {
  return [...registered.values()];
}

export function protocolNames(): string[] {
  return [...registered.keys()];
}

/** A registered protocol; the config admits no other name, so a provider's is always found. */
export function protocolOf(name: string): ProtocolDef {
  const def = registered.get(name);
  if (!def) throw new Error(`no protocol "${name}" is registered`);
  return def;
}

/** Every function a mapping may call by name: the DSL's built-ins and each protocol's escape hatches. */
export function mappingFunctions(): Record<string, MappingFunction> {
  return (functions ??= Object.assign({}, builtins, ...protocols().map((p) => p.functions ?? {})));
}

/** Each protocol's escape hatches, by protocol. */
export function protocolFunctions(): Record<string, Readonly<Record<string, MappingFunction>>> {
  return Object.fromEntries(protocols().map((p) => [p.name, p.functions ?? {}]));
}

/** What the mapping loader reads per protocol: its kinds and its built-in texts. */
export function mappingSources(): ProtocolMappingSource[] {
  return protocols().map((p) => ({ name: p.name, kinds: p.specs ?? [], builtin: p.mappings }));
}

/** Every built-in mapping text by name (`openai/request.encode`): what the executable embeds. */
export function builtinMappings(): Record<string, string> {
  return Object.fromEntries(protocols().flatMap((p) => Object.entries(p.mappings).map(([kind, text]) => [`${p.name}/${kind}`, text])));
}

/**
 * Every registered protocol's mappings, the user's folder over the built-in ones, compiled: a
 * protocol with files in the folder (or every one, `eager`) now, one with only built-in files at
 * its first use.
 */
export function loadProtocolMappings(overrideDir?: string, eager = false): LoadResult {
  return loadMappings({ protocols: mappingSources(), functions: mappingFunctions(), overrideDir, others: [INSTRUCTION_FILE], eager });
}

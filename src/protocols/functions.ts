// Every function a mapping may call by name: the DSL's built-ins and each protocol's escape hatches.
import { builtins } from "../mapping/builtins.ts";
import type { MappingFunction } from "../mapping/functions.ts";
import { claudeFunctions } from "./claude/functions.ts";
import { openaiFunctions } from "./openai/functions.ts";
import { geminiFunctions } from "./gemini/functions.ts";
import { ollamaFunctions } from "./ollama/functions.ts";

/** Each protocol's escape hatches, by protocol. */
export const protocolFunctions: Record<string, Record<string, MappingFunction>> = {
  claude: claudeFunctions,
  openai: openaiFunctions,
  gemini: geminiFunctions,
  ollama: ollamaFunctions,
};

export const mappingFunctions: Record<string, MappingFunction> = {
  ...builtins,
  ...claudeFunctions,
  ...openaiFunctions,
  ...geminiFunctions,
  ...ollamaFunctions,
};

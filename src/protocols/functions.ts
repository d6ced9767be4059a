// Every function a mapping may call by name: the generic transforms and each protocol's escape hatches.
import { transforms, type MappingFunction } from "../mapping/functions.ts";
import { turnFunctions } from "./turns.ts";
import { claudeFunctions } from "./claude/functions.ts";
import { openaiFunctions } from "./openai/functions.ts";
import { openaiEmbeddingFunctions } from "./openai/embeddings.ts";
import { geminiFunctions } from "./gemini/functions.ts";
import { ollamaFunctions } from "./ollama/functions.ts";

export const mappingFunctions: Record<string, MappingFunction> = {
  ...transforms,
  ...turnFunctions,
  ...claudeFunctions,
  ...openaiFunctions,
  ...openaiEmbeddingFunctions,
  ...geminiFunctions,
  ...ollamaFunctions,
};

// Every upstream driver of the matrix; a protocol joins the matrix by adding its line here.
import type { UpstreamDriver } from "../types.ts";
import { upstream as openai } from "./openai.ts";
import { upstream as claude } from "./claude.ts";
import { upstream as gemini } from "./gemini.ts";
import { upstream as ollama } from "./ollama.ts";
import { upstream as responses } from "./responses.ts";

export const upstreams: UpstreamDriver[] = [openai, claude, gemini, ollama, responses];

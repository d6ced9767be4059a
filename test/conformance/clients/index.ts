// Every client driver of the matrix; a protocol joins the matrix by adding its line here.
import type { ClientDriver } from "../types.ts";
import { client as openai } from "./openai.ts";
import { client as claude } from "./claude.ts";
import { client as gemini } from "./gemini.ts";
import { client as ollama } from "./ollama.ts";
import { client as responses } from "./responses.ts";

export const clients: ClientDriver[] = [openai, claude, gemini, ollama, responses];

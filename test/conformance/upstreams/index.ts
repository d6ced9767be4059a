// Every upstream driver of the matrix; a protocol joins the matrix by adding its line here.
import type { Protocol, UpstreamDriver } from "../types.ts";
import type { Upstream } from "../../support/upstream.ts";
import { upstream as openai } from "./openai.ts";
import { upstream as claude } from "./claude.ts";
import { upstream as gemini } from "./gemini.ts";
import { upstream as ollama } from "./ollama.ts";
import { upstream as responses } from "./responses.ts";

export const upstreams: UpstreamDriver[] = [openai, claude, gemini, ollama, responses];

/** Every upstream of the matrix, started on port 0, by protocol: what a test scripts and reads. */
export type Running = Map<Protocol, Upstream>;

export async function startUpstreams(): Promise<Running> {
  const running: Running = new Map();
  try {
    for (const u of upstreams) running.set(u.protocol, await u.start());
  } catch (e) {
    await closeUpstreams(running); // those already started
    throw e;
  }
  return running;
}

/** Each running upstream as a provider of its own protocol, named after it, keyed `key(protocol)`. */
export function upstreamProviders(running: Running, key: (p: Protocol) => string) {
  return Object.fromEntries([...running].map(([p, u]) => [p, { protocol: p, baseUrl: u.url, keys: [key(p)] }]));
}

export async function closeUpstreams(running: Running): Promise<void> {
  await Promise.all([...running.values()].map((u) => u.close()));
}

// The proxy under fuzz: the real command line in a child process (so a crash is seen), serving one
// model per upstream protocol, at the root and in a group, all in front of one always-healthy upstream.
import { readFileSync } from "node:fs";
import { serve, type Served } from "../support/serve.ts";
import { startFuzzUpstream, type FuzzUpstream } from "./upstream.ts";
import { UPSTREAMS } from "./routes.ts";
import type { Target } from "./runner.ts";

/** Small enough that bodies at and over it are cheap to send many times. */
export const FUZZ_LIMIT = 4 * 1024 * 1024;

const KEYS = {
  root: "fz-access-root-5b8e2c71",
  team: "fz-access-team-9d41a7e3",
  providers: ["sk-fz-openai-c0ffee1101", "sk-fz-claude-c0ffee2202", "sk-fz-gemini-c0ffee3303", "sk-fz-ollama-c0ffee4404"],
};

export interface Fuzzed {
  target: Target;
  served: Served;
  upstream: FuzzUpstream;
  /** The child's resident set, in MB */
  rssMb(): number;
  close(): Promise<void>;
}

export async function startFuzzed(): Promise<Fuzzed> {
  const upstream = await startFuzzUpstream();
  const base = (p: string) => (p === "openai" ? `${upstream.url}/v1` : upstream.url);
  const providers = UPSTREAMS.map((p, i) => `  up-${p}: { protocol: ${p}, baseUrl: "${base(p)}", keys: [${KEYS.providers[i]}] }`).join("\n");
  const models = UPSTREAMS.map((p) => `    fz-${p}: { targets: [up-${p}/model-${p}] }`).join("\n");
  const config = `listen: 127.0.0.1:0
accessKeys: [${KEYS.root}]
limits: { maxBodyBytes: ${FUZZ_LIMIT} }
providers:
${providers}
models:
${models}
groups:
  team:
    accessKeys: [${KEYS.team}]
    models:
${models.replace(/^ {4}/gm, "      ")}
`;
  const served = await serve(config);
  return {
    target: { url: served.url, limit: FUZZ_LIMIT, keys: KEYS, group: "team" },
    served,
    upstream,
    rssMb() {
      const status = readFileSync(`/proc/${served.proc.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    },
    async close() {
      await served.close();
      await upstream.close();
    },
  };
}

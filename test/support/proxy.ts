// Starts ccproxy in-process on port 0 with a config written for the test's upstreams.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import type { MappingSet } from "../../src/mapping/load.ts";
import { formatError } from "../../src/config/yaml-source.ts";
import { loadProtocolMappings, protocolNames, registryVersion } from "../../src/protocols/index.ts";
import { startServer } from "../../src/server/index.ts";
import { Router } from "../../src/router/index.ts";
import { openLog, RequestLog, type Logger } from "../../src/log/index.ts";
import { startUpstream } from "./upstream.ts";
import type { Connections } from "../../src/server/connections.ts";
import { Sharing } from "../../src/router/share.ts";

export interface Proxy {
  url: string;
  port: number;
  mappings: MappingSet;
  /** Present when the config has a `logging` block */
  log?: Logger;
  /** The router serving it: what a test reads pair health from */
  router: Router;
  close(): Promise<void>;
}

let builtin: { mappings: MappingSet; version: number } | undefined;

/**
 * `config` is the config file's content (an object, written as YAML); listen is forced to port 0.
 * `connections`: the server's idle limits, when a test needs its own; `env`: the environment the config sees.
 */
export async function startProxy(config: Record<string, unknown>, o: { connections?: Connections; env?: Record<string, string> } = {}): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-test-"));
  const file = join(dir, "ccproxy.yaml");
  writeFileSync(file, stringify({ listen: "127.0.0.1:0", ...config }));
  const loaded = loadConfig({ protocols: protocolNames(), flag: file, env: o.env ?? {}, cwd: dir, home: dir });
  if (!loaded.config) throw new Error(loaded.errors.map(formatError).join("\n"));
  // The built-in mappings are compiled once, and again only when a test registers a protocol.
  let mappings = builtin?.version === registryVersion() ? builtin.mappings : undefined;
  if (loaded.config.mappings || !mappings) {
    const m = loadProtocolMappings(loaded.config.mappings);
    if (!m.mappings) throw new Error(m.errors.map(formatError).join("\n"));
    mappings = m.mappings;
    if (!loaded.config.mappings) builtin = { mappings, version: registryVersion() };
  }
  const log = config.logging ? openLog(loaded.config) : undefined;
  const router = new Router(loaded.config);
  // With a `redis` block the proxy shares pair health as `serve` does; it connects in the background.
  const sharing = new Sharing();
  sharing.use(router, loaded.config.redis);
  const server = startServer({ config: loaded.config, mappings, router, log: new RequestLog(log) }, loaded.config.listen, { connections: o.connections });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    mappings,
    log,
    router,
    async close() {
      sharing.close();
      await server.stop(true);
      await log?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The common setup of the client tests: a scripted OpenAI and a scripted Claude upstream (providers
 * `oa` and `cl`), a proxy with access key `key` serving `models`, and a group `team` (key
 * "team-key") whose every model goes to oa/team-model.
 */
export async function proxyOverOpenaiAndClaude(o: { key: string; models: Record<string, unknown>; openaiKeys?: string[] }) {
  const [oa, cl] = await Promise.all([startUpstream("openai"), startUpstream("claude")]);
  const proxy = await startProxy({
    accessKeys: [o.key],
    providers: {
      oa: { protocol: "openai", baseUrl: oa.url, keys: o.openaiKeys ?? ["sk-oa"] },
      cl: { protocol: "claude", baseUrl: cl.url, keys: ["sk-cl"] },
    },
    models: o.models,
    groups: { team: { accessKeys: ["team-key"], models: { "*": { targets: ["oa/team-model"] } } } },
  });
  return { oa, cl, proxy };
}

// The catalog cache: a stale list is answered while a fresh one is fetched; a failure keeps the last
// good list and is kept redacted; a first fetch is waited for, later ones never.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Catalogs, REFRESH_MS } from "./catalogs.ts";
import { startUpstream, type Upstream } from "../../test/support/upstream.ts";
import type { MappingSet } from "../mapping/load.ts";
import { loadProtocolMappings } from "../protocols/index.ts";
import type { ResolvedProvider } from "../config/schema.ts";
import { DEFAULT_LIMITS } from "../config/schema.ts";

let up: Upstream, mappings: MappingSet, provider: ResolvedProvider;
const KEY = "sk-catalog-secret-1";
beforeAll(async () => {
  up = await startUpstream("openai");
  mappings = loadProtocolMappings().mappings!;
  provider = { name: "o", protocol: "openai", baseUrl: up.url, query: "", shownUrl: up.url, keys: [KEY], secrets: [], limits: DEFAULT_LIMITS, headers: {} };
});
afterAll(() => up.close());

const list = (...ids: string[]) => ({ json: { object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "x" })) } });

test("stale lists are refreshed in the background; a failed refresh keeps the last good list", async () => {
  let now = 1_000_000;
  const catalogs = new Catalogs((t) => t.replaceAll(KEY, "[redacted]"), () => now);
  up.script(list("a", "b"));
  await catalogs.forList([provider], mappings);
  expect(catalogs.peek(provider)!.map((m) => m.id)).toEqual(["a", "b"]);

  // Fresh: nothing asked.
  const asked = up.received.length;
  await catalogs.forList([provider], mappings);
  expect(up.received.length).toBe(asked);

  // Stale: answered as it is, refreshed behind; the refresh fails with the key echoed back.
  now += REFRESH_MS + 1;
  up.script({ error: 500, body: { error: { message: `bad key ${KEY}`, type: "server_error" } } });
  const version = catalogs.version;
  await catalogs.forList([provider], mappings);
  expect(catalogs.peek(provider)!.map((m) => m.id)).toEqual(["a", "b"]);
  await Bun.sleep(0);
  while (catalogs.status()[0]!.error === undefined) await Bun.sleep(5);
  expect(catalogs.status()[0]!.error).toContain("[redacted]");
  expect(catalogs.status()[0]!.error).not.toContain(KEY);
  expect(catalogs.peek(provider)!.map((m) => m.id)).toEqual(["a", "b"]);
  expect(catalogs.version).toBe(version);
});

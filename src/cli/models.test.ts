// `ccproxy models` against scripted upstreams: each route with its names and where they go, a
// catalog that cannot be fetched said so (its key cut out), as a table and as JSON.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { models } from "./models.ts";
import { parseArgs } from "./args.ts";
import { startUpstream, type Upstream } from "../../test/support/upstream.ts";

let cl: Upstream, oa: Upstream, dir: string, file: string;
const BAD_KEY = "sk-openai-refused-key-1";
beforeAll(async () => {
  [cl, oa] = await Promise.all([startUpstream("claude"), startUpstream("openai")]);
  dir = mkdtempSync(join(tmpdir(), "ccproxy-models-"));
  file = join(dir, "ccproxy.yaml");
  writeFileSync(
    file,
    stringify({
      providers: { anthropic: { protocol: "claude", baseUrl: cl.url, keys: ["sk-ant-cli"] }, openai: { protocol: "openai", baseUrl: oa.url, keys: [BAD_KEY] } },
      models: { coder: { targets: ["anthropic/claude-opus-4-1"] }, "claude-*": { targets: ["anthropic/*"] }, "gpt-*": { targets: ["openai/*"] } },
      groups: { team: { models: { "claude-*": { targets: ["anthropic/*"] } } } },
    }),
  );
});
afterAll(async () => {
  await Promise.all([cl.close(), oa.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const catalog = () => {
  const data = ["claude-sonnet-4-5", "claude-haiku-4-5"].map((id) => ({ type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z", max_input_tokens: 200000 }));
  cl.script({ json: { data, has_more: false, first_id: data[0]!.id, last_id: data[1]!.id } });
  oa.script({ error: 401, body: { error: { message: `Incorrect API key provided: ${BAD_KEY}`, type: "invalid_request_error", code: "invalid_api_key" } } });
};

async function run(argv: string[]) {
  const lines: string[] = [];
  const code = await models(parseArgs(["models", "--config", file, ...argv]), { out: (l) => lines.push(l), env: {} });
  return { code, text: lines.join("\n") };
}

test("a table: each route, its names from the config and the upstream's list, and where they go", async () => {
  catalog();
  const { code, text } = await run([]);
  expect(code).toBe(0);
  expect(text).toContain("coder → anthropic/claude-opus-4-1");
  expect(text).toContain("claude-* → anthropic/*");
  expect(text).toMatch(/claude-sonnet-4-5\s+→ anthropic\/claude-sonnet-4-5 {2}\(200000 tokens\)/);
  expect(text).toContain("group team (/team/…):");
  expect(text).toContain("openai: not fetched:");
  expect(text).not.toContain(BAD_KEY);
});

test("--json: the same, for scripts", async () => {
  catalog();
  const { code, text } = await run(["--json"]);
  expect(code).toBe(0);
  const doc = JSON.parse(text);
  const root = doc.scopes[0].routes;
  expect(root.find((r: any) => r.pattern === "claude-*").names.map((n: any) => n.name)).toEqual(["claude-sonnet-4-5", "claude-haiku-4-5"]);
  expect(doc.scopes[1]).toMatchObject({ group: "team" });
  expect(doc.catalogs.find((c: any) => c.provider === "openai").error).toContain("[redacted]");
  expect(text).not.toContain(BAD_KEY);
});

test("the command line takes models with --config, --mappings and --json", () => {
  expect(parseArgs(["models", "--json", "--config", "c.yaml"])).toMatchObject({ command: "models", json: true, config: "c.yaml", errors: [] });
  expect(parseArgs(["models", "--follow"]).errors).toEqual(["--follow does not apply to models"]);
  expect(parseArgs(["serve", "--json"]).errors).toEqual(["--json does not apply to serve"]);
});

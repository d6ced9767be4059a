import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinConfig, findConfigPath, loadConfig, resolveConfig, resolveModel } from "./load.ts";
import { formatError } from "./yaml-source.ts";
import { protocolNames } from "../protocols/index.ts";

const root = mkdtempSync(join(tmpdir(), "ccproxy-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** Writes `text` to a fresh folder and loads it as --config. */
function load(text: string, env: Record<string, string> = {}, home = "/home/u") {
  const dir = join(root, `case${n++}`);
  mkdirSync(dir);
  const file = join(dir, "ccproxy.yaml");
  writeFileSync(file, text);
  const result = loadConfig({ protocols: protocolNames(), flag: file, env, cwd: dir, home });
  return { ...result, file, dir, messages: result.errors.map((e) => formatError(e).slice(file.length + 1)) };
}

const MINIMAL = `providers:
  ds: { protocol: openai, baseUrl: https://api.deepseek.com/v1/, keys: [\${DS_KEY}] }
  local: { protocol: ollama, baseUrl: http://127.0.0.1:11434 }
`;

describe("loadConfig: defaults and interpolation", () => {
  test("applies defaults and interpolates keys", () => {
    const r = load(MINIMAL, { DS_KEY: "sk-1" });
    expect(r.errors).toEqual([]);
    const c = r.config!;
    expect(c.file).toBe(r.file);
    expect(c.listen).toEqual({ host: "127.0.0.1", port: 11435 });
    expect(c.accessKeys).toEqual([]);
    expect(c.limits).toEqual({
      attempts: 3,
      connectTimeoutMs: 10000,
      firstByteTimeoutMs: 120000,
      idleTimeoutMs: 120000,
      maxBodyBytes: 33554432,
    });
    expect(c.logging).toEqual({ enabled: true, path: "/home/u/.local/share/ccproxy/log.db", bodies: false });
    expect(c.mappings).toBeUndefined();
    expect(c.providers.ds).toEqual({
      name: "ds",
      protocol: "openai",
      baseUrl: "https://api.deepseek.com/v1",
      query: "",
      shownUrl: "https://api.deepseek.com/v1",
      keys: ["sk-1"],
      secrets: [],
      limits: c.limits,
      headers: {},
    });
    expect(c.providers.local!.keys).toEqual([]);
    expect(c.models).toEqual([]);
    expect(c.groups).toEqual({});
  });

  test("a missing variable is an error naming it and its line", () => {
    const r = load(MINIMAL, {});
    expect(r.config).toBeUndefined();
    expect(r.messages).toEqual(["2: environment variable DS_KEY is not set (write ${DS_KEY:-} to allow it to be empty)"]);
  });

  test("per-provider limits override the global ones, field by field", () => {
    const r = load(`limits: { attempts: 5, idleTimeoutMs: 1000 }
providers:
  a: { protocol: claude, baseUrl: https://a.example, limits: { attempts: 1, connectTimeoutMs: 50 } }
  b: { protocol: gemini, baseUrl: https://b.example }
`);
    expect(r.errors).toEqual([]);
    const { a, b } = r.config!.providers;
    expect(r.config!.limits.attempts).toBe(5);
    expect(a!.limits).toEqual({
      attempts: 1,
      connectTimeoutMs: 50,
      firstByteTimeoutMs: 120000,
      idleTimeoutMs: 1000,
      maxBodyBytes: 33554432,
    });
    expect(b!.limits.attempts).toBe(5);
    expect(b!.limits.connectTimeoutMs).toBe(10000);
  });

  test("listen, paths with ~ and relative paths, empty keys dropped", () => {
    const home = join(root, "home-with-maps");
    mkdirSync(join(home, "maps"), { recursive: true });
    const r = load(
      `listen: "[::1]:9000"
accessKeys: [k1, "\${NONE:-}"]
logging: { path: ./log.db, bodies: true, maxRows: 10 }
mappings: ~/maps
providers: {}
`,
      {},
      home,
    );
    expect(r.errors).toEqual([]);
    expect(r.config!.listen).toEqual({ host: "::1", port: 9000 });
    expect(r.config!.accessKeys).toEqual(["k1"]);
    expect(r.config!.logging).toEqual({ enabled: true, path: join(r.dir, "log.db"), bodies: true, maxRows: 10 });
    expect(r.config!.mappings).toBe(join(home, "maps"));
  });
});

describe("loadConfig: errors point at file:line: field", () => {
  test("bad protocol names the field, its allowed values and its line", () => {
    const r = load(`# comment
providers:
  ok: { protocol: openai, baseUrl: https://x.example }
  deepseek:
    baseUrl: https://api.deepseek.com
    protocol: opena
`);
    expect(r.messages).toEqual(["6: providers.deepseek.protocol: must be one of openai, claude, gemini, ollama, responses"]);
    expect(r.errors[0]!.file).toBe(r.file);
  });

  test("a target whose provider is not defined", () => {
    const r = load(`providers:
  local: { protocol: ollama, baseUrl: http://127.0.0.1:11434 }
models:
  fast:
    targets:
      - local/qwen
      - nowhere/model
`);
    expect(r.messages).toEqual(['7: models.fast.targets.1: provider "nowhere" is not defined (defined: local)']);
  });

  test("all errors are collected, sorted by line", () => {
    const r = load(`listen: 0.0.0.0:8080
provider: {}
providers:
  p: { protocol: openai, baseUrl: ftp://x, limits: { attempts: 0 } }
models:
  m: { targets: [p/x, bare], toolCompat: maybe }
groups:
  api: { models: { "*": { targets: [q/*] } } }
`);
    expect(r.messages).toEqual([
      "1: listen: host 0.0.0.0 is not loopback; a non-loopback host requires accessKeys, or every route would be open to the network",
      "2: provider: unknown field (expected one of: listen, accessKeys, logging, console, metrics, limits, mappings, providers, models, groups, directModels, allowedOrigins, redis)",
      "4: providers.p.limits.attempts: must be at least 1",
      "4: providers.p.baseUrl: must be an http:// or https:// URL",
      "6: models.m.toolCompat: must be one of native, compat, auto",
      '6: models.m.targets.1: "bare" must have the form provider/model',
      '8: groups.api: group name "api" clashes with a route; reserved: v1, v1beta, api, chat, models, messages, health, admin, compat',
      '8: groups.api.models.*.targets.0: provider "q" is not defined (defined: p)',
    ]);
  });

  test("a non-loopback host is fine with accessKeys", () => {
    const r = load(`listen: 0.0.0.0:8080\naccessKeys: [secret]\nproviders: {}\n`);
    expect(r.errors).toEqual([]);
    expect(r.config!.listen).toEqual({ host: "0.0.0.0", port: 8080 });
  });

  test("a --host override is checked too", () => {
    const dir = join(root, "override");
    mkdirSync(dir);
    const r = loadConfig({ protocols: protocolNames(), env: {}, cwd: dir, home: dir, overrides: { host: "0.0.0.0", port: 1 } });
    expect(r.config).toBeUndefined();
    expect(r.errors[0]!.field).toBe("--host");
    expect(r.errors[0]!.message).toContain("requires accessKeys");
  });

  test("missing providers, YAML syntax errors and missing files", () => {
    expect(load("listen: 127.0.0.1:1\n").messages).toEqual(["1: providers: is required"]);
    expect(load("providers: {\n").errors.length).toBeGreaterThan(0);
    const missing = loadConfig({ protocols: protocolNames(), flag: join(root, "nope.yaml"), env: {}, cwd: root, home: root });
    expect(missing.errors.map((e) => e.message)).toEqual(["file not found"]);
    expect(missing.path).toBe(join(root, "nope.yaml"));
  });
});

describe("models", () => {
  const r = load(`providers:
  a: { protocol: claude, baseUrl: https://a.example }
  b: { protocol: openai, baseUrl: https://b.example }
models:
  claude-sonnet-*: { targets: [b/deepseek-chat, a/*] }
  claude-*: { targets: [a/*], toolCompat: compat }
  "gpt-?": { targets: [b/gpt-x] }
groups:
  cheap:
    accessKeys: [ck]
    models: { "*": { targets: [b/small] } }
`);
  const c = r.config!;

  test("first match wins, in file order", () => {
    expect(r.errors).toEqual([]);
    expect(c.models.map((m) => m.pattern)).toEqual(["claude-sonnet-*", "claude-*", "gpt-?"]);
    const sonnet = resolveModel(c.models, "claude-sonnet-4", c.providers)!;
    expect(sonnet.entry.pattern).toBe("claude-sonnet-*");
    expect(sonnet.targets).toEqual([
      { provider: "b", model: "deepseek-chat" },
      { provider: "a", model: "claude-sonnet-4" },
    ]);
    const opus = resolveModel(c.models, "claude-opus-4", c.providers)!;
    expect(opus.entry.toolCompat).toBe("compat");
    expect(opus.targets).toEqual([{ provider: "a", model: "claude-opus-4" }]);
  });

  test("? matches exactly one character; globs are anchored", () => {
    expect(resolveModel(c.models, "gpt-4")?.targets).toEqual([{ provider: "b", model: "gpt-x" }]);
    expect(resolveModel(c.models, "gpt-4o")).toBeUndefined();
    expect(resolveModel(c.models, "my-claude-x")).toBeUndefined();
  });

  test("an unmatched provider/model goes to that provider directly", () => {
    expect(resolveModel(c.models, "b/some/model", c.providers)?.targets).toEqual([
      { provider: "b", model: "some/model" },
    ]);
    expect(resolveModel(c.models, "zz/model", c.providers)).toBeUndefined();
  });

  test("groups are compiled the same way", () => {
    const cheap = c.groups.cheap!;
    expect(cheap.accessKeys).toEqual(["ck"]);
    expect(resolveModel(cheap.models, "anything")?.targets).toEqual([{ provider: "b", model: "small" }]);
  });
});

describe("builtinConfig", () => {
  const resolve = (env: Record<string, string>) => resolveConfig(builtinConfig(env), { home: "/h", cwd: "/" });

  test("with no keys: only local Ollama, catching every model", () => {
    const c = resolve({});
    expect(Object.keys(c.providers)).toEqual(["ollama"]);
    expect(c.providers.ollama!.baseUrl).toBe("http://127.0.0.1:11434");
    expect(c.models.map((m) => m.pattern)).toEqual(["*"]);
    expect(resolveModel(c.models, "llama3")?.targets).toEqual([{ provider: "ollama", model: "llama3" }]);
  });

  test("with all keys: a provider for each, routed by name", () => {
    const c = resolve({ OPENAI_API_KEY: "o", ANTHROPIC_API_KEY: "a", GEMINI_API_KEY: "g" });
    expect(Object.keys(c.providers)).toEqual(["openai", "anthropic", "google", "ollama"]);
    expect(c.providers.anthropic).toMatchObject({ protocol: "claude", keys: ["a"] });
    expect(c.providers.google).toMatchObject({ protocol: "gemini", keys: ["g"] });
    const route = (name: string) => resolveModel(c.models, name)?.targets[0];
    expect(route("claude-3-5-haiku")).toEqual({ provider: "anthropic", model: "claude-3-5-haiku" });
    expect(route("o3-mini")).toEqual({ provider: "openai", model: "o3-mini" });
    expect(route("chatgpt-4o-latest")).toEqual({ provider: "openai", model: "chatgpt-4o-latest" });
    expect(route("gemini-2.5-pro")).toEqual({ provider: "google", model: "gemini-2.5-pro" });
    expect(route("qwen2.5:7b")).toEqual({ provider: "ollama", model: "qwen2.5:7b" });
    expect(c.models.at(-1)!.pattern).toBe("*");
  });

  test("only the keys that are set", () => {
    expect(Object.keys(resolve({ ANTHROPIC_API_KEY: "a" }).providers)).toEqual(["anthropic", "ollama"]);
  });
});

describe("findConfigPath", () => {
  const dir = join(root, "search");
  const cwd = join(dir, "cwd");
  const home = join(dir, "home");
  mkdirSync(cwd, { recursive: true });
  mkdirSync(join(home, ".config", "ccproxy"), { recursive: true });
  const homeFile = join(home, ".config", "ccproxy", "config.yaml");

  test("flag, then $CCPROXY_CONFIG, then ./ccproxy.yaml, then ~/.config/ccproxy/config.yaml", () => {
    const env = { CCPROXY_CONFIG: "/from/env.yaml" };
    expect(findConfigPath({ flag: "my.yaml", env, cwd, home })).toBe(join(cwd, "my.yaml"));
    expect(findConfigPath({ env, cwd, home })).toBe("/from/env.yaml");
    expect(findConfigPath({ env: { CCPROXY_CONFIG: "~/c.yaml" }, cwd, home })).toBe(join(home, "c.yaml"));
    expect(findConfigPath({ env: {}, cwd, home })).toBeUndefined();
    writeFileSync(homeFile, "providers: {}\n");
    expect(findConfigPath({ env: {}, cwd, home })).toBe(homeFile);
    writeFileSync(join(cwd, "ccproxy.yaml"), "providers: {}\n");
    expect(findConfigPath({ env: {}, cwd, home })).toBe(join(cwd, "ccproxy.yaml"));
  });

  test("no file at all: the built-in default", () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const r = loadConfig({ protocols: protocolNames(), env: { GEMINI_API_KEY: "g" }, cwd: empty, home: empty });
    expect(r.errors).toEqual([]);
    expect(r.path).toBeUndefined();
    expect(r.config!.file).toBeUndefined();
    expect(Object.keys(r.config!.providers)).toEqual(["google", "ollama"]);
  });
});

describe("${VAR} values are data, not YAML", () => {
  const KEYED = `accessKeys: [\${CCPROXY_KEY}]
providers:
  local: { protocol: ollama, baseUrl: http://127.0.0.1:11434 }
`;

  test.each([["*abc"], ["a,b"], ["@x"], ["a]"], ["a #b"], ['a"b']])("CCPROXY_KEY=%p is one access key", (key) => {
    const r = load(KEYED, { CCPROXY_KEY: key });
    expect(r.messages).toEqual([]);
    expect(r.config!.accessKeys).toEqual([key]);
  });

  test("two variables in the README's flow list are two keys, whatever they hold", () => {
    const r = load(`providers:\n  ds: { protocol: openai, baseUrl: https://x.example, keys: [\${DS_KEY_1}, \${DS_KEY_2}] }\n`, {
      DS_KEY_1: "*one",
      DS_KEY_2: "two]",
    });
    expect(r.config!.providers.ds!.keys).toEqual(["*one", "two]"]);
  });

  test("numbers and booleans from variables take the type the schema wants", () => {
    const r = load(
      `logging: { bodies: \${B}, maxRows: \${ROWS} }
limits: { attempts: \${N} }
providers:
  p: { protocol: openai, baseUrl: https://x.example, maxTokens: \${MAX}, keys: [\${NUMERIC_KEY}] }
`,
      { B: "true", ROWS: "100", N: "2", MAX: "8192", NUMERIC_KEY: "0123" },
    );
    expect(r.messages).toEqual([]);
    expect(r.config!.logging.bodies).toBe(true);
    expect(r.config!.logging.maxRows).toBe(100);
    expect(r.config!.limits.attempts).toBe(2);
    expect(r.config!.providers.p!.maxTokens).toBe(8192);
    expect(r.config!.providers.p!.keys).toEqual(["0123"]); // a key stays the string it is
  });

  test("a value that is not exactly a whole number is refused, not rounded", () => {
    const r = load(`providers:\n  p: { protocol: openai, baseUrl: https://x.example, maxTokens: \${MAX} }\n`, { MAX: "1.5" });
    expect(r.messages).toEqual(["2: providers.p.maxTokens: must be a whole number"]);
  });

  test("an error never shows a variable's value", () => {
    const secret = "sk-SECRET-123";
    for (const text of [`a: *\${K}\n${KEYED}`, `accessKeys: [\${K}]\nproviders: [\n`, `accessKeys: [\${K}\nproviders: {}\n`]) {
      const r = load(text, { K: secret, CCPROXY_KEY: "k" });
      expect(r.config).toBeUndefined();
      expect(r.messages.join("\n")).not.toContain(secret);
    }
  });
});

describe("aliases are refused with a line, never thrown", () => {
  test("an alias that names no anchor", () => {
    const r = load(`providers:\n  p: { protocol: openai, baseUrl: https://x.example, keys: [*k] }\n`);
    expect(r.messages).toEqual(["2: alias *k names no anchor defined before it"]);
  });

  test("more than 100 alias expansions", () => {
    const aliases = Array.from({ length: 101 }, () => "*a").join(", ");
    const r = load(`x: &a [1]\ny: [${aliases}]\nproviders: {}\n`);
    expect(r.messages).toEqual(["2: too many alias expansions (at most 100)"]);
  });
});

describe("check catches what would be silently wrong", () => {
  const PROVIDERS = `providers:\n  a: { protocol: openai, baseUrl: https://a.example }\n`;

  test("a route that an earlier pattern covers can never match", () => {
    const r = load(`${PROVIDERS}models:\n  claude-*: { targets: [a/x] }\n  claude-sonnet-*: { targets: [a/y] }\n`);
    expect(r.messages).toEqual([
      '5: models.claude-sonnet-*: never matches: "claude-*" above it matches every name it does (the first match wins)',
    ]);
  });

  test("a route after a glob that matches everything is dead too, in a group as well", () => {
    const r = load(`${PROVIDERS}groups:\n  team:\n    models:\n      "**": { targets: [a/x] }\n      gpt-4: { targets: [a/y] }\n`);
    expect(r.messages).toEqual(['7: groups.team.models.gpt-4: never matches: "**" above it matches every name it does (the first match wins)']);
  });

  test('a route after the catch-all "*" is live: "*" is tried last', () => {
    const r = load(`${PROVIDERS}models:\n  "*": { targets: [a/any] }\n  claude-*: { targets: [a/claude] }\n`);
    expect(r.messages).toEqual([]);
    expect(resolveModel(r.config!.models, "claude-3")!.targets).toEqual([{ provider: "a", model: "claude" }]);
  });

  test.each([["chat"], ["models"], ["messages"], ["v1"], ["api"], ["health"], ["admin"], ["compat"], ["v1beta"]])(
    "a group named %p, a route's first path segment, is refused",
    (name) => {
      const r = load(`${PROVIDERS}groups:\n  ${name}: { models: { "*": { targets: [a/x] } } }\n`);
      expect(r.messages[0]).toStartWith(`4: groups.${name}: group name "${name}" clashes with a route`);
    },
  );

  test("a --mappings folder that does not exist", () => {
    const r = loadConfig({ protocols: protocolNames(), env: {}, cwd: root, home: root, overrides: { mappings: "nosuchdir" } });
    expect(r.config).toBeUndefined();
    expect(r.errors.map(formatError)).toEqual([`command line: --mappings: no folder ${join(root, "nosuchdir")}`]);
  });

  test("a mappings: folder in the file that does not exist", () => {
    const r = load(`mappings: ./nosuchdir\n${PROVIDERS}`);
    expect(r.messages).toEqual([`1: mappings: no folder ${join(r.dir, "nosuchdir")}`]);
  });

  test("a missing file is named without a line", () => {
    const file = join(root, "nope.yaml");
    const r = loadConfig({ protocols: protocolNames(), flag: file, env: {}, cwd: root, home: root });
    expect(r.errors.map(formatError)).toEqual([`${file}: file not found`]);
  });
});

describe("redis: where replicas share pair health", () => {
  test("url from a variable, the default prefix, the password kept out of what is shown and listed as a secret", () => {
    const r = load(`redis: { url: \${REDIS_URL} }\n${MINIMAL}`, { DS_KEY: "sk-1", REDIS_URL: "redis://:hunter22@10.0.0.5:6379/2" });
    expect(r.errors).toEqual([]);
    expect(r.config!.redis).toEqual({ url: "redis://:hunter22@10.0.0.5:6379/2", prefix: "ccproxy", shownUrl: "redis://:[redacted]@10.0.0.5:6379/2", secrets: ["hunter22"] });
    expect(load(MINIMAL, { DS_KEY: "sk-1" }).config!.redis).toBeUndefined();
  });

  test("a url that is not Redis's, a prefix with glob characters, an unknown field: each at its line", () => {
    const r = load(`providers: {}\nredis:\n  url: http://127.0.0.1:6379\n  prefix: "cc*"\n  db: 2\n`);
    expect(r.messages).toEqual([
      "3: redis.url: must be a Redis URL (redis://, rediss://, valkey://, valkeys://, redis+tls://, redis+unix://, redis+tls+unix://), e.g. redis://127.0.0.1:6379",
      '4: redis.prefix: may hold only letters, digits, ".", "_", ":" and "-"',
      "5: redis.db: unknown field (expected one of: url, prefix)",
    ]);
    expect(load(`providers: {}\nredis: { prefix: x }\n`).messages).toEqual(["2: redis.url: is required"]);
  });
});

// From a validated Config to the ResolvedConfig the server runs on: defaults applied, paths expanded,
// model globs compiled once, so nothing is parsed or looked up by string on the request path.
import { dirname, join, resolve } from "node:path";
import { CREDENTIAL_PARAM, REDACTED } from "./secrets.ts";
import { compileShape, type Shape } from "./shape.ts";
import { compileRules } from "./rules.ts";
import {
  DEFAULT_LIMITS,
  DEFAULT_LISTEN,
  DEFAULT_LOG_PATH,
  DEFAULT_REDIS_PREFIX,
  type Config,
  type Logging,
  type ModelEntry,
  type ModelRoute,
  type ResolvedConfig,
  type ResolvedProvider,
  type Target,
} from "./schema.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolveOptions {
  /** the config file, if any; relative paths in it are taken from its folder */
  file?: string;
  home: string;
  cwd: string;
  /** command-line values that win over the file */
  /** `hostFrom`: where the host override came from, for its error ("--host", else $CCPROXY_HOST) */
  overrides?: { host?: string; hostFrom?: "--host" | "CCPROXY_HOST"; port?: number; mappings?: string };
  /** $CCPROXY_ORIGINS: more allowed browser origins, comma-separated (as OLLAMA_ORIGINS) */
  origins?: string;
}

/** With no config file: one provider per API key found in the environment, plus local Ollama. */
export function builtinConfig(env: Env): Config {
  const providers: Config["providers"] = {};
  const models: Record<string, ModelEntry> = {};
  if (env.OPENAI_API_KEY) {
    providers.openai = { protocol: "openai", baseUrl: "https://api.openai.com/v1", keys: [env.OPENAI_API_KEY] };
  }
  if (env.ANTHROPIC_API_KEY) {
    providers.anthropic = { protocol: "claude", baseUrl: "https://api.anthropic.com", keys: [env.ANTHROPIC_API_KEY] };
    models["claude-*"] = { targets: ["anthropic/*"] };
  }
  if (env.OPENAI_API_KEY) {
    for (const glob of ["gpt-*", "o1*", "o3*", "o4*", "chatgpt-*"]) models[glob] = { targets: ["openai/*"] };
  }
  if (env.GEMINI_API_KEY) {
    providers.google = {
      protocol: "gemini",
      baseUrl: "https://generativelanguage.googleapis.com",
      keys: [env.GEMINI_API_KEY],
    };
    models["gemini-*"] = { targets: ["google/*"] };
  }
  providers.ollama = { protocol: "ollama", baseUrl: "http://127.0.0.1:11434" };
  models["*"] = { targets: ["ollama/*"] };
  return { providers, models };
}

export function resolveConfig(config: Config, o: ResolveOptions): ResolvedConfig {
  const base = o.file ? dirname(resolve(o.cwd, o.file)) : o.cwd;
  const listen = parseListen(config.listen ?? DEFAULT_LISTEN) ?? { host: "127.0.0.1", port: 11435 };
  if (o.overrides?.host !== undefined) listen.host = o.overrides.host.replace(/^\[(.*)\]$/, "$1");
  if (o.overrides?.port !== undefined) listen.port = o.overrides.port;
  const limits = { ...DEFAULT_LIMITS, ...config.limits };
  const providers: Record<string, ResolvedProvider> = {};
  for (const [name, p] of Object.entries(config.providers)) {
    const url = splitBaseUrl(p.baseUrl);
    const headers: Record<string, string> = { ...p.headers };
    // Credentials in the URL become the Basic auth they stand for, so the URL itself holds none.
    if (url.basic && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) headers.authorization = `Basic ${url.basic}`;
    providers[name] = {
      name,
      protocol: p.protocol,
      baseUrl: url.base,
      query: url.query,
      shownUrl: url.shown,
      keys: keyList(p.keys),
      secrets: url.secrets,
      limits: { ...limits, ...p.limits },
      headers,
      ...(p.maxTokens !== undefined && { maxTokens: p.maxTokens }),
    };
  }
  const groups: ResolvedConfig["groups"] = {};
  for (const [name, g] of Object.entries(config.groups ?? {})) {
    groups[name] = { name, accessKeys: keyList(g.accessKeys), models: compileModels(g.models, g.shape) };
  }
  const mappings = o.overrides?.mappings ?? config.mappings;
  const logging: Logging = config.logging ?? {};
  return {
    file: o.file,
    listen,
    accessKeys: keyList(config.accessKeys),
    logging: {
      enabled: logging.enabled ?? true,
      path: expandPath(logging.path ?? DEFAULT_LOG_PATH, o.home, base),
      bodies: logging.bodies ?? false,
      ...(logging.maxRows !== undefined && { maxRows: logging.maxRows }),
      ...(logging.maxDays !== undefined && { maxDays: logging.maxDays }),
    },
    console: { level: config.console?.level ?? "requests" },
    metrics: { enabled: config.metrics?.enabled ?? true },
    limits,
    ...(mappings !== undefined && {
      mappings: expandPath(mappings, o.home, o.overrides?.mappings !== undefined ? o.cwd : base),
    }),
    providers,
    models: compileModels(config.models ?? {}),
    groups,
    directModels: config.directModels ?? true,
    allowedOrigins: [...(config.allowedOrigins ?? []), ...(o.origins ?? "").split(",")]
      .map((origin) => origin.trim().replace(/\/+$/, "").toLowerCase())
      .filter((origin) => origin !== ""),
    ...(config.redis && { redis: resolveRedis(config.redis.url, config.redis.prefix ?? DEFAULT_REDIS_PREFIX) }),
  };
}

/** The schemes Bun's Redis client takes */
export const REDIS_SCHEMES = ["redis:", "rediss:", "valkey:", "valkeys:", "redis+tls:", "redis+unix:", "redis+tls+unix:"];

/** A redis url with its password kept apart from what is shown. */
function resolveRedis(url: string, prefix: string): NonNullable<ResolvedConfig["redis"]> {
  let password = "";
  let shownUrl = url;
  try {
    const u = new URL(url);
    password = decodeURIComponent(u.password);
    if (u.password) (u.password = REDACTED), (shownUrl = u.href.replace(encodeURIComponent(REDACTED), REDACTED));
  } catch {
    // refused by the loader's check before it gets here
  }
  return { url, prefix, shownUrl, secrets: password ? [password] : [] };
}

/**
 * A provider's baseUrl taken apart once: credentials (`user:pass@`, and query values such as
 * `?api-key=`) are kept out of the URL calls are built from and out of what is shown, and its
 * query is appended to every call instead of breaking the path built after it.
 */
export function splitBaseUrl(raw: string): { base: string; query: string; shown: string; basic?: string; secrets: string[] } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { base: raw.replace(/\/+$/, ""), query: "", shown: raw, secrets: [] };
  }
  const secrets: string[] = [];
  let basic: string | undefined;
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    basic = Buffer.from(`${user}:${password}`).toString("base64");
    secrets.push(password, `${user}:${password}`, basic);
  }
  for (const [k, v] of url.searchParams) if (CREDENTIAL_PARAM.test(k)) secrets.push(v);
  const base = `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, "");
  const query = url.search.slice(1);
  const shownQuery = query
    .split("&")
    .map((pair) => (CREDENTIAL_PARAM.test(pair.split("=")[0]!) ? `${pair.split("=")[0]}=${REDACTED}` : pair))
    .join("&");
  const shownAuth = basic ? `${url.username ? encodeURIComponent(decodeURIComponent(url.username)) : ""}:${REDACTED}@` : "";
  const shown = `${url.protocol}//${shownAuth}${url.host}${url.pathname}`.replace(/\/+$/, "") + (query ? `?${shownQuery}` : "");
  return { base, query, shown, basic, secrets: secrets.filter((s) => s) };
}

/**
 * First match wins, in file order; a target model "*" becomes the requested name. A name of the
 * form "provider/model" goes to that provider directly when `direct` allows any (the root scope,
 * unless the config says `directModels: false`), or when it is a target the scope's own routes
 * name (what its model list shows); a pattern more specific than the catch-all "*" claims it first.
 * A group is never given `direct`: its key opens its own routes' providers and no others.
 */
export function resolveModel(
  models: readonly ModelRoute[],
  name: string,
  direct?: Readonly<Record<string, unknown>>,
): { entry: ModelRoute; targets: Target[] } | undefined {
  const hit = (entry: ModelRoute, asked = name) => {
    // "*" alone is the whole requested name; a "*" inside a model is what the pattern's first "*" matched.
    const star = entry.match.exec(asked)?.[1] ?? asked;
    const targets = entry.targets.map((t) =>
      t.model === "*" ? { ...t, model: asked } : t.model.includes("*") ? { ...t, model: t.model.replace("*", star) } : t,
    );
    return { entry, targets };
  };
  // Ollama's `name:latest` is `name`: a route spelt either way serves both. The bare name is tried
  // first, so that a glob's "*" does not carry the tag to an upstream that has none.
  const bare = name.endsWith(":latest") && name.length > 7 ? name.slice(0, -7) : undefined;
  const tagged = bare === undefined && !name.includes(":") ? `${name}:latest` : undefined;
  for (const entry of models) {
    if (entry.pattern === "*") continue;
    if (bare !== undefined && entry.match.test(bare)) return hit(entry, bare);
    if (entry.match.test(name)) return hit(entry);
    if (tagged !== undefined && entry.match.test(tagged)) return hit(entry, tagged);
  }
  const named = splitTarget(name);
  if (named && ((direct && Object.hasOwn(direct, named.provider)) || routesName(models, named))) {
    // A target named directly is shaped as the entry that routes to it would shape it: a group's
    // shaping is not escaped by naming its upstream.
    const shape = models.find((e) => e.shape && e.targets.some((x) => x.provider === named.provider && x.model === named.model))?.shape;
    const entry: ModelRoute = { pattern: name, match: globToRegExp(name), targets: [named], toolCompat: "native", ...(shape && { shape }) };
    return { entry, targets: [named] };
  }
  const catchAll = models.find((e) => e.pattern === "*");
  return catchAll ? hit(catchAll) : undefined;
}

/** Whether a scope's routes name this very target (a concrete model, not a "*"). */
function routesName(models: readonly ModelRoute[], t: Target): boolean {
  return models.some((e) => e.targets.some((x) => x.provider === t.provider && x.model === t.model));
}

/** `shape`: the group's shaping, which each entry's own goes on top of */
export function compileModels(models: Readonly<Record<string, ModelEntry>>, shape?: Shape): ModelRoute[] {
  const routes: ModelRoute[] = Object.entries(models).map(([pattern, m]) => withShape(shape, m.shape, {
    pattern,
    match: globToRegExp(pattern),
    targets: m.targets.map((entry) => {
      const t = typeof entry === "string" ? entry : entry.target;
      const target = splitTarget(t) ?? { provider: t, model: "*" };
      return typeof entry === "string" || entry.weight === undefined ? target : { ...target, weight: entry.weight };
    }),
    toolCompat: m.toolCompat ?? "native",
  }));
  // Rules name other entries of the same scope, so they are compiled once all entries exist.
  for (const route of routes) {
    const rules = models[route.pattern]!.when;
    if (!rules?.length) continue;
    const { pick, labels } = compileRules(route.pattern, rules, routes, globToRegExp);
    route.pick = pick;
    route.rules = labels;
  }
  return routes;
}

function withShape(group: Shape | undefined, entry: Shape | undefined, route: ModelRoute): ModelRoute {
  const shape = compileShape(group, entry);
  return shape ? { ...route, shape } : route;
}

/** `*` is any run of characters, `?` exactly one; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    source += ch === "*" ? "(.*)" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\/-]/, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

/** "provider/model", split at the first slash: model names may contain slashes themselves. */
export function splitTarget(target: string): Target | undefined {
  const slash = target.indexOf("/");
  if (slash <= 0 || slash === target.length - 1) return undefined;
  return { provider: target.slice(0, slash), model: target.slice(slash + 1) };
}

/** "host:port" or "[v6]:port"; the host comes back without brackets, as Bun.serve wants it. */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * Whether a host is a loopback address, judged by the address it stands for: `127.1`, `0x7f.0.0.1`
 * and `[::ffff:127.0.0.1]` are loopback; `0`, `0.0.0.0` and `::` (every interface) are not.
 */
export function isLoopback(host: string): boolean {
  let h = host.trim().toLowerCase().replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h.includes(":") && !h.startsWith("[")) h = `[${h}]`;
  let parsed: string;
  try {
    parsed = new URL(`http://${h}/`).hostname; // the WHATWG parser spells IPv4 and IPv6 literals one way
  } catch {
    return false;
  }
  if (/^127\.\d+\.\d+\.\d+$/.test(parsed)) return true;
  if (parsed === "[::1]") return true;
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}\]$/.exec(parsed); // IPv4-mapped: ::ffff:7f00:1
  return !!mapped && parseInt(mapped[1]!, 16) >> 8 === 127;
}

/** `~` and `~/x` are the home folder; other relative paths are taken from `base`. */
export function expandPath(path: string, home: string, base: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return resolve(base, path);
}

// `${KEY:-}` left empty yields "", which must never count as a key.
function keyList(keys: readonly string[] | undefined): string[] {
  return (keys ?? []).filter((k) => k !== "");
}

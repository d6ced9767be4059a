// Finding, reading and checking the config file. Every problem is collected (not just the first) and
// named as file:line: field, so `ccproxy check` can list them all at once.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { fillVariables, maskVariables, missingMessage, unmask } from "./env.ts";
import { asRecord, errorAt, lineOf, parseYamlDocument, sourceOf, type SourceError, type YamlSource } from "./yaml-source.ts";
import { shadowingPattern } from "./shadow.ts";
import { checkShape, checkShapes } from "./shape-check.ts";
import { checkRules } from "./rule-check.ts";
import { ConfigSchema, DEFAULT_LISTEN, type ResolvedConfig } from "./schema.ts";
import {
  builtinConfig,
  expandPath,
  isLoopback,
  parseListen,
  REDIS_SCHEMES,
  resolveConfig,
  splitTarget,
  type Env,
  type ResolveOptions,
} from "./resolve.ts";

export {
  builtinConfig,
  compileModels,
  globToRegExp,
  isLoopback,
  parseListen,
  resolveConfig,
  resolveModel,
  splitTarget,
  type Env,
} from "./resolve.ts";

export interface FindOptions {
  /** the --config flag */
  flag?: string;
  env: Env;
  cwd: string;
  home: string;
}

export interface LoadOptions extends FindOptions {
  overrides?: ResolveOptions["overrides"];
  /** The protocols a provider may speak: the registry's names */
  protocols: readonly string[];
}

export interface LoadResult {
  config?: ResolvedConfig;
  errors: SourceError[];
  /** the file read; undefined when the built-in default is used */
  path?: string;
  /** The mappings folder, known even when the config is refused, so its mappings can be checked too */
  mappings?: string;
}

/**
 * Group names become the first path segment, so they must not shadow a route's: the first segments
 * of the routes in src/server/index.ts (`/chat/completions`, `/models`, `/v1/…`, `/v1beta/…`, `/api/…`),
 * `/health`, `/admin/status` and the `/compat/` prefix. `messages` is kept free too: OpenAI's routes
 * are also served without `/v1`, and Claude's `/messages` may join them.
 */
export const RESERVED_GROUP_NAMES = ["v1", "v1beta", "api", "chat", "models", "messages", "health", "admin", "compat"] as const;

const NAME = /^[A-Za-z0-9._-]+$/;

/** --config, then $CCPROXY_CONFIG (returned even when missing, so loading says so), then the usual places. */
export function findConfigPath(o: FindOptions): string | undefined {
  const named = o.flag || o.env.CCPROXY_CONFIG;
  if (named) return expandPath(named, o.home, o.cwd);
  const candidates = [join(o.cwd, "ccproxy.yaml"), join(o.home, ".config", "ccproxy", "config.yaml")];
  return candidates.find((p) => existsSync(p));
}

export function loadConfig(o: LoadOptions): LoadResult {
  const path = findConfigPath(o);
  const resolveOpts: ResolveOptions = { file: path, home: o.home, cwd: o.cwd, overrides: o.overrides, origins: o.env.CCPROXY_ORIGINS };
  const flagged = flagErrors(o);
  if (path === undefined) return finish(resolveConfig(builtinConfig(o.env), resolveOpts), flagged, undefined, o.overrides?.hostFrom);

  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (e) {
    const message = existsSync(path) ? `cannot read: ${(e as Error).message}` : "file not found";
    return { errors: [{ file: path, line: 0, field: "", message }, ...flagged], path, mappings: mappingsDir(undefined, o, path) };
  }
  const masked = maskVariables(raw, o.env);
  let errors: SourceError[] = masked.missing.map((m) => ({ file: path, line: m.line, field: "", message: missingMessage(m.name) }));
  const parsed = parseYamlDocument(path, masked.text);
  let source: YamlSource | undefined;
  if (parsed.doc) {
    const typed = fillVariables(parsed.doc, masked);
    const read = sourceOf(path, parsed.doc, parsed.lines);
    errors.push(...read.errors);
    source = read.source;
    if (source) typeVariables(source.value, typed);
  } else errors.push(...parsed.errors);
  // The parser saw placeholders, never values: put back each `${NAME}` as written.
  errors = errors.map((e) => ({ ...e, message: unmask(e.message, masked) }));
  const mappings = mappingsDir(source?.value, o, path);
  if (!source) return { errors: byLine([...errors, ...flagged]), path, mappings };
  errors.push(...schemaErrors(source), ...semanticErrors(source, o, path), ...flagged);
  if (errors.length) return { errors: byLine(errors), path, mappings };
  return finish(resolveConfig(source.value as never, resolveOpts), errors, path, o.overrides?.hostFrom);
}

/** The top-level parts of a config that a command may read alone */
export type ConfigPart = "listen" | "accessKeys" | "logging";

/**
 * Only some parts of the config, for commands that need no more (`ccproxy logs` wants the log's
 * path, `ccproxy status` the address and an access key): a `${VAR}` left unset elsewhere, such as
 * a provider key only the proxy's own environment holds, is no error here. The config returned
 * holds those parts (and defaults); its providers and models are empty.
 */
export function loadConfigParts(o: FindOptions, parts: readonly ConfigPart[]): LoadResult {
  const path = findConfigPath(o);
  const resolveOpts: ResolveOptions = { file: path, home: o.home, cwd: o.cwd };
  if (path === undefined) return { config: resolveConfig(builtinConfig(o.env), resolveOpts), errors: [] };
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (e) {
    return { errors: [{ file: path, line: 0, field: "", message: existsSync(path) ? `cannot read: ${(e as Error).message}` : "file not found" }], path };
  }
  const masked = maskVariables(raw, o.env);
  const parsed = parseYamlDocument(path, masked.text);
  if (!parsed.doc) return { errors: parsed.errors.map((e) => ({ ...e, message: unmask(e.message, masked) })), path };
  const typed = fillVariables(parsed.doc, masked);
  const read = sourceOf(path, parsed.doc, parsed.lines);
  if (!read.source) return { errors: read.errors, path };
  const source = read.source;
  typeVariables(source.value, typed);
  const all = asRecord(source.value) ?? {};
  const wanted: Record<string, unknown> = { providers: {} };
  const spans: [number, number][] = [];
  for (const part of parts) {
    if (all[part] === undefined) continue;
    wanted[part] = all[part];
    const node = source.doc.getIn([part], true) as { range?: [number, number, number] } | undefined;
    const start = lineOf(source, [part]);
    spans.push([start, node?.range ? source.lines.linePos(node.range[1]).line : start]);
  }
  const errors: SourceError[] = masked.missing
    .filter((m) => spans.some(([a, b]) => m.line >= a && m.line <= b))
    .map((m) => ({ file: path, line: m.line, field: "", message: missingMessage(m.name) }));
  for (const e of Value.Errors(ConfigSchema, wanted)) errors.push(errorAt(source, pathSegments(e.path, wanted), unmask(describe(e), masked)));
  if (errors.length) return { errors: byLine(errors), path };
  return { config: resolveConfig(wanted as never, resolveOpts), errors, path };
}

/**
 * A variable's value is a string; where the schema wants a number or a boolean (`maxTokens: ${MAX}`)
 * it is converted, as YAML would have read the same text unquoted. Only exact readings count: "1.5"
 * stays a string (and is refused as a whole number) rather than becoming 1.
 */
function typeVariables(value: unknown, paths: (string | number)[][]): void {
  if (!paths.length) return;
  const converted = Value.Convert(ConfigSchema, structuredClone(value));
  for (const path of paths) {
    const text = getIn(value, path);
    const typed = getIn(converted, path);
    if (typeof text !== "string") continue;
    const exact =
      (typeof typed === "number" && text.trim() !== "" && Number(text) === typed) ||
      (typeof typed === "boolean" && String(typed) === text);
    if (exact) setIn(value, path, typed);
  }
}

function getIn(v: unknown, path: readonly (string | number)[]): unknown {
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function setIn(v: unknown, path: readonly (string | number)[], x: unknown): void {
  const parent = getIn(v, path.slice(0, -1));
  if (parent !== null && typeof parent === "object") (parent as Record<string | number, unknown>)[path.at(-1)!] = x;
}

/** The mappings folder the config names, best effort: from --mappings, else the file's `mappings:`. */
function mappingsDir(value: unknown, o: LoadOptions, file: string): string | undefined {
  if (o.overrides?.mappings !== undefined) return expandPath(o.overrides.mappings, o.home, o.cwd);
  const named = asRecord(value)?.mappings;
  return typeof named === "string" && named ? expandPath(named, o.home, dirname(resolve(o.cwd, file))) : undefined;
}

function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** What the command line itself gets wrong; it has no line in the file to point at. */
function flagErrors(o: LoadOptions): SourceError[] {
  const dir = o.overrides?.mappings;
  if (dir === undefined) return [];
  const full = expandPath(dir, o.home, o.cwd);
  return isFolder(full) ? [] : [{ file: "command line", line: 0, field: "--mappings", message: `no folder ${full}` }];
}

// A host from --host or $CCPROXY_HOST is checked too: it has no line in the file to point at.
function finish(config: ResolvedConfig, errors: SourceError[], path: string | undefined, hostFrom?: "--host" | "CCPROXY_HOST"): LoadResult {
  if (!isLoopback(config.listen.host) && config.accessKeys.length === 0)
    errors.push(
      hostFrom === "CCPROXY_HOST"
        ? { file: "environment", line: 0, field: "CCPROXY_HOST", message: nonLoopbackMessage(config.listen.host) }
        : { file: "command line", line: 0, field: "--host", message: nonLoopbackMessage(config.listen.host) },
    );
  return errors.length ? { errors, path, mappings: config.mappings } : { config, errors, path };
}

function byLine(errors: SourceError[]): SourceError[] {
  return errors.sort((a, b) => a.line - b.line);
}

function nonLoopbackMessage(host: string): string {
  return `host ${host} is not loopback; a non-loopback host requires accessKeys, or every route would be open to the network`;
}

// ---- schema errors, one per field, in words a config author uses ----

function schemaErrors(source: YamlSource): SourceError[] {
  const seen = new Set<string>();
  const out: SourceError[] = [];
  for (const e of Value.Errors(ConfigSchema, source.value)) {
    if (seen.has(e.path)) continue; // a missing field also fails its type check; say it once
    seen.add(e.path);
    out.push(errorAt(source, pathSegments(e.path, source.value), describe(e)));
  }
  return out;
}

/** JSON pointer → YAML path; list indices become numbers so the YAML lookup finds the item. */
function pathSegments(pointer: string, root: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const seg = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    node = node !== null && typeof node === "object" ? (node as Record<string | number, unknown>)[seg] : undefined;
  }
  return out;
}

function describe(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.ObjectAdditionalProperties:
      return `unknown field (expected one of: ${Object.keys((s.properties ?? {}) as object).join(", ")})`;
    case ValueErrorType.Union: {
      if (typeof s.expected === "string") return `must be ${s.expected}`;
      const values = ((s.anyOf ?? []) as { const?: unknown }[]).map((v) => v.const);
      return values.every((v) => typeof v === "string") ? `must be one of ${values.join(", ")}` : e.message;
    }
    case ValueErrorType.String:
      return "must be a string";
    case ValueErrorType.StringMinLength:
      return "must not be empty";
    case ValueErrorType.Number:
      return "must be a number";
    case ValueErrorType.Integer:
      return "must be a whole number";
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${s.minimum}`;
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be greater than ${s.exclusiveMinimum}`;
    case ValueErrorType.Boolean:
      return "must be true or false";
    case ValueErrorType.Array:
      return "must be a list";
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${s.minItems} item(s)`;
    case ValueErrorType.Object:
      return "must be a mapping";
    default:
      return e.message;
  }
}

// ---- checks the schema cannot express; defensive, since they run on a possibly invalid document ----

function semanticErrors(source: YamlSource, o: LoadOptions, file: string): SourceError[] {
  const out: SourceError[] = [];
  const cfg = asRecord(source.value);
  if (!cfg) return out;
  const providers = asRecord(cfg.providers) ?? {};

  if (typeof cfg.mappings === "string" && cfg.mappings && o.overrides?.mappings === undefined) {
    const dir = mappingsDir(cfg, o, file)!;
    if (!isFolder(dir)) out.push(errorAt(source, ["mappings"], `no folder ${dir}`));
  }
  if (typeof cfg.listen === "string") {
    const listen = parseListen(cfg.listen);
    const keys = Array.isArray(cfg.accessKeys) ? cfg.accessKeys.filter((k) => k !== "") : [];
    if (!listen) out.push(errorAt(source, ["listen"], `must be "host:port", e.g. ${DEFAULT_LISTEN}`));
    else if (!isLoopback(listen.host) && keys.length === 0) {
      out.push(errorAt(source, ["listen"], nonLoopbackMessage(listen.host)));
    }
  }
  for (const [name, p] of Object.entries(providers)) {
    if (!NAME.test(name)) {
      out.push(errorAt(source, ["providers", name], 'a provider name may hold only letters, digits, ".", "_" and "-"'));
    }
    const protocol = asRecord(p)?.protocol;
    if (typeof protocol === "string" && protocol && !o.protocols.includes(protocol))
      out.push(errorAt(source, ["providers", name, "protocol"], `must be one of ${o.protocols.join(", ")}`));
    const baseUrl = asRecord(p)?.baseUrl;
    if (typeof baseUrl === "string" && !/^https?:\/\/[^/]/.test(baseUrl)) {
      out.push(errorAt(source, ["providers", name, "baseUrl"], "must be an http:// or https:// URL"));
    }
  }
  checkRedis(source, asRecord(cfg.redis), out);
  checkTargets(source, ["models"], cfg.models, providers, out);
  checkShadowed(source, ["models"], cfg.models, out);
  checkShapes(source, ["models"], cfg.models, out);
  checkRules(source, ["models"], cfg.models, out);
  for (const [name, g] of Object.entries(asRecord(cfg.groups) ?? {})) {
    if ((RESERVED_GROUP_NAMES as readonly string[]).includes(name)) {
      const reserved = RESERVED_GROUP_NAMES.join(", ");
      out.push(errorAt(source, ["groups", name], `group name "${name}" clashes with a route; reserved: ${reserved}`));
    } else if (!NAME.test(name)) {
      out.push(errorAt(source, ["groups", name], 'a group name may hold only letters, digits, ".", "_" and "-"'));
    }
    checkTargets(source, ["groups", name, "models"], asRecord(g)?.models, providers, out);
    checkShadowed(source, ["groups", name, "models"], asRecord(g)?.models, out);
    checkShape(source, ["groups", name, "shape"], asRecord(g)?.shape, out);
    checkShapes(source, ["groups", name, "models"], asRecord(g)?.models, out);
    checkRules(source, ["groups", name, "models"], asRecord(g)?.models, out);
  }
  return out;
}

function checkRedis(source: YamlSource, redis: Record<string, unknown> | undefined, out: SourceError[]): void {
  if (typeof redis?.url === "string" && redis.url) {
    let scheme: string | undefined;
    try {
      scheme = new URL(redis.url).protocol;
    } catch {
      // not a URL: said below
    }
    if (!scheme || !REDIS_SCHEMES.includes(scheme))
      out.push(errorAt(source, ["redis", "url"], `must be a Redis URL (${REDIS_SCHEMES.map((s) => `${s}//`).join(", ")}), e.g. redis://127.0.0.1:6379`));
  }
  // The prefix goes into a SCAN pattern: no glob characters, nothing a key name would need quoting for.
  if (typeof redis?.prefix === "string" && redis.prefix && !/^[A-Za-z0-9._:-]+$/.test(redis.prefix))
    out.push(errorAt(source, ["redis", "prefix"], 'may hold only letters, digits, ".", "_", ":" and "-"'));
}

function checkTargets(
  source: YamlSource,
  at: string[],
  models: unknown,
  providers: Record<string, unknown>,
  out: SourceError[],
): void {
  for (const [pattern, entry] of Object.entries(asRecord(models) ?? {})) {
    const targets = asRecord(entry)?.targets;
    if (!Array.isArray(targets)) continue;
    targets.forEach((entry, i) => {
      const weighted = typeof entry !== "string";
      const t = weighted ? asRecord(entry)?.target : entry;
      if (typeof t !== "string") return;
      const path = weighted ? [...at, pattern, "targets", i, "target"] : [...at, pattern, "targets", i];
      const target = splitTarget(t);
      if (!target) {
        out.push(errorAt(source, path, `"${t}" must have the form provider/model`));
      } else if (!Object.hasOwn(providers, target.provider)) {
        const known = Object.keys(providers).join(", ") || "none";
        out.push(errorAt(source, path, `provider "${target.provider}" is not defined (defined: ${known})`));
      }
    });
  }
}

/** First match wins: a pattern that an earlier one covers can never match, which is surely a mistake. */
function checkShadowed(source: YamlSource, at: string[], models: unknown, out: SourceError[]): void {
  const patterns = Object.keys(asRecord(models) ?? {});
  patterns.forEach((pattern, i) => {
    const by = shadowingPattern(patterns.slice(0, i), pattern);
    if (by !== undefined)
      out.push(errorAt(source, [...at, pattern], `never matches: "${by}" above it matches every name it does (the first match wins)`));
  });
}

// Finding, reading and checking the config file. Every problem is collected (not just the first) and
// named as file:line: field, so `ccproxy check` can list them all at once.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { interpolate, missingMessage } from "./env.ts";
import { errorAt, parseYaml, type SourceError, type YamlSource } from "./yaml-source.ts";
import { ConfigSchema, DEFAULT_LISTEN, type ResolvedConfig } from "./schema.ts";
import {
  builtinConfig,
  expandPath,
  isLoopback,
  parseListen,
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
}

export interface LoadResult {
  config?: ResolvedConfig;
  errors: SourceError[];
  /** the file read; undefined when the built-in default is used */
  path?: string;
}

/** Group names become the first path segment, so they must not shadow a protocol's own routes. */
export const RESERVED_GROUP_NAMES = ["v1", "v1beta", "api", "health", "admin", "compat"] as const;

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
  const resolveOpts: ResolveOptions = { file: path, home: o.home, cwd: o.cwd, overrides: o.overrides };
  if (path === undefined) return finish(resolveConfig(builtinConfig(o.env), resolveOpts), [], undefined);

  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (e) {
    const message = existsSync(path) ? `cannot read: ${(e as Error).message}` : "file not found";
    return { errors: [{ file: path, line: 0, field: "", message }], path };
  }
  const { text, missing } = interpolate(raw, o.env);
  const errors: SourceError[] = missing.map((m) => ({
    file: path,
    line: m.line,
    field: "",
    message: missingMessage(m.name),
  }));
  const parsed = parseYaml(path, text);
  errors.push(...parsed.errors);
  if (!parsed.source) return { errors: byLine(errors), path };
  errors.push(...schemaErrors(parsed.source), ...semanticErrors(parsed.source));
  if (errors.length) return { errors: byLine(errors), path };
  return finish(resolveConfig(parsed.source.value as never, resolveOpts), errors, path);
}

// A --host from the command line is checked too: it has no line in the file to point at.
function finish(config: ResolvedConfig, errors: SourceError[], path: string | undefined): LoadResult {
  if (!isLoopback(config.listen.host) && config.accessKeys.length === 0) {
    errors.push({ file: "command line", line: 0, field: "--host", message: nonLoopbackMessage(config.listen.host) });
    return { errors, path };
  }
  return { config, errors, path };
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

function semanticErrors(source: YamlSource): SourceError[] {
  const out: SourceError[] = [];
  const cfg = asRecord(source.value);
  if (!cfg) return out;
  const providers = asRecord(cfg.providers) ?? {};

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
    const baseUrl = asRecord(p)?.baseUrl;
    if (typeof baseUrl === "string" && !/^https?:\/\/[^/]/.test(baseUrl)) {
      out.push(errorAt(source, ["providers", name, "baseUrl"], "must be an http:// or https:// URL"));
    }
  }
  checkTargets(source, ["models"], cfg.models, providers, out);
  for (const [name, g] of Object.entries(asRecord(cfg.groups) ?? {})) {
    if ((RESERVED_GROUP_NAMES as readonly string[]).includes(name)) {
      const reserved = RESERVED_GROUP_NAMES.join(", ");
      out.push(errorAt(source, ["groups", name], `group name "${name}" clashes with a route; reserved: ${reserved}`));
    } else if (!NAME.test(name)) {
      out.push(errorAt(source, ["groups", name], 'a group name may hold only letters, digits, ".", "_" and "-"'));
    }
    checkTargets(source, ["groups", name, "models"], asRecord(g)?.models, providers, out);
  }
  return out;
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

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

// Loads every mapping file (built-in, or the user's replacement of the same name), validates it
// against the DSL schema and compiles it. All problems are collected as file:line: field: message.
// A protocol whose files are all built in is compiled at its first use (see loadMappings).
import { existsSync, readdirSync } from "node:fs";
import { join, sep } from "node:path";
import { Value } from "@sinclair/typebox/value";
import type { SourceError } from "../config/yaml-source.ts";
import { compileTemplate, type CompiledTemplate } from "./compile.ts";
import { ObjectSpec, StreamSpec, REQUIRE_TYPES } from "./schema.ts";
import { compileRequire, fieldProblem, type RequireCheck } from "./require.ts";
import type { MappingFunction } from "./functions.ts";
import { nearest } from "./near.ts";
import { errorIn, type SpecSource } from "./override.ts";
import { readMapping } from "./read.ts";

/** A protocol's name, as the registry (src/protocols/) knows it */
export type ProtocolName = string;

/** What one protocol brings to the loader: its own kinds beyond the common ones, and its built-in texts */
export interface ProtocolMappingSource {
  name: string;
  kinds: readonly string[];
  /** kind (or `<name>.defs`) → YAML text */
  builtin: Readonly<Record<string, string>>;
}

export const OBJECT_SPECS = [
  "request.decode",
  "request.encode",
  "response.decode",
  "response.encode",
  "error.decode",
  "error.encode",
  "models.encode",
  "models.decode",
] as const;
export const STREAM_SPECS = ["stream.decode", "stream.encode"] as const;
const isStreamKind = (kind: string) => /(^|\.)stream\.(de|en)code$/.test(kind);
export type ObjectSpecName = (typeof OBJECT_SPECS)[number];
export type StreamSpecName = (typeof STREAM_SPECS)[number];

export interface StreamMapping {
  frame: "sse" | "ndjson" | "json";
  done?: string;
  /** Block stops carry their text and the stop every block (an encoding that restates the answer) */
  whole?: boolean;
  events: CompiledTemplate;
}

export interface ProtocolMappings {
  /** The common kinds, plus the protocol's own kinds under their names */
  spec: Record<ObjectSpecName, CompiledTemplate> & Partial<Record<string, CompiledTemplate>>;
  stream: Record<StreamSpecName, StreamMapping> & Partial<Record<string, StreamMapping>>;
  /** Required-field check of the client request, from request.decode's `require:` */
  require: RequireCheck;
  /** The same check for each decode kind that has a `require:` (request.decode, generate.decode, …) */
  requireOf: Record<string, RequireCheck>;
}

export type MappingSet = Record<ProtocolName, ProtocolMappings>;

function schemaErrors(source: SpecSource, schema: typeof ObjectSpec | typeof StreamSpec): SourceError[] {
  return [...Value.Errors(schema, source.value)].map((e) =>
    errorIn(source, e.path.split("/").filter(Boolean), e.message),
  );
}

interface Ctx {
  protocol: string;
  builtin: Readonly<Record<string, string>>;
  overrideDir?: string;
  functions: Record<string, MappingFunction>;
  /** Def files parsed once per load, however many specs include them */
  defFiles: Map<string, ReturnType<typeof readMapping>>;
}

function parseInclude(name: string, ctx: Ctx) {
  if (!ctx.defFiles.has(name)) ctx.defFiles.set(name, readMapping(name, ctx.overrideDir, ctx.builtin[name.slice(ctx.protocol.length + 1)]));
  return ctx.defFiles.get(name);
}

const INCLUDE_NAME = /^[a-z][a-z0-9-]*$/;

/** Defs of the file plus those of the files it includes; each def remembers its source for errors. */
function gatherDefs(source: SpecSource, ctx: Ctx, errors: SourceError[]) {
  const value = source.value as { defs?: Record<string, unknown>; include?: string[] };
  const defs: Record<string, unknown> = {};
  const origin: Record<string, SpecSource> = {};
  let broken = false;
  for (const [i, name] of (Array.isArray(value.include) ? value.include : []).entries()) {
    if (typeof name !== "string" || !INCLUDE_NAME.test(name)) continue; // the schema check reports it
    const parsed = parseInclude(`${ctx.protocol}/${name}.defs`, ctx);
    if (!parsed) {
      errors.push(errorIn(source, ["include", i], `no defs file "${ctx.protocol}/${name}.defs.yaml"`));
      continue;
    }
    if (!parsed.source) {
      broken = true; // its own errors are reported once, at the end; the unknown defs they cause are not
      continue;
    }
    if (!isMap(parsed.source.value)) {
      errors.push(errorIn(parsed.source, [], "a defs file is a map of name: template"));
      continue;
    }
    for (const [k, v] of Object.entries(parsed.source.value as Record<string, unknown>)) {
      defs[k] = v;
      origin[k] = parsed.source;
    }
  }
  for (const [k, v] of Object.entries(value.defs ?? {})) (defs[k] = v), (origin[k] = source);
  return { defs, origin, broken };
}

function compileSpec(source: SpecSource, ctx: Ctx, template: unknown, at: string[]) {
  const errors: SourceError[] = [];
  const { defs, origin, broken } = gatherDefs(source, ctx, errors);
  if (broken) return { compiled: undefined, errors };
  const { compiled, problems } = compileTemplate(template, { functions: ctx.functions, defs, at });
  for (const p of problems) {
    // A problem inside an included def is reported in the file that defines it.
    const inDef = p.path[0] === "defs" ? origin[p.path[1] as string] : undefined;
    errors.push(inDef && inDef !== source ? errorIn(inDef, p.path.slice(1), p.message) : errorIn(source, p.path, p.message));
  }
  return { compiled, errors };
}

function compileObjectSpec(source: SpecSource, ctx: Ctx) {
  const errors = schemaErrors(source, ObjectSpec);
  const { defs: _d, include: _i, require, refuse, ...template } = source.value as Record<string, unknown>;
  const r = compileSpec(source, ctx, template, []);
  errors.push(...r.errors);
  for (const [field, type] of Object.entries((require ?? {}) as Record<string, string>)) {
    if (!(REQUIRE_TYPES as readonly string[]).includes(type.replace(/\?$/, "")))
      errors.push(errorIn(source, ["require", field], `unknown type "${type}" (one of ${REQUIRE_TYPES.join(", ")})`));
    const bad = fieldProblem(field);
    if (bad) errors.push(errorIn(source, ["require", field], bad));
  }
  return {
    compiled: r.compiled,
    require: require as Record<string, string> | undefined,
    refuse: refuse as Record<string, string> | undefined,
    errors,
  };
}

function compileStreamSpec(source: SpecSource, ctx: Ctx) {
  const errors = schemaErrors(source, StreamSpec);
  const spec = source.value as { frame: StreamMapping["frame"]; done?: string; whole?: boolean; events: unknown };
  const r = compileSpec(source, ctx, spec.events, ["events"]);
  errors.push(...r.errors);
  return { mapping: r.compiled && { frame: spec.frame, done: spec.done, whole: spec.whole, events: r.compiled }, errors };
}

export interface LoadResult {
  mappings?: MappingSet;
  errors: SourceError[];
  /** name (`openai/request.encode`) → generated source, for `ccproxy check --dump` */
  sources: Record<string, string>;
}

/**
 * A file in the user's folder replaces the built-in one of the same name; a file named like none is
 * never read, which hides a typo (`request.encod.yaml`) or a misplaced file. Each is an error.
 */
export function strayFiles(overrideDir: string, sources: readonly ProtocolMappingSource[], others: readonly string[] = []): SourceError[] {
  let names: string[];
  try {
    names = readdirSync(overrideDir, { recursive: true, encoding: "utf8" });
  } catch {
    return []; // a missing folder is the config's error to report
  }
  const known = [...sources.flatMap((p) => Object.keys(p.builtin).map((kind) => `${p.name}/${kind}`)), ...others];
  const knownSet = new Set(known);
  return names
    .map((f) => f.split(sep).join("/"))
    .filter((f) => /\.ya?ml$/.test(f) && !f.split("/").some((part) => part.startsWith(".")))
    .filter((f) => !f.endsWith(".yaml") || !knownSet.has(f.slice(0, -".yaml".length)))
    .sort()
    .map((f) => {
      const name = f.replace(/\.ya?ml$/, "");
      const near = nearest(name, known, 3);
      const hint = near
        ? `did you mean ${near}.yaml?`
        : name.includes("/")
          ? "names are <protocol>/<kind>.yaml, e.g. openai/request.encode.yaml"
          : `a mapping file sits in its protocol's folder: ${[...sources.map((p) => p.name), "compat"].map((p) => `${p}/`).join(", ").replace(/, (?=[^,]*$)/, " or ")}`;
      return { file: join(overrideDir, f), line: 0, field: "", message: `no built-in mapping has this name, so it is never read; ${hint}` };
    });
}

export interface LoadOptions {
  protocols: readonly ProtocolMappingSource[];
  overrideDir?: string;
  functions: Record<string, MappingFunction>;
  /** Names besides the protocols' that a user's folder may hold (`compat/instruction`) */
  others?: readonly string[];
  /** Compile every protocol now (`check`), not a built-in-only one at its first use */
  eager?: boolean;
}

export function loadMappings(opts: LoadOptions): LoadResult {
  const errors: SourceError[] = opts.overrideDir ? strayFiles(opts.overrideDir, opts.protocols, opts.others) : [];
  const sources: Record<string, string> = {};
  const out: Partial<MappingSet> = {};
  const defFiles: Ctx["defFiles"] = new Map();
  for (const source of opts.protocols) {
    const ctx: Ctx = { protocol: source.name, builtin: source.builtin, overrideDir: opts.overrideDir, functions: opts.functions, defFiles };
    const userFiles = !!opts.overrideDir && existsSync(join(opts.overrideDir, source.name));
    if (opts.eager || userFiles) {
      out[source.name] = compileProtocol(source.kinds, ctx, errors, sources);
      continue;
    }
    // Built-in only: compiled at its first use, so a proxy holds (and starts by compiling) just the protocols its
    // clients and providers speak. The built-in texts compile cleanly (the tests and `ccproxy check` load them all).
    Object.defineProperty(out, source.name, {
      enumerable: true,
      configurable: true,
      get() {
        const problems: SourceError[] = [];
        const compiled = compileProtocol(source.kinds, ctx, problems, sources);
        if (problems.length) throw new Error(`the built-in ${source.name} mappings do not compile: ${problems[0]!.file}:${problems[0]!.line}: ${problems[0]!.message}`);
        Object.defineProperty(out, source.name, { value: compiled, enumerable: true });
        return compiled;
      },
    });
  }
  // A defs file's own problems (its syntax, an override key it lacks) are reported here, once.
  for (const parsed of defFiles.values()) errors.push(...(parsed?.errors ?? []));
  // A problem in an included defs file is found once per file that includes it; report it once.
  const unique = [...new Map(errors.map((e) => [`${e.file}:${e.line}:${e.field}:${e.message}`, e])).values()];
  return { mappings: unique.length ? undefined : (out as MappingSet), errors: unique, sources };
}

/** One protocol's specs read, checked and compiled; problems go to `errors`, generated sources to `sources`. */
function compileProtocol(kinds: readonly string[], ctx: Ctx, errors: SourceError[], sources: Record<string, string>): ProtocolMappings {
  const spec: Partial<ProtocolMappings["spec"]> = {};
  const stream: Partial<ProtocolMappings["stream"]> = {};
  const requireOf: Record<string, RequireCheck> = {};
  for (const kind of [...OBJECT_SPECS, ...STREAM_SPECS, ...kinds]) {
    const name = `${ctx.protocol}/${kind}`;
    const parsed = readMapping(name, ctx.overrideDir, ctx.builtin[kind]);
    if (!parsed) {
      errors.push({ file: `mappings/${name}.yaml`, line: 1, field: "", message: "mapping file missing" });
      continue;
    }
    errors.push(...parsed.errors);
    if (!parsed.source) continue;
    if (!isMap(parsed.source.value)) {
      errors.push(errorIn(parsed.source, [], "a mapping file is a map of field: template"));
      continue;
    }
    if (isStreamKind(kind)) {
      const r = compileStreamSpec(parsed.source, ctx);
      errors.push(...r.errors);
      if (r.mapping) (stream[kind as StreamSpecName] = r.mapping), (sources[name] = r.mapping.events.source);
    } else {
      const r = compileObjectSpec(parsed.source, ctx);
      errors.push(...r.errors);
      if (r.compiled) (spec[kind as ObjectSpecName] = r.compiled), (sources[name] = r.compiled.source);
      if (kind.endsWith(".decode")) requireOf[kind] = compileRequire(r.require ?? {}, r.refuse);
    }
  }
  return {
    spec: spec as ProtocolMappings["spec"],
    stream: stream as ProtocolMappings["stream"],
    require: requireOf["request.decode"] ?? compileRequire({}),
    requireOf,
  };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

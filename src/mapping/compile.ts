// The mapping compiler: a template (parsed YAML) becomes the source of one JavaScript function,
// built once with `new Function`. Values reach the generated code through a scope object (`K`),
// never pasted into the code text; named functions are bound to locals once, at compile time.
import { JSONPath } from "jsonpath-plus";
import { KindGuard, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { Directives, DIRECTIVE_KEYS } from "./schema.ts";
import { isPath, parseSimplePath, pathCode } from "./path.ts";
import { filterProblem } from "./filters.ts";
import { directiveTypo } from "./typos.ts";
import type { MappingFunction } from "./functions.ts";

export type Location = (string | number)[];
export interface CompileProblem {
  path: Location;
  message: string;
}

/** A compiled mapping: `(input, ctx) => output`, with its generated source kept for `check --dump`. */
export interface CompiledTemplate {
  run: (input: unknown, ctx: unknown) => any;
  source: string;
}

const RUNTIME = {
  nn: (v: unknown) => (v === null ? undefined : v),
  // A value as a switch case or table key. String() of an object calls the object's own `toString`,
  // which a client's JSON may set to anything (`{"toString":1}` throws): an object or array is no key.
  key: (v: unknown) => (v !== null && typeof v === "object" ? Object.prototype.toString.call(v) : String(v)),
  // `eq` compares as `switch` and `table` do, by the scalar's text (0 and "0" are equal); absent,
  // objects and lists equal nothing, since their text says nothing of their contents.
  eq: (a: unknown, b: unknown) =>
    a !== undefined && b !== undefined && (a === null || typeof a !== "object") && (b === null || typeof b !== "object") && String(a) === String(b),
  /** `eq` with a constant's text: a string is compared as it is, without making text of it */
  eqText: (a: unknown, text: string) =>
    typeof a === "string" ? a === text : (typeof a === "number" || typeof a === "boolean") && String(a) === text,
  truthy: (v: unknown) =>
    v !== undefined && v !== null && v !== false && v !== "" && !(Array.isArray(v) && v.length === 0),
  // A filter that cannot be evaluated on an item (`@.a.b` where `a` is absent) does not match it, as
  // in RFC 9535, rather than failing the request; filters that can never run are refused at compile time.
  jp: (path: string, json: unknown) =>
    json === undefined || json === null ? undefined : JSONPath({ path, json: json as object, wrap: true, ignoreEvalErrors: true }),
};

class Generator {
  readonly hoisted: string[] = [];
  readonly constants: unknown[] = [];
  readonly problems: CompileProblem[] = [];
  readonly usedFunctions = new Set<string>();
  private next = 0;

  constructor(
    private readonly functions: Record<string, MappingFunction>,
    private readonly defs: Record<string, unknown>,
  ) {}

  /** Returns a JS expression (over `s`, `r`, `c`) computing the template's value. */
  expr(t: unknown, at: Location): string {
    if (typeof t === "string") return this.string(t, at);
    if (t === null || typeof t === "number" || typeof t === "boolean") return JSON.stringify(t);
    if (Array.isArray(t)) return this.list(t, at);
    if (typeof t === "object") {
      const key = DIRECTIVE_KEYS.find((k) => k in (t as object));
      return key ? this.directive(key, t as Record<string, unknown>, at) : this.object(t as Record<string, unknown>, at);
    }
    this.problems.push({ path: at, message: `unsupported value ${String(t)}` });
    return "undefined";
  }

  private string(t: string, at: Location): string {
    if (t.startsWith("$$")) return JSON.stringify(t.slice(1));
    if (!isPath(t)) return JSON.stringify(t);
    if (!/^\$(root|ctx)?([.[]|$)/.test(t)) {
      this.problems.push({ path: at, message: `bad path "${t}": a path starts with $, $root or $ctx` });
      return "undefined";
    }
    const simple = parseSimplePath(t);
    if (simple) return pathCode(simple);
    const problem = filterProblem(t);
    if (problem) this.problems.push({ path: at, message: `bad path "${t}": ${problem}` });
    return `K.jp(${JSON.stringify(t.replace(/^\$(root|ctx)/, "$"))}, ${t.startsWith("$root") ? "r" : t.startsWith("$ctx") ? "c" : "s"})`;
  }

  /** Defs are compiled when first used, so a file pays only for the shared defs it needs. */
  private readonly compiledDefs = new Set<string>();
  def(name: string): void {
    if (this.compiledDefs.has(name)) return;
    this.compiledDefs.add(name); // before compiling, so a recursive def refers to itself
    this.hoisted.push(`function D_${name}(s, r, c) {\n  return ${this.expr(this.defs[name], ["defs", name])};\n}`);
  }

  private constant(v: unknown): string {
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    this.constants.push(deepFreeze(v));
    return `K.c[${this.constants.length - 1}]`;
  }

  private fn(body: string, params = "s, r, c"): string {
    const name = `f${this.next++}`;
    this.hoisted.push(`function ${name}(${params}) {\n${body}\n}`);
    return name;
  }

  private list(items: unknown[], at: Location): string {
    const lines = items.map((it, i) => `  v = ${this.expr(it, [...at, i])}; if (v !== undefined) out.push(v);`);
    return `${this.fn(`  const out = []; let v;\n${lines.join("\n")}\n  return out;`)}(s, r, c)`;
  }

  private object(t: Record<string, unknown>, at: Location): string {
    const typo = directiveTypo(t);
    if (typo) {
      this.problems.push({ path: [...at, typo.key], message: `unknown directive "${typo.key}": did you mean "${typo.directive}"?` });
      return "undefined";
    }
    const entries = Object.entries(t);
    if (!entries.length) return this.constant({});
    let always = false;
    const lines = entries.map(([k, v]) => {
      if (k === "...") return `  v = ${this.expr(v, [...at, k])}; if (v !== undefined) { Object.assign(o, v); n++; }`;
      if (v === null || typeof v === "number" || typeof v === "boolean" || (typeof v === "string" && !isPath(v)))
        always = true;
      return `  v = ${this.expr(v, [...at, k])}; if (v !== undefined) { o[${JSON.stringify(k)}] = v; n++; }`;
    });
    // An object whose every field came out empty is itself left out, so optional groups vanish.
    const ret = always ? "o" : "n ? o : undefined";
    return `${this.fn(`  const o = {}; let v, n = 0;\n${lines.join("\n")}\n  return ${ret};`)}(s, r, c)`;
  }

  /** Problems of `value` against `schema`, each at its own field under `at`; false when there are any. */
  private check(schema: TSchema, value: unknown, at: Location, what: string, label: string): boolean {
    if (Value.Check(schema, value)) return true;
    const seen = new Set<string>(); // a missing field is also of the wrong type: say it once
    for (const e of Value.Errors(schema, value)) {
      if (seen.has(e.path)) continue;
      seen.add(e.path);
      const field = e.path.split("/").filter(Boolean);
      const msg = e.type === 42 /* ObjectAdditionalProperties */
        ? `unknown key in ${what} (allowed: ${Object.keys((schema as any).properties).join(", ")})`
        : field.length || !schema.description ? e.message : `expected ${schema.description}`;
      this.problems.push({ path: [...at, ...field], message: `${label}: ${msg}` });
    }
    return false;
  }

  /** The code for a call's `args:`: checked against what the function takes, prepared once, passed as a constant. */
  private callArgs(name: string, fn: MappingFunction, t: Record<string, unknown>, at: Location): string | undefined {
    const given = "args" in t;
    if (fn.args) {
      if (KindGuard.IsUndefined(fn.args) && given) {
        this.problems.push({ path: [...at, "args"], message: `call: "${name}" takes no args` });
        return undefined;
      }
      if (!given && !KindGuard.IsOptional(fn.args) && !KindGuard.IsUndefined(fn.args)) {
        this.problems.push({ path: [...at, "call"], message: `call: "${name}" needs args` });
        return undefined;
      }
      if (given && !this.check(fn.args, t.args, [...at, "args"], "args", `call: ${name}: args`)) return undefined;
    }
    if (!given) return "";
    if (!fn.prepare) return `, ${this.constant(t.args)}`;
    try {
      // Prepared values (a RegExp) are not frozen: a global RegExp keeps state between matches.
      this.constants.push(fn.prepare(t.args));
      return `, K.c[${this.constants.length - 1}]`;
    } catch (e) {
      this.problems.push({ path: [...at, "args"], message: `call: ${name}: args: ${(e as Error).message}` });
      return undefined;
    }
  }

  private directive(key: string, t: Record<string, unknown>, at: Location): string {
    if (!this.check(Directives[key]!, t, at, `"${key}"`, key)) return "undefined";
    const sub = (k: string) => this.expr(t[k], [...at, k]);
    switch (key) {
      case "const":
        return this.constant(t.const);
      case "each": {
        const where = "where" in t ? `if (!K.truthy(${this.fn(`  return ${sub("where")};`)}(x, r, c))) continue; ` : "";
        const item = this.fn(`  return ${"as" in t ? sub("as") : "s"};`);
        const loop = this.fn(
          `  const a = ${sub("each")};\n  if (a === undefined) return undefined;\n` +
            `  const out = []; let v;\n  for (const x of Array.isArray(a) ? a : [a]) {\n` +
            `    ${where}v = ${item}(x, r, c); if (v !== undefined) out.push(v);\n  }\n  return out;`,
        );
        return `${loop}(s, r, c)`;
      }
      case "when":
      case "unless": {
        const cond = sub(key);
        const value = "value" in t ? sub("value") : "w";
        const els = "else" in t ? sub("else") : "undefined";
        const test = key === "when" ? "K.truthy(w)" : "!K.truthy(w)";
        return `${this.fn(`  const w = ${cond};\n  return ${test} ? ${value} : ${els};`)}(s, r, c)`;
      }
      case "switch": {
        const cases = Object.entries(t.cases as Record<string, unknown>).map(
          ([k, v]) => `    case ${JSON.stringify(k)}: return ${this.expr(v, [...at, "cases", k])};`,
        );
        const dflt = "default" in t ? sub("default") : "undefined";
        return `${this.fn(`  switch (K.key(${sub("switch")})) {\n${cases.join("\n")}\n    default: return ${dflt};\n  }`)}(s, r, c)`;
      }
      case "concat": {
        const parts = (t.concat as unknown[]).map(
          (it, i) =>
            `  v = ${this.expr(it, [...at, "concat", i])}; if (Array.isArray(v)) { for (const x of v) out.push(x); } else if (v !== undefined) out.push(v);`,
        );
        return `${this.fn(`  const out = []; let v;\n${parts.join("\n")}\n  return out;`)}(s, r, c)`;
      }
      case "first": {
        const tries = (t.first as unknown[]).map((it, i) => `  v = ${this.expr(it, [...at, "first", i])}; if (v !== undefined) return v;`);
        return `${this.fn(`  let v;\n${tries.join("\n")}\n  return undefined;`)}(s, r, c)`;
      }
      case "eq": {
        const items = t.eq as unknown[];
        const [a, b] = items.map((it, i) => this.expr(it, [...at, "eq", i]));
        // Against a constant (the usual case), its text is made once, here.
        const constant = items.findIndex((it) => ["number", "boolean"].includes(typeof it) || (typeof it === "string" && !isPath(it)));
        if (constant < 0) return `K.eq(${a}, ${b})`;
        const c = items[constant] as string | number | boolean;
        const text = typeof c === "string" && c.startsWith("$$") ? c.slice(1) : String(c);
        return `K.eqText(${constant === 0 ? b : a}, ${JSON.stringify(text)})`;
      }
      case "call": {
        const name = t.call as string;
        if (!Object.hasOwn(this.functions, name)) {
          this.problems.push({ path: [...at, "call"], message: `unknown function "${name}" (known: ${Object.keys(this.functions).sort().join(", ")})` });
          return "undefined";
        }
        const args = this.callArgs(name, this.functions[name]!, t, at);
        if (args === undefined) return "undefined";
        this.usedFunctions.add(name);
        const from = "from" in t ? sub("from") : "nn(s)";
        return `F_${name}(${from}, c${args})`;
      }
      case "use": {
        const name = t.use as string;
        if (!Object.hasOwn(this.defs, name)) {
          this.problems.push({ path: [...at, "use"], message: `unknown def "${name}" (defined: ${Object.keys(this.defs).join(", ") || "none"})` });
          return "undefined";
        }
        this.def(name);
        return `D_${name}(${"from" in t ? sub("from") : "s"}, r, c)`;
      }
      case "query": {
        const problem = filterProblem(t.query as string);
        if (problem) this.problems.push({ path: [...at, "query"], message: `bad path "${t.query}": ${problem}` });
        return `K.jp(${JSON.stringify(t.query)}, ${"from" in t ? sub("from") : "s"})`;
      }
      case "from": {
        const from = sub("from");
        const dflt = "default" in t ? sub("default") : "undefined";
        if (!("table" in t)) return `${this.fn(`  const v = ${from};\n  return v !== undefined ? v : ${dflt};`)}(s, r, c)`;
        const table = this.constant(new Map(Object.entries(deepFreeze(t.table as object))));
        return `${this.fn(`  const v = ${from};\n  const m = ${table}.get(K.key(v));\n  return v !== undefined && m !== undefined ? m : ${dflt};`)}(s, r, c)`;
      }
    }
    throw new Error(`unhandled directive ${key}`);
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !(v instanceof Map) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * Compiles one template (and the file's named defs) into a function of (input, ctx).
 * `at` is where the template sits in its file, so problems carry a full path.
 */
export function compileTemplate(
  template: unknown,
  opts: { functions: Record<string, MappingFunction>; defs?: Record<string, unknown>; at?: Location },
): { compiled?: CompiledTemplate; problems: CompileProblem[] } {
  const defs = opts.defs ?? {};
  const g = new Generator(opts.functions, defs);
  // Def names become JavaScript identifiers (`D_name`); anything else would not compile.
  for (const name of Object.keys(defs))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      g.problems.push({ path: ["defs", name], message: `bad def name "${name}": use letters, digits and _` });
  const main = g.expr(template, opts.at ?? []);
  if (g.problems.length) return { problems: g.problems };
  const binds = [...g.usedFunctions].map((n) => `const F_${n} = K.f[${JSON.stringify(n)}];`);
  const source = [
    `"use strict";`,
    `const nn = K.nn;`,
    ...binds,
    ...g.hoisted,
    `return function mapping(input, ctx) {\n  const s = input, r = input, c = ctx;\n  return ${main};\n};`,
  ].join("\n");
  const scope = { ...RUNTIME, c: g.constants, f: opts.functions };
  const run = new Function("K", source)(scope) as CompiledTemplate["run"];
  return { compiled: { run, source }, problems: [] };
}

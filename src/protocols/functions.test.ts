// The functions named in the mappings: the DSL's built-ins, and few protocol escape hatches.
import { expect, test } from "bun:test";
import { builtins } from "../mapping/builtins.ts";
import { DIRECTIVE_KEYS } from "../mapping/schema.ts";
import { builtinMappings, mappingFunctions as allFunctions, protocolFunctions as byProtocol } from "./index.ts";

const BUILTIN_MAPPINGS = builtinMappings();
const mappingFunctions = allFunctions();
const protocolFunctions = byProtocol();

/** At most this many protocol functions may be named across mappings/: the rest is the DSL's to say. */
const MAX_PROTOCOL_FUNCTIONS = 12;

/** Every `call:` name in a template, found as the compiler finds directives (`const` holds no template). */
function calls(t: unknown, out: Map<string, number>): void {
  if (Array.isArray(t)) return t.forEach((x) => calls(x, out));
  if (!t || typeof t !== "object") return;
  const o = t as Record<string, unknown>;
  const directive = DIRECTIVE_KEYS.find((k) => k in o);
  if (directive === "const") return;
  if (directive === "call") out.set(o.call as string, (out.get(o.call as string) ?? 0) + 1);
  for (const [k, v] of Object.entries(o)) if (!(directive === "call" && k === "args")) calls(v, out);
}

const named = new Map<string, number>();
for (const [name, text] of Object.entries(BUILTIN_MAPPINGS))
  calls(Bun.YAML.parse(text), named); // compat/ is not among them: it holds prompt text, not templates

const registered = new Map(Object.entries(protocolFunctions).flatMap(([p, fns]) => Object.keys(fns).map((n) => [n, p] as const)));

test(`at most ${MAX_PROTOCOL_FUNCTIONS} protocol functions are named in mappings/, besides the built-ins`, () => {
  const used = [...named.keys()].filter((n) => !Object.hasOwn(builtins, n)).sort();
  expect(used.length).toBeGreaterThan(0);
  expect(used.length, `protocol functions named in mappings/: ${used.join(", ")}`).toBeLessThanOrEqual(MAX_PROTOCOL_FUNCTIONS);
});

test("every name a mapping calls is a built-in or a registered protocol function", () => {
  const unknown = [...named.keys()].filter((n) => !Object.hasOwn(builtins, n) && !registered.has(n));
  expect(unknown).toEqual([]);
});

test("a protocol function neither shadows a built-in nor another protocol's function", () => {
  const names = Object.values(protocolFunctions).flatMap((fns) => Object.keys(fns));
  expect(names.filter((n) => Object.hasOwn(builtins, n))).toEqual([]);
  expect(names.length).toBe(new Set(names).size);
  expect(Object.keys(mappingFunctions).length).toBe(Object.keys(builtins).length + names.length);
});

test("every registered protocol function is named by some mapping", () => {
  expect([...registered.keys()].filter((n) => !named.has(n))).toEqual([]);
});

test("every function says what args it takes, so a wrong one is refused when the mappings load", () => {
  expect(Object.entries(mappingFunctions).filter(([, fn]) => !fn.args).map(([n]) => n)).toEqual([]);
});

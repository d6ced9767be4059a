// A user's mapping file that starts `override: keys` changes the built-in file of the same name key
// by key instead of replacing it whole: each of its other top-level keys names one node of the
// built-in spec (a top-level key, or a dotted path to a table inside one, `encodeFinish.table`) and
// replaces that node. A key the built-in spec does not have is an error, with the nearest name.
import { errorAt, type SourceError, type YamlSource } from "../config/yaml-source.ts";
import { nearest } from "./near.ts";

export const OVERRIDE_MARKER = "override";
export const OVERRIDE_MODE = "keys";

type Path = (string | number)[];

/** A spec as compiled: the built-in one with the user's replacements, or a file read whole. */
export interface SpecSource extends YamlSource {
  /** The nodes an override replaced: errors under one point into the user's file, at its key. */
  replaced?: { path: Path; key: string; source: YamlSource }[];
}

/** file:line for `path` of the compiled spec: in the user's file when that node came from it. */
export function errorIn(source: SpecSource, path: readonly (string | number)[], message: string): SourceError {
  for (const r of source.replaced ?? [])
    if (r.path.every((step, i) => path[i] === step)) {
      const at = errorAt(r.source, [r.key, ...path.slice(r.path.length)], message);
      return { ...at, field: path.join(".") };
    }
  return errorAt(source, path, message);
}

export function isOverride(value: unknown): boolean {
  return isMap(value) && Object.hasOwn(value, OVERRIDE_MARKER);
}

/**
 * The built-in spec with the user's keys put in place. The built-in value is the caller's own
 * fresh parse, so it is changed in place (a replaced key keeps its position, so output order holds).
 */
export function applyOverride(user: YamlSource, builtin: YamlSource): { source?: SpecSource; errors: SourceError[] } {
  const value = user.value as Record<string, unknown>;
  if (value[OVERRIDE_MARKER] !== OVERRIDE_MODE)
    return {
      errors: [
        errorAt(user, [OVERRIDE_MARKER], `must be "${OVERRIDE_MODE}" (each other key then replaces that key or table of the built-in file); without it the file replaces the built-in one whole`),
      ],
    };
  const errors: SourceError[] = [];
  const replaced: NonNullable<SpecSource["replaced"]> = [];
  const target = builtin.value as Record<string, unknown>;
  for (const [key, node] of Object.entries(value)) {
    if (key === OVERRIDE_MARKER) continue;
    const found = locate(target, key, []);
    if ("missing" in found) {
      errors.push(errorAt(user, [key], missingMessage(builtin.file, found)));
      continue;
    }
    const parent = found.path.slice(0, -1).reduce((o: any, step) => o[step], target);
    parent[found.path.at(-1)!] = node;
    replaced.push({ path: found.path, key, source: user });
  }
  if (errors.length) return { errors };
  const source: SpecSource = {
    file: builtin.file,
    value: target,
    replaced,
    // The built-in's positions are made only when an error needs a line.
    get doc() {
      return builtin.doc;
    },
    get lines() {
      return builtin.lines;
    },
  };
  return { source, errors };
}

type Located = { path: Path } | { missing: string; at: Path; known: string[] };

/**
 * The path of `key` in `node`: the key itself when the node has it (keys may hold dots, like
 * `...`), else the longest own key followed by a dot, and the rest looked up under it.
 */
function locate(node: unknown, key: string, at: Path): Located {
  const own = isMap(node) ? Object.keys(node) : Array.isArray(node) ? node.map((_, i) => String(i)) : [];
  const step = (k: string) => (Array.isArray(node) ? Number(k) : k);
  if (own.includes(key)) return { path: [...at, step(key)] };
  const head = own.filter((k) => key.startsWith(`${k}.`)).sort((a, b) => b.length - a.length)[0];
  if (head !== undefined) return locate((node as any)[step(head)], key.slice(head.length + 1), [...at, step(head)]);
  return { missing: key.split(".")[0]!, at, known: own };
}

function missingMessage(file: string, m: { missing: string; at: Path; known: string[] }): string {
  const where = m.at.length ? `"${m.at.join(".")}" of ${file}` : file;
  const near = nearest(m.missing, m.known, Math.max(2, Math.floor(m.missing.length / 3)));
  const hint = near
    ? `; did you mean "${[...m.at, near].join(".")}"?`
    : m.known.length && m.known.length <= 12
      ? ` (it has: ${m.known.join(", ")})`
      : "";
  return `the built-in ${where} has no "${m.missing}", so an override cannot replace it${hint}`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

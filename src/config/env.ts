// `${NAME}` in the config. A value goes into the parsed scalars, never into the YAML text: a value is
// only ever a string, so `*abc` is no alias, `a,b` stays one list item and `#` no comment. The text is
// parsed with a plain word standing in for each `${…}`, since `{` and `}` are YAML flow indicators
// (`keys: [${K}]` would not parse as written); lines are kept, so errors still point right.
import { isPair, isScalar, isSeq, visit, type Document, type Scalar } from "yaml";

export interface MissingVar {
  name: string;
  line: number;
}

export interface Masked {
  /** The text with each `${…}` replaced by a placeholder word */
  text: string;
  missing: MissingVar[];
  /** By placeholder number: the value, and the token as written (for messages, which never show values) */
  slots: { value: string; written: string }[];
  /** The placeholders are `${prefix}<n>_`; the prefix occurs nowhere in the file's own text */
  prefix: string;
}

// $${NAME} is the escape; ${NAME:-default} allows the variable to be unset (default may be empty).
const VAR = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}\n]*))?\}/g;

// A whole-line comment is left alone: commented-out lines often name variables that are not set.
const COMMENT_LINE = /^\s*#/;

export function maskVariables(text: string, env: Readonly<Record<string, string | undefined>>): Masked {
  let prefix: string;
  do prefix = `__ccproxy_env_${Math.random().toString(36).slice(2, 10)}_`;
  while (text.includes(prefix));
  const missing: MissingVar[] = [];
  const slots: Masked["slots"] = [];
  const slot = (value: string, written: string) => `${prefix}${slots.push({ value, written }) - 1}_`;
  const lines = text.split("\n").map((line, i) => {
    if (COMMENT_LINE.test(line) || !line.includes("${")) return line;
    return line.replace(VAR, (whole, escape: string, name: string, fallback: string | undefined) => {
      if (escape) return slot(whole.slice(1), whole);
      const value = env[name];
      // Like the shell: `:-` also covers a variable that is set but empty.
      if (fallback !== undefined) return slot(value ? value : fallback, whole);
      if (value === undefined) {
        missing.push({ name, line: i + 1 });
        return slot(name, whole); // a plain word keeps the document whole, so the other errors still show
      }
      return slot(value, whole);
    });
  });
  return { text: lines.join("\n"), missing, slots, prefix };
}

function placeholders(m: Masked): RegExp {
  return new RegExp(`${m.prefix}(\\d+)_`, "g");
}

/**
 * Puts the values into the parsed document's scalars, keys included. Returns the paths of the plain
 * (unquoted) values that held a variable: as in the YAML they stand for, `maxTokens: ${MAX}` may be
 * a number, which only the schema can decide.
 */
export function fillVariables(doc: Document, m: Masked): (string | number)[][] {
  if (!m.slots.length) return [];
  const re = placeholders(m);
  const typed: { node: Scalar; ancestors: readonly unknown[] }[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (typeof node.value !== "string" || !node.value.includes(m.prefix)) return;
      node.value = node.value.replace(re, (_, n: string) => m.slots[Number(n)]!.value);
      if (key !== "key" && node.type === "PLAIN") typed.push({ node, ancestors });
    },
  });
  return typed.map(({ node, ancestors }) => jsPath(node, ancestors));
}

/** A node's path as in the document's JS value: map keys as strings, list items by index. */
function jsPath(node: unknown, ancestors: readonly unknown[]): (string | number)[] {
  const out: (string | number)[] = [];
  ancestors.forEach((a, i) => {
    const child = ancestors[i + 1] ?? node;
    if (isPair(a)) out.push(String(isScalar(a.key) ? a.key.value : a.key));
    else if (isSeq(a)) out.push(a.items.indexOf(child as never));
  });
  return out;
}

/** A message about the masked text, with each placeholder shown as written (`${NAME}`), never its value. */
export function unmask(message: string, m: Masked): string {
  return message.includes(m.prefix) ? message.replace(placeholders(m), (_, n: string) => m.slots[Number(n)]!.written) : message;
}

export function missingMessage(name: string): string {
  return `environment variable ${name} is not set (write \${${name}:-} to allow it to be empty)`;
}

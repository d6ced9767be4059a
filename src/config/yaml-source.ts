// YAML parsed with positions kept, so that every error can name file:line for a path in the document.
import { LineCounter, parseDocument, isNode, visit, type Document, type Alias } from "yaml";

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
}

export interface SourceError {
  file: string;
  /** 0 when the problem has no line (a missing file, a command-line flag) */
  line: number;
  /** Dotted path of the field the error is about, e.g. `messages.as.content` */
  field: string;
  message: string;
}

/** An alias expands to a copy of its anchor; more than this many expansions is refused as a bomb. */
const MAX_ALIASES = 100;

export interface ParsedDocument {
  doc?: Document.Parsed;
  lines: LineCounter;
  errors: SourceError[];
}

/** The syntax pass alone: a caller may edit the document (`${VAR}` values) before taking its value. */
export function parseYamlDocument(file: string, text: string): ParsedDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // The first syntax error is the useful one; the rest cascade from it.
  const errors = doc.errors.slice(0, 1).map((e) => ({
    file,
    line: lines.linePos(e.pos[0]).line,
    field: "",
    message: e.message.split("\n")[0]!,
  }));
  return errors.length ? { lines, errors } : { doc, lines, errors };
}

/**
 * The document's value. An alias that names no anchor, or too many expansions, throws inside the
 * yaml package; that must be a file:line error, never an exception (a reload would die of it).
 */
export function sourceOf(file: string, doc: Document.Parsed, lines: LineCounter): { source?: YamlSource; errors: SourceError[] } {
  try {
    return { source: { file, doc, lines, value: doc.toJS({ maxAliasCount: MAX_ALIASES }) }, errors: [] };
  } catch (e) {
    const aliases: Alias[] = [];
    visit(doc, { Alias: (_, node) => void aliases.push(node) });
    const unresolved = aliases.find((a) => a.resolve(doc) === undefined);
    const at = unresolved ?? aliases[0];
    const line = at?.range ? lines.linePos(at.range[0]).line : 1;
    const message = unresolved
      ? `alias *${unresolved.source} names no anchor defined before it`
      : aliases.length
        ? `too many alias expansions (at most ${MAX_ALIASES})`
        : `cannot read the document: ${(e as Error).message.split("\n")[0]}`;
    return { errors: [{ file, line, field: "", message }] };
  }
}

export function parseYaml(file: string, text: string): { source?: YamlSource; errors: SourceError[] } {
  const parsed = parseYamlDocument(file, text);
  return parsed.doc ? sourceOf(file, parsed.doc, parsed.lines) : { errors: parsed.errors };
}

/** Line of the deepest node that exists along `path` (falls back to the parent when a key is missing). */
export function lineOf(source: YamlSource, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = source.doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return source.lines.linePos(node.range[0]).line;
  }
  return 1;
}

export function errorAt(source: YamlSource, path: readonly (string | number)[], message: string): SourceError {
  return { file: source.file, line: lineOf(source, path), field: path.join("."), message };
}

export function formatError(e: SourceError): string {
  return `${e.file}${e.line > 0 ? `:${e.line}` : ""}: ${e.field ? e.field + ": " : ""}${e.message}`;
}

/** A parsed value as an object's fields, or undefined when it is not a plain object. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

// YAML parsed with positions kept, so that every error can name file:line for a path in the document.
import { LineCounter, parseDocument, isNode, type Document } from "yaml";

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
}

export interface SourceError {
  file: string;
  line: number;
  /** Dotted path of the field the error is about, e.g. `messages.as.content` */
  field: string;
  message: string;
}

export function parseYaml(file: string, text: string): { source?: YamlSource; errors: SourceError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // The first syntax error is the useful one; the rest cascade from it.
  const errors = doc.errors.slice(0, 1).map((e) => ({
    file,
    line: lines.linePos(e.pos[0]).line,
    field: "",
    message: e.message.split("\n")[0]!,
  }));
  if (errors.length) return { errors };
  return { source: { file, doc, lines, value: doc.toJS({ maxAliasCount: 100 }) }, errors: [] };
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
  return `${e.file}:${e.line}: ${e.field ? e.field + ": " : ""}${e.message}`;
}

// What a `shape:` block's schema cannot say, checked with the rest of the config (`ccproxy check`).
import { asRecord, errorAt, type SourceError, type YamlSource } from "./yaml-source.ts";
import { RESERVED_EXTRA, TOOL_GLOB } from "./shape.ts";

export function checkShapes(source: YamlSource, at: string[], models: unknown, out: SourceError[]): void {
  for (const [pattern, entry] of Object.entries(asRecord(models) ?? {})) checkShape(source, [...at, pattern, "shape"], asRecord(entry)?.shape, out);
}

/** What a `shape:` block's schema cannot say: one prompt edit, tool patterns that can match, no encoder-owned extras. */
export function checkShape(source: YamlSource, at: string[], shape: unknown, out: SourceError[]): void {
  const s = asRecord(shape);
  if (!s) return;
  const prompt = asRecord(s.prompt);
  if (prompt) {
    const ops = ["prepend", "append", "replace"].filter((k) => prompt[k] !== undefined);
    if (ops.length !== 1)
      out.push(errorAt(source, [...at, "prompt"], ops.length ? `holds ${ops.join(" and ")}: give one of prepend, append, replace` : "needs one of prepend, append, replace"));
  }
  if (Array.isArray(s.dropTools))
    s.dropTools.forEach((name, i) => {
      if (typeof name === "string" && name && !TOOL_GLOB.test(name))
        out.push(errorAt(source, [...at, "dropTools", i], `"${name}" can never match a tool name (letters, digits, "_", "-", ".", ":"; a glob adds "*" and "?")`));
    });
  const params = asRecord(s.params);
  for (const k of ["temperature", "top_p"]) {
    const scale = asRecord(params?.[k])?.scale;
    if (typeof scale === "number" && !(scale > 0)) out.push(errorAt(source, [...at, "params", k, "scale"], "must be greater than 0"));
  }
  for (const key of Object.keys(asRecord(params?.extra) ?? {}))
    if ((RESERVED_EXTRA as readonly string[]).includes(key))
      out.push(errorAt(source, [...at, "params", "extra", key], `"${key}" is the encoder's to set; extra fields may not override ${RESERVED_EXTRA.join(", ")}`));
}

// What makes an answer a violation. Each rule returns its kind and a short reason; an answer may
// break several.
import type { Client } from "./routes.ts";

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

export interface Violation {
  kind: string;
  detail: string;
}

/** The marks of a stack trace or a source path. */
const TRACES = ["    at ", ".ts:", "node_modules"];

/** Is `j` an error body in `client`'s own shape? */
export function errorShaped(client: Client, j: any): boolean {
  if (j === null || typeof j !== "object") return false;
  switch (client) {
    case "openai":
      return typeof j.error?.message === "string" && typeof j.error?.type === "string";
    case "claude":
      return j.type === "error" && typeof j.error?.type === "string" && typeof j.error?.message === "string";
    case "gemini":
      return typeof j.error?.code === "number" && typeof j.error?.message === "string" && typeof j.error?.status === "string";
    case "ollama":
      return typeof j.error === "string";
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The JSON values a 200 carries: the whole body, each SSE data line, or each NDJSON line. */
function frames(a: Answer): { values: unknown[]; bad?: string } {
  const values: unknown[] = [];
  if (a.contentType.includes("text/event-stream")) {
    for (const line of a.text.split(/\r?\n/)) {
      if (line.startsWith("event: error")) return { values, bad: line };
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") continue;
      const v = parse(data);
      if (v === undefined) return { values, bad: `data that is not JSON: ${data.slice(0, 80)}` };
      values.push(v);
    }
    return { values };
  }
  if (a.contentType.includes("ndjson")) {
    for (const line of a.text.split("\n")) {
      if (!line.trim()) continue;
      const v = parse(line);
      if (v === undefined) return { values, bad: `a line that is not JSON: ${line.slice(0, 80)}` };
      values.push(v);
    }
    return { values };
  }
  const v = parse(a.text);
  return v === undefined ? { values, bad: `a body that is not JSON: ${a.text.slice(0, 80)}` } : { values: Array.isArray(v) ? v : [v] };
}

export function judge(client: Client, a: Answer, secrets: readonly string[], expect?: number | "2xx"): Violation[] {
  const out: Violation[] = [];
  const head = a.text.slice(0, 160);
  if (a.status >= 500) out.push({ kind: "5xx", detail: `${a.status} ${head}` });
  else if (a.status >= 400) {
    const j = parse(a.text);
    if (!errorShaped(client, j)) out.push({ kind: "shape", detail: `${a.status} not a ${client} error: ${head}` });
  } else if (a.status >= 200 && a.status < 300) {
    const f = frames(a);
    if (f.bad) out.push({ kind: "frames", detail: f.bad });
    const err = f.values.find((v) => v && typeof v === "object" && "error" in v);
    if (err) out.push({ kind: "stream-error", detail: JSON.stringify(err).slice(0, 160) });
  }
  if (expect !== undefined && a.status < 500) {
    const ok = expect === "2xx" ? a.status >= 200 && a.status < 300 : a.status === expect;
    if (!ok) out.push({ kind: "status", detail: `expected ${expect}, got ${a.status}: ${head}` });
  }
  for (const t of TRACES) if (a.text.includes(t)) out.push({ kind: "trace", detail: `holds "${t}": ${a.text.slice(Math.max(0, a.text.indexOf(t) - 80), a.text.indexOf(t) + 80)}` });
  for (const s of secrets) if (a.text.includes(s)) out.push({ kind: "key", detail: `holds a configured key` });
  return out;
}

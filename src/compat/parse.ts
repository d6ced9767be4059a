// The tag parser of tool compatibility mode: a model's text in, text pieces and tool calls out.
// One scanner serves whole responses (push everything, then end) and streams (push each chunk):
// text is passed on as it comes, holding back only what may still become the start of a tag.
import { coerce } from "./coerce.ts";

export interface KnownTool {
  name: string;
  parameters?: unknown;
}

export type Piece = { type: "text"; text: string } | { type: "call"; name: string; input: Record<string, unknown> };

/** A call the model wrote but that cannot be made: it reaches the client as text. */
export interface Malformed {
  reason: string;
  text: string;
}

export interface Scanner {
  push(text: string): Piece[];
  /** The output ended: what is held back is settled (an unclosed last call is still a call). */
  end(): Piece[];
}

const TAG = "<tool_call";
// An opening tag, with the code fence a model may put around its calls; the name may be an attribute.
const OPEN = /(```[\w-]*\s*)?<tool_call(?:\s+name\s*=\s*["']([^"']*)["'])?\s*>/;
const CLOSE = /<\/tool_call\s*>/;
const CLOSE_LEN = "</tool_call >".length + 4;
// Everything at the end of the text that may still grow into an opening: trailing whitespace, a
// fence, and any prefix of `<tool_call` (with attributes not yet closed).
const PARTIAL = TAG.slice(1).split("").reduceRight((inner, ch) => `(?:${escape(ch)}${inner})?`, "(?:\\s[^<>]*)?");
const HOLD = new RegExp(`\\s*(?:\`\`\`[\\w-]*\\s*|\`{1,2})?(?:<${PARTIAL})?$`);
const CLOSING_FENCE = /^\s*```[ \t]*/;

function escape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function createScanner(tools: readonly KnownTool[], onMalformed: (m: Malformed) => void): Scanner {
  const byName = new Map(tools.map((t) => [t.name, t]));
  let buf = "";
  /** The open tag found in `buf` (at 0) whose closing tag has not come yet */
  let open: { end: number; name?: string; fenced: boolean; searched: number; gap: string } | undefined;
  let afterCall = false; // the whitespace after a call is not text
  let fenced = false; // the calls sit in a code fence whose closing line is swallowed too
  let fences = 0; // fences in the text passed on: an odd count means a code block is open

  function text(out: Piece[], t: string) {
    if (afterCall) t = t.trimStart();
    if (!t) return;
    afterCall = false;
    fenced = false;
    fences += countFences(t);
    const last = out[out.length - 1];
    if (last?.type === "text") last.text += t;
    else out.push({ type: "text", text: t });
  }

  /** `gap`: the whitespace between the text and the tag, which stays only if the call is text after all */
  function call(out: Piece[], raw: string, body: string, name: string | undefined, gap: string) {
    const made = toCall(body, name, byName);
    if ("reason" in made) {
      onMalformed({ reason: made.reason, text: raw });
      return text(out, gap + raw);
    }
    out.push({ type: "call", ...made });
    afterCall = true;
  }

  function drain(final: boolean): Piece[] {
    const out: Piece[] = [];
    for (;;) {
      if (fenced) {
        const f = CLOSING_FENCE.exec(buf);
        if (f) (buf = buf.slice(f[0].length)), (fenced = false);
      }
      if (!open) {
        const m = OPEN.exec(buf);
        if (!m) {
          const keep = final ? buf.length : HOLD.exec(buf)!.index;
          text(out, buf.slice(0, keep));
          buf = buf.slice(keep);
          return out;
        }
        // A fence right before the tag that closes a code block of the text is the text's, not the call's.
        const ownFence = !!m[1] && (fences + countFences(buf.slice(0, m.index))) % 2 === 0;
        const start = ownFence ? m.index : m.index + (m[1]?.length ?? 0);
        const before = buf.slice(0, start).trimEnd();
        text(out, before);
        const gap = buf.slice(before.length, start);
        buf = buf.slice(start);
        open = { end: m[0].length - (ownFence ? 0 : m[1]?.length ?? 0), name: m[2], fenced: ownFence, searched: 0, gap };
      }
      const from = Math.max(open.end, open.searched);
      const c = CLOSE.exec(buf.slice(from));
      if (!c && !final) {
        open.searched = Math.max(open.end, buf.length - CLOSE_LEN);
        return out;
      }
      const stop = c ? from + c.index + c[0].length : buf.length;
      const o = open;
      open = undefined;
      call(out, buf.slice(0, stop), buf.slice(o.end, c ? from + c.index : buf.length), o.name, o.gap);
      if (o.fenced && afterCall) fenced = true;
      buf = buf.slice(stop);
      if (!buf) return out;
    }
  }

  return {
    push(t) {
      buf += t;
      return drain(false);
    },
    end() {
      const out = drain(true);
      buf = "";
      return out;
    },
  };
}

const countFences = (t: string) => t.split("```").length - 1;

/** The call a tag's body describes, or why it cannot be made. */
function toCall(
  body: string,
  attrName: string | undefined,
  tools: Map<string, KnownTool>,
): { name: string; input: Record<string, unknown> } | { reason: string } {
  const src = body.trim().replace(/^```[\w-]*\s*/, "").replace(/\s*```$/, "");
  const value = parseJson(src);
  if (value === undefined) return { reason: "the call is not valid JSON" };
  let name = attrName;
  let args: unknown = value;
  if (name === undefined) {
    if (!isObject(value)) return { reason: "the call is not a JSON object" };
    const fn = isObject(value.function) ? value.function : value;
    name = typeof fn.name === "string" ? fn.name : undefined;
    args = fn.arguments ?? fn.parameters ?? fn.input ?? {};
  }
  if (typeof args === "string") args = parseJson(args);
  if (!name) return { reason: "the call names no tool" };
  const tool = tools.get(name);
  if (!tool) return { reason: `unknown tool "${name}"` };
  if (!isObject(args)) return { reason: `the arguments of "${name}" are not a JSON object` };
  return { name, input: coerce(args, tool.parameters) as Record<string, unknown> };
}

/** JSON text to a value; tolerates text after the first complete value (a model's stray brace). */
function parseJson(src: string): unknown {
  if (!src) return undefined;
  try {
    return JSON.parse(src);
  } catch {
    const end = valueEnd(src);
    if (end < 0 || end === src.length) return undefined;
    try {
      return JSON.parse(src.slice(0, end));
    } catch {
      return undefined;
    }
  }
}

/** Where the first balanced object or array of `src` ends, or -1. */
function valueEnd(src: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") if (--depth === 0) return i + 1;
  }
  return -1;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Stream framing on the wire: bytes → frames (SSE events, NDJSON lines) and frames → text.
// Parsers are incremental: chunks may split anywhere, including inside a UTF-8 character or a CRLF.

export interface Frame {
  event?: string;
  data: unknown;
}

export interface FrameParser {
  /** Frames completed by this chunk; `data` is the raw text of the event's data lines. */
  push(chunk: Uint8Array): { event?: string; data: string }[];
  /** Whatever the last chunk left complete but undispatched. */
  end(): { event?: string; data: string }[];
}

/** Server-sent events per the WHATWG grammar: CR, LF or CRLF line ends, comments, multi-line data. */
export function sseParser(): FrameParser {
  const decoder = new TextDecoder();
  let buf = "";
  let event: string | undefined;
  let data: string[] = [];
  let skipLf = false; // a chunk ended on CR: a following LF belongs to the same line end

  function lines(text: string, out: { event?: string; data: string }[]) {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      if (ch === 10 && skipLf && i === start && start === 0 && buf === "") {
        skipLf = false;
        start = i + 1;
        continue;
      }
      line(buf + text.slice(start, i), out);
      buf = "";
      if (ch === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else skipLf = true;
      }
      start = i + 1;
    }
    buf += text.slice(start);
  }

  function line(l: string, out: { event?: string; data: string }[]) {
    skipLf = false;
    if (l === "") {
      if (data.length) out.push({ event, data: data.join("\n") });
      event = undefined;
      data = [];
      return;
    }
    if (l.charCodeAt(0) === 58 /* : */) return;
    const colon = l.indexOf(":");
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? "" : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  }

  return {
    push(chunk) {
      const out: { event?: string; data: string }[] = [];
      const text = decoder.decode(chunk, { stream: true });
      if (skipLf && text.charCodeAt(0) === 10) {
        skipLf = false;
        lines(text.slice(1), out);
      } else lines(text, out);
      return out;
    },
    end() {
      const out: { event?: string; data: string }[] = [];
      lines(decoder.decode(), out);
      if (buf) line(buf, out), (buf = "");
      if (data.length) out.push({ event, data: data.join("\n") }), (data = []);
      return out;
    },
  };
}

/** Newline-delimited JSON: one frame per non-empty line. */
export function ndjsonParser(): FrameParser {
  const decoder = new TextDecoder();
  let buf = "";
  const split = (text: string) => {
    const out: { data: string }[] = [];
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const l = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (l) out.push({ data: l });
    }
    return out;
  };
  return {
    push: (chunk) => split(decoder.decode(chunk, { stream: true })),
    end: () => {
      const out = split(decoder.decode());
      if (buf.trim()) out.push({ data: buf.trim() });
      buf = "";
      return out;
    },
  };
}

/**
 * One streamed JSON array (Gemini's REST stream without `alt=sse`): `[{…}\n,\r\n{…}]`.
 * Each top-level element is a frame; brackets, commas and whitespace between elements are skipped.
 */
export function jsonArrayParser(): FrameParser {
  const decoder = new TextDecoder();
  let buf = "";
  let depth = 0; // 0 outside the array, 1 between elements, more inside one
  let inString = false;
  let escaped = false;
  let start = -1;
  const scan = (text: string) => {
    const out: { data: string }[] = [];
    const from = buf.length;
    buf += text;
    for (let i = from; i < buf.length; i++) {
      const ch = buf[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === "\\") escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === "[" || ch === "{") {
        if (depth === 1) start = i;
        depth++;
      } else if (ch === "]" || ch === "}") {
        depth--;
        if (depth === 1 && start >= 0) out.push({ data: buf.slice(start, i + 1) }), (start = -1);
      }
    }
    // Keep only the element in progress.
    if (start >= 0) (buf = buf.slice(start)), (start = 0);
    else buf = "";
    return out;
  };
  return {
    push: (chunk) => scan(decoder.decode(chunk, { stream: true })),
    end: () => scan(decoder.decode()),
  };
}

export function frameParser(kind: "sse" | "ndjson" | "json"): FrameParser {
  return kind === "ndjson" ? ndjsonParser() : kind === "json" ? jsonArrayParser() : sseParser();
}

export interface FrameWriter {
  write(f: Frame): string;
  /** What closes the stream: the JSON array's `]`, nothing for SSE and NDJSON. */
  end(): string;
}

/** Frames → text; a JSON array needs to know whether an element came before. */
export function frameWriter(kind: "sse" | "ndjson" | "json"): FrameWriter {
  if (kind !== "json") return { write: (f) => writeFrame(kind, f), end: () => "" };
  let first = true;
  return {
    write(f) {
      const data = typeof f.data === "string" ? f.data : JSON.stringify(f.data);
      const sep = first ? "[" : ",\r\n";
      first = false;
      return sep + data;
    },
    end: () => (first ? "[]" : "]"),
  };
}

/** Text of one frame as the client's protocol frames it. */
export function writeFrame(kind: "sse" | "ndjson" | "json", f: Frame): string {
  const data = typeof f.data === "string" ? f.data : JSON.stringify(f.data);
  if (kind === "ndjson") return data + "\n";
  return f.event ? `event: ${f.event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

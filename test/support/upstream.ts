// Scripted fake upstream (OpenAI, Claude, Gemini, Ollama, OpenAI Responses) for proxy tests: records
// every request and answers each with the next queued reply, encoded in that protocol's exact wire format.
import type { Server } from "bun";

export type Protocol = "openai" | "claude" | "gemini" | "ollama";
/**
 * What the scripted upstream speaks: every Protocol, and the OpenAI Responses API, which the tests
 * iterating every Protocol do not cover yet.
 */
export type UpstreamProtocol = Protocol | "responses";
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>; // lower-cased names
  body: any; // parsed JSON, else raw text, undefined when empty
  /** Set when the caller went away before the reply was done (the proxy aborted its upstream call) */
  aborted?: boolean;
}
export type SseEvent = { event?: string; data: unknown /* object → JSON; string → as is, e.g. "[DONE]" */ };
export type Reply =
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | { sse: SseEvent[]; status?: number; delayMs?: number; cut?: boolean }
  | { ndjson: unknown[]; delayMs?: number; cut?: boolean }
  | { raw: string | (string | Uint8Array)[]; status?: number; contentType?: string; delayMs?: number }
  | { error: number; body?: unknown; headers?: Record<string, string> };
export type ScriptItem = Reply | ((req: Received) => Reply | Promise<Reply>);
export interface Upstream {
  url: string; // provider baseUrl: openai and responses "http://127.0.0.1:PORT/v1", others "http://127.0.0.1:PORT"
  received: Received[];
  script(...replies: ScriptItem[]): void;
  close(): Promise<void>;
}

const ROUTES: Record<UpstreamProtocol, string[]> = {
  openai: ["POST /v1/chat/completions", "POST /v1/embeddings", "GET /v1/models"],
  responses: ["POST /v1/responses"],
  claude: ["POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models"],
  gemini: ["GET /v1beta/models"],
  ollama: ["POST /api/chat", "POST /api/generate", "POST /api/embed", "POST /api/embeddings", "GET /api/tags", "POST /api/show", "GET /api/version"],
};
/** Routes with the model in the path */
const PATTERNS: Partial<Record<UpstreamProtocol, RegExp>> = {
  gemini: /^POST \/v1beta\/models\/[^/:]+:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/,
};
/** google.rpc.Status names Gemini gives each HTTP status */
const GEMINI_STATUSES: Record<number, string> = {
  400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
};

const CLAUDE_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};
const CLAUDE_DEFAULT_MESSAGES: Record<string, string> = {
  invalid_request_error: "Invalid request",
  authentication_error: "invalid x-api-key",
  billing_error: "Billing error",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "Not found",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "Number of requests has exceeded your rate limit",
  api_error: "Internal server error",
  timeout_error: "Request timed out",
  overloaded_error: "Overloaded",
};

let requestSeq = 0;
const requestId = () => `req_test${String(++requestSeq).padStart(6, "0")}`;

/** The exact error body a real upstream sends for `status`. */
export function errorBody(protocol: UpstreamProtocol, status: number, message?: string): unknown {
  if (protocol === "gemini") {
    const name = GEMINI_STATUSES[status] ?? (status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
    return { error: { code: status, message: message ?? `Upstream error ${status}`, status: name } };
  }
  if (protocol === "claude") {
    const type = CLAUDE_ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
    return { type: "error", error: { type, message: message ?? CLAUDE_DEFAULT_MESSAGES[type] }, request_id: requestId() };
  }
  // Ollama: the message only (docs/api/errors.mdx).
  if (protocol === "ollama") return { error: message ?? (status === 404 ? "model not found" : `upstream error ${status}`) };
  // OpenAI (chat and Responses): 429 is type "requests" (rate limit), 5xx "server_error", other 4xx "invalid_request_error".
  const type = status === 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message: message ?? `Upstream error ${status}`, type, param: null, code: null } };
}

/** One SSE event in wire form; Claude and Responses name the event after data.type when `event` is omitted. */
export function encodeSse(protocol: UpstreamProtocol, ev: SseEvent): string {
  const data = typeof ev.data === "string" ? ev.data : JSON.stringify(ev.data);
  let name = ev.event;
  if (name === undefined && (protocol === "claude" || protocol === "responses") && ev.data && typeof ev.data === "object") {
    const t = (ev.data as { type?: unknown }).type;
    if (typeof t === "string") name = t;
  }
  if (protocol === "gemini") return `data: ${data}\r\n\r\n`; // Gemini: data lines only, CRLF, no sentinel
  return (name !== undefined ? `event: ${name}\n` : "") + `data: ${data}\n\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();

// Pull-based so each chunk is its own write (and flushes) when delayMs is set; `cut` errors the
// stream after a short pause so the already-queued bytes reach the client before the abort.
function chunkedBody(chunks: (string | Uint8Array)[], delayMs = 0, cut = false): ReadableStream<Uint8Array> | string | Uint8Array {
  if (!delayMs && !cut) {
    if (chunks.every((c) => typeof c === "string")) return chunks.join("");
    if (chunks.length === 1) return chunks[0] as Uint8Array;
  }
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i < chunks.length) {
        if (i > 0 && delayMs) await sleep(delayMs);
        const c = chunks[i++]!;
        controller.enqueue(typeof c === "string" ? enc.encode(c) : c);
        return;
      }
      if (cut) {
        await sleep(Math.max(delayMs, 20));
        controller.error(); // no reason: Bun resets the socket without logging a stack trace
      } else controller.close();
    },
  });
}

function render(protocol: UpstreamProtocol, reply: Reply): Response {
  const claudeHeaders: Record<string, string> = protocol === "claude" ? { "request-id": requestId() } : {};
  if ("json" in reply) {
    return Response.json(reply.json, { status: reply.status ?? 200, headers: { ...claudeHeaders, ...reply.headers } });
  }
  if ("error" in reply) {
    const body = reply.body === undefined ? errorBody(protocol, reply.error) : reply.body;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, {
      status: reply.error,
      headers: { "content-type": "application/json", ...claudeHeaders, ...reply.headers },
    });
  }
  if ("sse" in reply) {
    const body = chunkedBody(reply.sse.map((e) => encodeSse(protocol, e)), reply.delayMs, reply.cut);
    return new Response(body, {
      status: reply.status ?? 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...claudeHeaders },
    });
  }
  if ("ndjson" in reply) {
    const body = chunkedBody(reply.ndjson.map((o) => JSON.stringify(o) + "\n"), reply.delayMs, reply.cut);
    return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
  }
  if (!("raw" in reply)) throw new Error(`invalid scripted reply (wrap bodies in {json: …}): ${JSON.stringify(reply).slice(0, 200)}`);
  const chunks = typeof reply.raw === "string" ? [reply.raw] : reply.raw;
  return new Response(chunkedBody(chunks, reply.delayMs), {
    status: reply.status ?? 200,
    headers: { "content-type": reply.contentType ?? "text/event-stream", ...claudeHeaders },
  });
}

async function readBody(req: Request): Promise<any> {
  const text = await req.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startUpstream(protocol: UpstreamProtocol): Promise<Upstream> {
  const received: Received[] = [];
  const queue: ScriptItem[] = [];
  const routes = new Set(ROUTES[protocol]);

  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0, // delayed streams must not be killed by Bun's 10 s default
    development: false,
    // A throwing script (bad reply, failing function) answers a protocol-shaped 500 naming the cause.
    error: (err) => render(protocol, { error: 500, body: errorBody(protocol, 500, `scripted upstream failed: ${err.message}`) }),
    async fetch(request) {
      const url = new URL(request.url);
      const rec: Received = {
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        headers: Object.fromEntries(request.headers),
        body: await readBody(request),
      };
      received.push(rec);
      request.signal.addEventListener("abort", () => (rec.aborted = true), { once: true });
      if (!routes.has(`${rec.method} ${rec.path}`) && !PATTERNS[protocol]?.test(`${rec.method} ${rec.path}`)) {
        const msg = protocol === "openai" || protocol === "responses" ? `Invalid URL (${rec.method} ${rec.path})` : protocol === "ollama" ? "404 page not found" : "Not Found";
        return render(protocol, { error: 404, body: errorBody(protocol, 404, msg) });
      }
      const next = queue.shift();
      if (next === undefined) {
        const msg = `no scripted reply for ${rec.method} ${rec.path} (request #${received.length})`;
        return render(protocol, { error: 500, body: errorBody(protocol, 500, msg) });
      }
      return render(protocol, typeof next === "function" ? await next(rec) : next);
    },
  });

  const base = `http://127.0.0.1:${server.port}`;
  return {
    url: protocol === "openai" || protocol === "responses" ? `${base}/v1` : base,
    received,
    script: (...replies) => void queue.push(...replies),
    close: async () => {
      await server.stop(true);
    },
  };
}

// Zero-delay upstream emulator: OpenAI chat completions and Claude messages on one port, answering
// plain JSON at once, or SSE paced (PACED_DELTAS deltas × PACED_GAP_MS) or held open until released;
// and Gemini's :batchEmbedContents, a vector of EMBED_DIMS floats per text.
// The reply mode comes from the requested model name (…fast, …paced, …hold); every text delta of a
// stream carries its send time. Usage: bun bench/emulator.ts PORT
import { claudeEvents, claudeMessage, openaiChunks, openaiCompletion } from "../test/support/wire.ts";
import { encodeSse } from "../test/support/upstream.ts";
import { EMBED_DIMS, EMBED_MARK, PACED_DELTAS, PACED_GAP_MS, clock, stampText, type Mode } from "./payloads.ts";

type Protocol = "openai" | "claude";
const SLOT = "@@T@@";
const HOLD_LIMIT_MS = 120_000; // a held stream ends by itself after this, whatever the client does

// POST /_release ends every held stream and lets later ones through; POST /_hold holds again.
let release!: () => void;
let released = new Promise<void>((r) => (release = r));

const modeOf = (model: string): Mode => (model.endsWith("paced") ? "paced" : model.endsWith("hold") ? "hold" : "fast");

const plain = new Map<string, string>();
function plainBody(protocol: Protocol, model: string): string {
  const k = `${protocol} ${model}`;
  let body = plain.get(k);
  if (!body) {
    const text = `Hello from EMU-${protocol}: the entry point parses the command line and starts the server.`;
    body = JSON.stringify(protocol === "openai" ? openaiCompletion({ content: text, model }) : claudeMessage({ content: text, model }));
    plain.set(k, body);
  }
  return body;
}

/** The stream as SSE event strings: [head…, delta…, tail…]; delta texts hold SLOT for the send time. */
function streamEvents(protocol: Protocol, model: string, deltas: number): { head: string[]; deltas: string[]; tail: string[] } {
  const pieces = Array.from({ length: deltas }, (_, i) => (i === 0 ? `EMU-${protocol} ${SLOT} ` : `${SLOT} `));
  const events =
    protocol === "openai"
      ? openaiChunks({ content: pieces, model })
      : claudeEvents({ blocks: [{ type: "text", pieces }], model });
  const all = events.map((e) => encodeSse(protocol, e));
  const first = all.findIndex((s) => s.includes(SLOT));
  return { head: all.slice(0, first), deltas: all.slice(first, first + deltas), tail: all.slice(first + deltas) };
}

const enc = new TextEncoder();
const stamped = (s: string) => enc.encode(s.replace(SLOT, stampText(clock())));

function streamed(protocol: Protocol, model: string, mode: Mode): Response {
  const n = mode === "hold" ? 2 : mode === "paced" ? PACED_DELTAS : 8;
  const gap = mode === "paced" ? PACED_GAP_MS : 0;
  const ev = streamEvents(protocol, model, n);
  const body = new ReadableStream({
    type: "direct",
    async pull(ctrl) {
      try {
        ctrl.write(ev.head.join(""));
        ctrl.write(stamped(ev.deltas[0]!));
        ctrl.flush();
        if (mode === "hold") await Promise.race([released, Bun.sleep(HOLD_LIMIT_MS)]);
        for (let i = 1; i < ev.deltas.length; i++) {
          if (gap) await Bun.sleep(gap);
          ctrl.write(stamped(ev.deltas[i]!));
          ctrl.flush();
        }
        ctrl.write(ev.tail.join(""));
        ctrl.flush();
      } catch {
        // the client went away; nothing left to send
      }
      ctrl.close();
    },
  });
  return new Response(body as unknown as ReadableStream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
}

async function answer(protocol: Protocol, req: Request): Promise<Response> {
  let body: { model?: unknown; stream?: unknown; messages?: unknown };
  try {
    body = (await req.json()) as typeof body;
  } catch {
    return new Response('{"error":{"message":"body is not JSON"}}', { status: 400 });
  }
  if (typeof body.model !== "string" || !Array.isArray(body.messages))
    return new Response('{"error":{"message":"model and messages are required"}}', { status: 400 });
  if (body.stream === true) return streamed(protocol, body.model, modeOf(body.model));
  return new Response(plainBody(protocol, body.model), { headers: { "content-type": "application/json" } });
}

/** One text's vector: the upstream's mark first, then fixed values of the spread and digits a real
 *  model's have, so parsing and writing them costs what it would. */
const vector = (i: number) =>
  Array.from({ length: EMBED_DIMS }, (_, j) => (j === 0 ? EMBED_MARK.gemini : Number((Math.sin(i * 12.9898 + j * 78.233) * 0.06).toFixed(9))));
const embedBodies = new Map<number, string>();

/** Gemini :batchEmbedContents: one embedding per request item, pre-serialised per count. */
async function geminiEmbed(req: Request): Promise<Response> {
  let body: { requests?: { content?: { parts?: unknown } }[] };
  try {
    body = (await req.json()) as typeof body;
  } catch {
    return new Response('{"error":{"message":"body is not JSON"}}', { status: 400 });
  }
  const n = body.requests?.length ?? 0;
  if (!n || !body.requests!.every((r) => Array.isArray(r?.content?.parts)))
    return new Response('{"error":{"message":"requests[].content.parts are required"}}', { status: 400 });
  let out = embedBodies.get(n);
  if (!out) embedBodies.set(n, (out = JSON.stringify({ embeddings: Array.from({ length: n }, (_, i) => ({ values: vector(i) })) })));
  return new Response(out, { headers: { "content-type": "application/json" } });
}

const port = Number(process.argv[2] ?? 0);
const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  idleTimeout: 0,
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/v1/chat/completions" || path === "/chat/completions") return answer("openai", req);
    if (path === "/v1/messages") return answer("claude", req);
    if (path.startsWith("/v1beta/models/") && path.endsWith(":batchEmbedContents")) return geminiEmbed(req);
    if (path === "/_release") {
      release();
      return new Response("released");
    }
    if (path === "/_hold") {
      release();
      released = new Promise<void>((r) => (release = r));
      return new Response("holding");
    }
    if (path === "/health") return new Response("ok");
    return new Response("not found", { status: 404 });
  },
});
console.log(`emulator listening on http://127.0.0.1:${server.port}`);

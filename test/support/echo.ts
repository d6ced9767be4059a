// An upstream that speaks all four protocols and, in whatever fault the model name asks for, echoes
// back everything it received: method, URL, headers (the provider's key among them) and body. It
// is the worst upstream a proxy can meet for keeping keys in, so every fault is made of it.
import type { Server } from "bun";
import { encodeSse, errorBody, type Protocol, type SseEvent } from "./upstream.ts";
import { claudeErrorEvent, claudeEvents, claudeMessage, openaiChunks, openaiCompletion } from "./wire.ts";
import { geminiChunks, geminiResponse } from "./wire-gemini.ts";
import { ollamaChat, ollamaLines } from "./wire-ollama.ts";

/** What the upstream does; a model named `anything.FAULT` asks for FAULT. */
export const ECHO_FAULTS = [
  "e400", "e401", "e403", "e404", "e429", "e500", "e502", "e503", "e529",
  "text500", "html502", "notjson200", "wrong200", "redirect", "content", "streamerror", "midstream", "malformed",
] as const;
export type EchoFault = (typeof ECHO_FAULTS)[number];

export interface Echo {
  url: string;
  port: number;
  /** Requests a redirect's target received: any at all means a key may have followed the redirect */
  stolen: { path: string; headers: Record<string, string> }[];
  close(): Promise<void>;
}

const STATUS: Partial<Record<EchoFault, number>> = { e400: 400, e401: 401, e403: 403, e404: 404, e429: 429, e500: 500, e502: 502, e503: 503, e529: 529 };

function protocolOf(path: string): Protocol | undefined {
  if (path.endsWith("/chat/completions")) return "openai";
  if (path.startsWith("/v1/messages")) return "claude";
  if (path.startsWith("/v1beta/models/")) return "gemini";
  if (path === "/api/chat") return "ollama";
  return undefined;
}

export async function startEcho(): Promise<Echo> {
  const stolen: Echo["stolen"] = [];
  const thief: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      stolen.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers) });
      return Response.json({ stolen: true });
    },
  });
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const body = await req.text();
      const protocol = protocolOf(url.pathname);
      if (!protocol) return new Response("no such route", { status: 404 });
      let model = "";
      let stream = url.pathname.includes(":streamGenerateContent");
      try {
        const parsed = JSON.parse(body);
        model = protocol === "gemini" ? decodeURIComponent(url.pathname.split("/").pop()!.split(":")[0]!) : parsed.model;
        stream ||= parsed.stream === true || (protocol === "ollama" && parsed.stream !== false);
      } catch {}
      const fault = model.slice(model.lastIndexOf(".") + 1) as EchoFault;
      const echo = `received ${req.method} ${req.url} headers=${JSON.stringify(Object.fromEntries(req.headers))} body=${body}`;
      return reply(protocol, fault, echo, stream, `http://127.0.0.1:${thief.port}`);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    stolen,
    async close() {
      await Promise.all([server.stop(true), thief.stop(true)]);
    },
  };
}

function reply(protocol: Protocol, fault: EchoFault, echo: string, stream: boolean, thief: string): Response {
  const status = STATUS[fault];
  if (status) return Response.json(errorBody(protocol, status, echo), { status });
  switch (fault) {
    case "text500":
      return new Response(echo, { status: 500, headers: { "content-type": "text/plain" } });
    case "html502":
      return new Response(`<html><body><h1>502 Bad Gateway</h1><pre>${echo}</pre></body></html>`, { status: 502, headers: { "content-type": "text/html" } });
    case "notjson200":
      return new Response(`{not json ${echo}`, { headers: { "content-type": "application/json" } });
    case "wrong200":
      return Response.json({ echo });
    case "redirect":
      return new Response(null, { status: 307, headers: { location: `${thief}/steal?echo=${encodeURIComponent(echo)}` } });
    case "content":
      return stream ? streamOf(protocol, answer(protocol, echo)) : Response.json(whole(protocol, echo));
    case "streamerror":
      return streamOf(protocol, [errorEvent(protocol, echo)]);
    case "midstream":
      return streamOf(protocol, [...answer(protocol, "partial answer").slice(0, 2), errorEvent(protocol, echo)]);
    case "malformed":
      return streamOf(protocol, [...answer(protocol, "partial answer").slice(0, 2), { data: `{"broken": ${echo}` }]);
  }
  return new Response("unknown fault", { status: 500 });
}

/** A whole answer whose text is `text`. */
function whole(protocol: Protocol, text: string): unknown {
  switch (protocol) {
    case "openai":
      return openaiCompletion({ content: text });
    case "claude":
      return claudeMessage({ content: text });
    case "gemini":
      return geminiResponse({ text });
    case "ollama":
      return ollamaChat({ content: text });
  }
}

/** A whole answer's stream events (or lines) whose text is `text`. */
function answer(protocol: Protocol, text: string): SseEvent[] {
  switch (protocol) {
    case "openai":
      return openaiChunks({ content: [text] });
    case "claude":
      return claudeEvents({ blocks: [{ type: "text", pieces: [text] }] });
    case "gemini":
      return geminiChunks({ text: [text] });
    case "ollama":
      return ollamaLines({ content: [text] }).map((data) => ({ data }));
  }
}

function errorEvent(protocol: Protocol, message: string): SseEvent {
  switch (protocol) {
    case "claude":
      return claudeErrorEvent("overloaded_error", message);
    case "ollama":
      return { data: { error: message } };
    case "gemini":
      return { data: errorBody("gemini", 503, message) };
    case "openai":
      return { data: { error: { message, type: "server_error", param: null, code: null } } };
  }
}

function streamOf(protocol: Protocol, events: SseEvent[]): Response {
  if (protocol === "ollama")
    return new Response(events.map((e) => (typeof e.data === "string" ? e.data : JSON.stringify(e.data)) + "\n").join(""), { headers: { "content-type": "application/x-ndjson" } });
  return new Response(events.map((e) => encodeSse(protocol, e)).join(""), { headers: { "content-type": "text/event-stream" } });
}

// An upstream that always answers well, in whichever of the four protocols it is asked in: a text
// reply, or a call of the first tool it was offered, plain or streamed as asked; counts answer a
// number; embeddings a vector per input. With it behind the proxy, every 5xx the fuzzer sees is the proxy's own.
import type { Server } from "bun";
import { encodeSse, type SseEvent } from "../support/upstream.ts";
import { type ClaudeStreamBlock, claudeEvents, claudeMessage, openaiChunks, openaiCompletion } from "../support/wire.ts";
import { geminiChunks, geminiResponse } from "../support/wire-gemini.ts";
import { ollamaChat, ollamaLines } from "../support/wire-ollama.ts";
import { embeddingsReply } from "../support/wire-embed.ts";
import type { Client } from "./routes.ts";

export interface FuzzUpstream {
  url: string;
  /** Requests answered, per protocol */
  served: Record<Client, number>;
  close(): Promise<void>;
}

const TEXT = ["The answer ", "is forty-two."];

/** The first tool's name, whichever protocol offered it. */
function firstTool(protocol: Client, body: any): string | undefined {
  const t = Array.isArray(body?.tools) ? body.tools[0] : undefined;
  const name = protocol === "claude" ? t?.name : protocol === "gemini" ? t?.functionDeclarations?.[0]?.name : t?.function?.name;
  return typeof name === "string" && /^[A-Za-z_][\w.-]{0,63}$/.test(name) ? name : undefined;
}

function reply(protocol: Client, body: any, stream: boolean): Response {
  const tool = firstTool(protocol, body);
  const args = { city: "Paris" };
  const sse = (events: SseEvent[]) => new Response(events.map((e) => encodeSse(protocol, e)).join(""), { headers: { "content-type": "text/event-stream" } });
  switch (protocol) {
    case "openai": {
      const o = { content: TEXT, ...(tool ? { toolCalls: [{ id: "call_fz1", name: tool, arguments: ['{"city":', '"Paris"}'] }] } : {}) };
      return stream ? sse(openaiChunks(o)) : Response.json(openaiCompletion(o));
    }
    case "claude": {
      const blocks: ClaudeStreamBlock[] = [{ type: "text", pieces: TEXT }, ...(tool ? [{ type: "tool_use" as const, id: "toolu_fz1", name: tool, jsonPieces: ['{"city":', '"Paris"}'] }] : [])];
      if (stream) return sse(claudeEvents({ blocks }));
      const content = [{ type: "text", text: TEXT.join("") }, ...(tool ? [{ type: "tool_use", id: "toolu_fz1", name: tool, input: args }] : [])];
      return Response.json(claudeMessage({ content }));
    }
    case "gemini": {
      const o = { text: TEXT, ...(tool ? { calls: [{ name: tool, args }] } : {}) };
      return stream ? sse(geminiChunks(o)) : Response.json(geminiResponse(o));
    }
    case "ollama": {
      const o = { content: TEXT, ...(tool ? { toolCalls: [{ name: tool, arguments: args }] } : {}) };
      if (!stream) return Response.json(ollamaChat(o));
      return new Response(ollamaLines(o).map((l) => JSON.stringify(l) + "\n").join(""), { headers: { "content-type": "application/x-ndjson" } });
    }
  }
}

/** An embeddings call's answer: one small vector per input, of the length asked where one was. */
function embeddings(path: string, body: any): { protocol: "openai" | "gemini" | "ollama"; reply: unknown } | undefined {
  const vectors = (n: number, dims: unknown) => Array.from({ length: n }, (_, i) => Array.from({ length: typeof dims === "number" ? dims : 4 }, (_, j) => (i + 1) / (j + 2)));
  const count = (v: unknown) => (Array.isArray(v) ? v.length : 1);
  if (path === "/v1/embeddings") return { protocol: "openai", reply: embeddingsReply("openai", body?.model, vectors(count(body?.input), body?.dimensions), 7) };
  if (path.endsWith(":batchEmbedContents"))
    return { protocol: "gemini", reply: embeddingsReply("gemini", "", vectors(count(body?.requests), body?.requests?.[0]?.outputDimensionality), 0) };
  if (path === "/api/embed") return { protocol: "ollama", reply: embeddingsReply("ollama", body?.model, vectors(count(body?.input), body?.dimensions), 7) };
  return undefined;
}

export async function startFuzzUpstream(): Promise<FuzzUpstream> {
  const served: Record<Client, number> = { openai: 0, claude: 0, gemini: 0, ollama: 0 };
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const path = url.pathname;
      let body: any;
      try {
        body = JSON.parse(await req.text());
      } catch {
        return new Response("the proxy sent a body that is not JSON", { status: 400 });
      }
      if (path === "/v1/messages/count_tokens") return served.claude++, Response.json({ input_tokens: 17 });
      if (path.endsWith(":countTokens")) return served.gemini++, Response.json({ totalTokens: 17 });
      const embedded = embeddings(path, body);
      if (embedded) return served[embedded.protocol]++, Response.json(embedded.reply);
      if (path.endsWith("/chat/completions")) return served.openai++, reply("openai", body, body?.stream === true);
      if (path === "/v1/messages") return served.claude++, reply("claude", body, body?.stream === true);
      if (path.startsWith("/v1beta/models/")) return served.gemini++, reply("gemini", body, path.endsWith(":streamGenerateContent"));
      if (path === "/api/chat") return served.ollama++, reply("ollama", body, body?.stream !== false);
      return new Response("no such route", { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, served, close: () => server.stop(true) };
}

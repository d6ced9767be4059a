// Gemini's routes put the model and the method in the path (`/v1beta/models/{model}:generateContent`),
// so they are matched by pattern rather than looked up; the handlers here are the Gemini-only ones.
import { unknownModel, type Engine, type Call, type RouteParams } from "../convert/engine.ts";
import { decodeRequest, generate } from "../convert/chat.ts";
import { count } from "../convert/count.ts";
import { listModels, servedNow } from "../convert/models.ts";
import { encodeRequest } from "../convert/encode.ts";
import { embed } from "../convert/embed.ts";
import { logged, type Handler } from "./logged.ts";

export interface GeminiRoute {
  method: string;
  client: "gemini";
  handle: Handler;
  params: RouteParams;
}

const CALL = /^\/v1(?:beta)?\/models\/(.+):(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/;
const MODEL = /^\/v1(?:beta)?\/models(?:\/(.+))?$/;

/** The Gemini route a path names, with what its URL says; undefined when it names none. */
export function geminiRoute(path: string, url: URL): GeminiRoute | undefined {
  const call = CALL.exec(path);
  if (call) {
    const model = decodeURIComponent(call[1]!);
    if (call[2] === "countTokens") return { method: "POST", client: "gemini", handle: loggedCount, params: { model } };
    if (call[2] === "embedContent" || call[2] === "batchEmbedContents")
      return { method: "POST", client: "gemini", handle: embed, params: { model, single: call[2] === "embedContent" } };
    const stream = call[2] === "streamGenerateContent";
    const frame = stream && url.searchParams.get("alt") !== "sse" ? "json" : "sse";
    return { method: "POST", client: "gemini", handle: generate, params: { model, stream, frame } };
  }
  const m = MODEL.exec(path);
  if (!m || (!m[1] && path.startsWith("/v1/"))) return undefined; // GET /v1/models is shared, sniffed by the server
  if (!m[1]) return { method: "GET", client: "gemini", handle: loggedList, params: {} };
  return { method: "GET", client: "gemini", handle: loggedModel, params: { model: decodeURIComponent(m[1]) } };
}

async function getModel(engine: Engine, call: Call): Promise<Response> {
  const id = call.route!.model!.replace(/^models\//, "");
  const served = (await servedNow(engine, call.models)).find((m) => m.id === id);
  if (!served && !engine.router.has(call.models, id)) return unknownModel(engine, call, id);
  const model = { id, ownedBy: served?.ownedBy ?? (id.includes("/") ? id.split("/")[0] : "ccproxy"), contextLength: served?.contextLength };
  const list = engine.mappings.gemini.spec["models.encode"].run({ models: [model] }, {});
  return Response.json(list.models[0]);
}

/**
 * `:countTokens` takes `{contents, …}` or `{generateContentRequest: {…}}`. A Gemini upstream is
 * asked; any other is counted here, as Claude's count_tokens is.
 */
async function countTokens(engine: Engine, call: Call): Promise<Response> {
  const body = call.body as { generateContentRequest?: unknown } | null;
  const inner = body && typeof body === "object" && body.generateContentRequest ? body.generateContentRequest : body;
  const decoded = decodeRequest(engine, { ...call, body: inner });
  if (decoded instanceof Response) return decoded;
  const { req, ctx } = decoded;
  const payload = (sent: typeof req, a: { pair: { model: string } }) => {
    const result = encodeRequest(engine.mappings.gemini.spec["request.encode"], { ...sent, model: a.pair.model }, ctx, { protocol: "gemini", body: inner });
    if ("error" in result) return result;
    return { body: { generateContentRequest: { model: `models/${a.pair.model}`, ...(result.body as Record<string, unknown>) } } };
  };
  return count(engine, call, { req, ctx, payload }, (tokens) => ({ totalTokens: tokens }));
}

// Made once: these routes are matched per request.
const loggedCount = logged(countTokens);
const loggedList = logged((e, c) => listModels(e, "gemini", c.models));
const loggedModel = logged(getModel);

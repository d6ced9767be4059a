// Gemini's own handlers: one model's details, and :countTokens (which takes its request bare or
// wrapped in `generateContentRequest`).
import { unknownModel, type Engine, type Call } from "../convert/engine.ts";
import { decodeRequest } from "../convert/chat.ts";
import { count } from "../convert/count.ts";
import { servedNow } from "../convert/models.ts";
import { encodeRequest } from "../convert/encode.ts";

export async function geminiModel(engine: Engine, call: Call): Promise<Response> {
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
export async function geminiCount(engine: Engine, call: Call): Promise<Response> {
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

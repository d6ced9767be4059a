// Ollama's own handlers: the model routes /api/tags, /api/show, /api/version.
import type { Engine, Call } from "../convert/engine.ts";
import { contextLengthOf, nearestNames, servedNow } from "../convert/models.ts";
import { errorResponse, unifiedError } from "../convert/errors.ts";

/** The Ollama API level the proxy speaks; clients gate features (tools, thinking) on it. */
export const OLLAMA_API_VERSION = "0.12.0";

const STARTED = new Date().toISOString();

export async function ollamaTags(engine: Engine, call: Call): Promise<Response> {
  const models = (await servedNow(engine, call.models)).map((m) => ({ id: m.id, createdAt: STARTED }));
  return Response.json(engine.mappings.ollama.spec["models.encode"].run({ models }, {}));
}

/**
 * A model's details: an Ollama upstream's own (asked once and kept); for another upstream, its
 * protocol as the family and the context length its catalog gave (or a known family's).
 */
export async function ollamaShow(engine: Engine, call: Call): Promise<Response> {
  const body = call.body as { model?: unknown; name?: unknown };
  const name = body?.model ?? body?.name; // older clients send `name`
  const fail = (status: number, message: string) =>
    errorResponse(engine.mappings, "ollama", unifiedError(status, message, "model"));
  if (typeof name !== "string") return fail(400, "model is required");
  const a = engine.router.peek(call.models, name);
  const served = await servedNow(engine, call.models);
  if (!a) {
    const near = nearestNames(name, served.map((m) => m.id));
    return fail(404, `model '${name}' not found${near.length ? `; the nearest served: ${near.join(", ")}` : ""}`);
  }
  const upstream = a.provider.protocol === "ollama" ? await engine.catalogs?.show(a.provider, a.model, a.key) : undefined;
  const contextLength = served.find((m) => m.id === name)?.contextLength ?? contextLengthOf(engine, a.provider, a.model);
  const model = { id: name, createdAt: STARTED, family: a.provider.protocol, contextLength, upstream };
  return Response.json(engine.mappings.ollama.spec["show.encode"]!.run(model, {}));
}

export const ollamaVersion = () => Response.json({ version: OLLAMA_API_VERSION });

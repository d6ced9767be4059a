// Embeddings: the client's request decoded into the unified embedding form, encoded for each
// target's protocol, the upstream's vectors decoded and encoded back in the client's shape.
// Routed like chat (rotation, failover across targets and keys, groups, access keys, the log).
import type { MappingContext } from "../mapping/functions.ts";
import type { MappingSet, ProtocolName } from "../mapping/load.ts";
import { MAX_EMBED_INPUTS, type EmbedRequest, type EmbedResponse, type UnifiedError } from "../unified/index.ts";
import type { Trace } from "../log/index.ts";
import { upstreamCall } from "../protocols/upstream.ts";
import { protocolOf } from "../protocols/index.ts";
import { beginTrace, clientError, failedAll, failover, unknownModel, type Attempt, type Call, type Engine, type Outcome, type RouteParams } from "./engine.ts";
import { unifiedError } from "./errors.ts";
import { readCapped } from "./body.ts";
import { filteredText } from "./egress.ts";
import { attemptWaits, send } from "./send.ts";

/** Whether a protocol's servers have an embeddings endpoint (its registry entry names one; Claude's does not) and its mappings convert for it. */
export function hasEmbeddings(mappings: MappingSet, protocol: string): boolean {
  return !!protocolOf(protocol).upstream.paths.embed && !!mappings[protocol]?.spec["embed.request.encode"];
}

/** The request in unified form and the context its mappings share. */
export interface EmbedCall {
  req: EmbedRequest;
  ctx: MappingContext;
}

/** Where the texts sit in the client's body, for errors in its own terms. */
function inputField(client: ProtocolName, route: RouteParams | undefined): string {
  if (client === "gemini") return route?.single ? "content" : "requests";
  return client === "ollama" && route?.legacy ? "prompt" : "input";
}

const DIMENSIONS_FIELD: Partial<Record<ProtocolName, string>> = { gemini: "outputDimensionality" };

/** Why a decoded request cannot be served, named in the client's terms; undefined when it can. */
function refusal(req: EmbedRequest, client: ProtocolName, route: RouteParams | undefined): { message: string; param: string } | undefined {
  const field = inputField(client, route);
  const inputs = req.inputs as unknown[] | undefined;
  if (!Array.isArray(inputs)) return { param: field, message: `${field}: field required` };
  if (!inputs.length) return { param: field, message: `${field}: must hold at least one text` };
  if (inputs.length > MAX_EMBED_INPUTS) return { param: field, message: `${field}: at most ${MAX_EMBED_INPUTS} texts in one request, not ${inputs.length}` };
  const bad = inputs.findIndex((t) => typeof t !== "string");
  if (bad >= 0) {
    const tokens = typeof inputs[bad] === "number" || Array.isArray(inputs[bad]);
    // Tokens are one tokenizer's numbers: no other upstream reads them, so the text is asked for.
    if (tokens) return { param: field, message: `${field}: token arrays are not accepted by this proxy; send the text instead` };
    return { param: field, message: `${field}[${bad}]: must be a string` };
  }
  const d = req.dimensions;
  const dims = DIMENSIONS_FIELD[client] ?? "dimensions";
  if (d !== undefined && !(Number.isInteger(d) && d > 0)) return { param: dims, message: `${dims}: must be a positive integer` };
  if (req.encoding !== undefined && req.encoding !== "float" && req.encoding !== "base64")
    return { param: "encoding_format", message: `encoding_format: must be "float" or "base64", not ${JSON.stringify(req.encoding)}` };
  return undefined;
}

/** Decodes the client's embeddings request; answers with the client's error shape when it is not acceptable. */
export function decodeEmbed(engine: Engine, call: Call): EmbedCall | Response {
  const m = engine.mappings[call.client];
  const fail = (message: string, param?: string) => clientError(engine, call, unifiedError(400, message, param));
  const bad = m.requireOf["embed.request.decode"]?.(call.body);
  if (bad) return fail(bad.message, bad.param);
  const ctx: MappingContext = { model: (call.body as { model?: string }).model ?? call.route?.model, route: call.route };
  const req = m.spec["embed.request.decode"]!.run(call.body, ctx) as EmbedRequest;
  const refused = refusal(req, call.client, call.route);
  if (refused) return fail(refused.message, refused.param);
  ctx.request = req;
  return { req, ctx };
}

/**
 * One attempt at one target × key pair: the request encoded for its protocol, sent, its vectors
 * checked and encoded for the client.
 */
export async function tryEmbed(a: Attempt, e: EmbedCall): Promise<Outcome> {
  const { engine, call, pair, where, trace } = a;
  const protocol = pair.provider.protocol;
  const upstream = engine.mappings[protocol];
  const payload = JSON.stringify(upstream.spec["embed.request.encode"]!.run({ ...e.req, model: pair.model }, e.ctx));
  const target = upstreamCall(pair.provider, "embed", pair.key, { protocol: call.client, headers: call.headers }, { model: pair.model })!; // route() tried only pairs that have it
  trace?.attempt(where, pair.keyLabel, target.url, target.headers, payload);

  const waits = attemptWaits(a);
  try {
    const res = await send(a, target, payload, waits);
    if (!(res instanceof Response)) return res;
    const decoded = await readVectors(engine, res, protocol, e, where, trace);
    if ("error" in decoded) return decoded;
    trace?.upstreamBody(decoded.json);
    if (decoded.vectors.usage) trace?.usage(decoded.vectors.usage);
    const out = JSON.stringify(engine.mappings[call.client].spec["embed.response.encode"]!.run(decoded.vectors, e.ctx));
    trace?.clientBody(out);
    return filteredText(out, "application/json", call.redact);
  } finally {
    waits.end();
  }
}

/** The upstream's answer as unified vectors: one per input, each a list of numbers, or the fault of that upstream. */
async function readVectors(
  engine: Engine,
  res: globalThis.Response,
  protocol: ProtocolName,
  e: EmbedCall,
  where: string,
  trace?: Trace,
): Promise<{ vectors: EmbedResponse; json: unknown } | { error: UnifiedError; retry: boolean }> {
  const max = engine.config.limits.maxBodyBytes;
  const text = await readCapped(res, max).catch(() => "");
  trace?.received();
  const fault = (why: string) => ({ error: unifiedError(502, `${where}: upstream ${why}`), retry: true });
  if (text === undefined) return fault(`answered with a body larger than ${max} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fault("answered with a body that is not JSON");
  }
  const bad = engine.mappings[protocol].requireOf["embed.response.decode"]?.(json);
  if (bad) return fault(`answered with something that is not an embeddings response (${bad.param === "body" ? "not a JSON object" : bad.message})`);
  const vectors = engine.mappings[protocol].spec["embed.response.decode"]!.run(json, e.ctx) as EmbedResponse;
  // Vectors that do not line up with the inputs would be silently wrong for the client: refused here.
  if (!numberLists(vectors?.vectors)) return fault("answered with vectors that are not lists of numbers");
  if (typeof vectors.usage?.input !== "number") delete vectors.usage;
  if (vectors.vectors.length !== e.req.inputs.length)
    return fault(`answered ${vectors.vectors.length} vectors for ${e.req.inputs.length} inputs`);
  return { vectors, json };
}

/**
 * Every item a list of finite numbers (JSON's 1e999 parses as Infinity). One plain pass: a TypeBox
 * check and a second pass for finiteness cost 8 ms on 100 vectors of 1,536, a fifth of the request.
 */
function numberLists(v: unknown): v is number[][] {
  if (!Array.isArray(v)) return false;
  for (const vector of v) {
    if (!Array.isArray(vector)) return false;
    for (let i = 0; i < vector.length; i++) {
      const x = vector[i];
      if (typeof x !== "number" || !Number.isFinite(x)) return false;
    }
  }
  return true;
}

/** `POST /v1/embeddings`, Gemini's `:embedContent` / `:batchEmbedContents`, Ollama's `/api/embed` and `/api/embeddings`. */
export async function embed(engine: Engine, call: Call): Promise<Response> {
  const trace = beginTrace(engine, call);
  const res = await route(engine, call, trace);
  trace?.answered(res);
  return res;
}

/**
 * The model's pairs that can embed are tried in turn (engine.ts's failover: rotation, cooling,
 * failover across targets and keys). A pair whose protocol has no embeddings endpoint (Claude) is
 * passed over before any call: no fault of that pair, so it is not cooled; with none left the
 * client is told so, as a fault of its request.
 */
async function route(engine: Engine, call: Call, trace: Trace | undefined): Promise<Response> {
  const decoded = decodeEmbed(engine, call);
  if (decoded instanceof Response) return decoded;
  const model = decoded.req.model;
  trace?.request(model, false);
  const plan = engine.router.plan(call.models, model);
  if (!plan?.attempts.length) return unknownModel(engine, call, model);
  const attempts = plan.attempts.filter((p) => hasEmbeddings(engine.mappings, p.provider.protocol));
  if (!attempts.length) {
    const p = plan.attempts[0]!;
    const why = `${p.target}: provider "${p.provider.name}" speaks ${p.provider.protocol}, which has no embeddings endpoint`;
    return clientError(engine, call, unifiedError(400, `model "${model}": ${why}`, "model"));
  }
  const out = await failover(engine, call, { attempts }, (a) => tryEmbed(a, decoded), trace);
  return out instanceof Response ? out : clientError(engine, call, failedAll(model, out));
}

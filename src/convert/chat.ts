// The chat endpoint: decode (client → unified) → the router's plan, tried pair by pair (engine.ts) →
// encode (unified → upstream) → fetch → decode (upstream → unified) → encode (unified → client).
import type { MappingContext } from "../mapping/functions.ts";
import type { Request } from "../unified/index.ts";
import { attemptWaits, send } from "./send.ts";
import { upstreamCall } from "../protocols/upstream.ts";
import { unifiedError } from "./errors.ts";
import type { ReadResult } from "./stream.ts";
import { streamed, whole, type ChatAttempt } from "./respond.ts";
import { encodeRequest } from "./encode.ts";
import { estimateInputTokens } from "./estimate.ts";
import { routeByRule } from "./rules.ts";
import { compatPlan } from "../compat/index.ts";
import { isShaped, shapeRequest, withExtras } from "./shape.ts";
import { protocolOf } from "../protocols/index.ts";
import { beginTrace, clientError, serveModel, specKind, type Call, type Engine, type Outcome } from "./engine.ts";

/** Decodes the client's request; answers with the client's error shape when it is not acceptable. */
export function decodeRequest(engine: Engine, call: Call): { req: Request; ctx: MappingContext } | Response {
  const m = engine.mappings[call.client];
  const kind = specKind(call, "request.decode");
  const bad = (m.requireOf[kind] ?? m.require)(call.body);
  if (bad) return clientError(engine, call, unifiedError(400, bad.message, bad.param));
  const ctx: MappingContext = { model: (call.body as { model?: string }).model ?? call.route?.model, route: call.route };
  const req = m.spec[kind]!.run(call.body, ctx) as Request;
  ctx.request = req;
  return { req, ctx };
}

export async function generate(engine: Engine, call: Call): Promise<Response> {
  const trace = beginTrace(engine, call);
  const res = await chat(engine, call, trace);
  trace?.answered(res);
  return res;
}

async function chat(engine: Engine, call: Call, trace: ReturnType<typeof beginTrace>): Promise<Response> {
  const recall = protocolOf(call.client).recall;
  if (recall && engine.kept) {
    const r = recall.expand(call.body, engine.kept.within(call.owner ?? ""));
    if (r.body !== call.body || r.unresolved) call = { ...call, body: r.body, sent: call.body, unresolved: r.unresolved };
  }
  const decoded = decodeRequest(engine, call);
  if (decoded instanceof Response) return decoded;
  const { req, ctx } = decoded;
  call = routeByRule(engine, call, req, trace);
  trace?.request(req.model, !!req.stream);
  let compat: ReturnType<typeof compatPlan> | undefined;
  return serveModel(
    engine,
    call,
    req.model,
    async (a, route) => {
      const req = shapeRequest(route, decoded.req); // the group's and model entry's shaping (shape.ts)
      compat ??= compatPlan(call.toolCompat ?? route.toolCompat, req, engine.router, engine.config.mappings);
      const chatAttempt = (): ChatAttempt => ({ ...a, req, ctx, compat: compat!.session(a.where) });
      const first = await attempt(chatAttempt());
      // A target that refuses native tools is asked again at once, in tool compatibility mode.
      if (first instanceof Response || !compat.fallback(a.where, first.error)) return first;
      a.trace?.failed(`${first.error.message} (retried in tool compatibility mode)`, first.status);
      return attempt(chatAttempt());
    },
    trace,
  );
}

async function attempt(a: ChatAttempt): Promise<Outcome> {
  const { engine, call, pair, where, req, ctx, compat, trace } = a;
  const upstream = engine.mappings[pair.provider.protocol];
  if (!upstream)
    return { error: unifiedError(501, `provider "${pair.provider.name}" speaks ${pair.provider.protocol}, which this build does not convert yet`), retry: true };
  const passThrough = !compat && !isShaped(req) && call.client === pair.provider.protocol && !!protocolOf(call.client).passThrough;
  // An earlier answer the body names and the proxy does not keep: only an upstream of the client's own protocol may know it.
  if (call.unresolved && !passThrough) return { error: unifiedError(400, call.unresolved.message, call.unresolved.param), retry: false };
  const encoded = passThrough
    ? { body: { ...(call.body as object), model: pair.model } }
    : encodeRequest(
        upstream.spec["request.encode"],
        { ...(compat ? compat.request(req) : req), model: pair.model, sampling: capTokens(req.sampling, pair.provider.maxTokens) },
        ctx,
        { protocol: call.client, body: call.body },
      );
  if ("error" in encoded) return { error: encoded.error, retry: false }; // the request's fault: no other pair is cooled or tried
  const target = upstreamCall(pair.provider, "generate", pair.key, { protocol: call.client, headers: call.headers }, { model: pair.model, stream: !!req.stream });
  if (!target) return { error: unifiedError(501, `provider "${pair.provider.name}" speaks ${pair.provider.protocol}, whose servers have no chat endpoint`), retry: true };
  const payload = JSON.stringify(withExtras(req, encoded.body));
  trace?.attempt(where, pair.keyLabel, target.url, target.headers, payload);

  const waits = attemptWaits(a);
  try {
    const res = await send(a, target, payload, waits);
    if (!(res instanceof Response)) return res;
    const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
    if (!req.stream || isJson) return await whole(a, res, !!req.stream, passThrough);
    const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let first: ReadResult;
    try {
      first = await reader.read();
    } catch (e) {
      return { error: waits.failure(e, where), retry: true };
    }
    if (first.done) return { error: unifiedError(502, `${where}: upstream closed the stream before sending anything`), retry: true };
    // The body's size stands in for the input count in a stream that must state one before the upstream has.
    return streamed({ ...a, ctx: { ...ctx, inputEstimate: estimateInputTokens(payload.length, req) } }, reader, first.value, passThrough);
  } finally {
    waits.end();
  }
}

/** A provider's output-token cap applied to what the client asked (absent when it asked nothing). */
function capTokens(s: Request["sampling"], cap: number | undefined): Request["sampling"] {
  return cap !== undefined && s?.maxTokens !== undefined && s.maxTokens > cap ? { ...s, maxTokens: cap } : s;
}

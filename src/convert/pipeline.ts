// The data path for one chat request: decode (client → unified) → router picks target + key →
// encode (unified → upstream) → fetch → decode (upstream → unified) → encode (unified → client).
import type { ModelRoute, ResolvedConfig, ToolCompat } from "../config/schema.ts";
import type { MappingSet, ProtocolName, StreamMapping } from "../mapping/load.ts";
import type { MappingContext } from "../mapping/functions.ts";
import type { Request, Response as UnifiedResponse, StreamEvent, UnifiedError } from "../unified/index.ts";
import type { Attempt, Router } from "../router/index.ts";
import { parseRetryAfter } from "../router/health.ts";
import { originOf } from "../router/connect.ts";
import { AttemptWaits } from "./waits.ts";
import { upstreamCall } from "../protocols/upstream.ts";
import { errorResponse, isRetryable, unifiedError, upstreamError } from "./errors.ts";
import { convertStream, type ReadResult } from "./stream.ts";
import { responseEvents, settleStopReason } from "./synthesize.ts";
import { frameWriter, type Frame } from "./frames.ts";
import { compatPlan, type CompatSession } from "../compat/index.ts";
import type { Logger, Trace } from "../log/index.ts";

export interface Engine {
  config: ResolvedConfig;
  mappings: MappingSet;
  router: Router;
  /** The request log; absent when logging is off */
  log?: Logger;
}

export interface ChatCall {
  client: ProtocolName;
  body: unknown;
  /** The body's text as received, for the log */
  raw?: string;
  headers: Headers;
  /** The proxy models in scope: the root config's or a group's */
  models: readonly ModelRoute[];
  signal?: AbortSignal;
  /** Forces tool compatibility mode (the /compat/ path prefix) over the model's `toolCompat` */
  toolCompat?: ToolCompat;
  /** What the route's URL says (Gemini: the model, streaming, and the stream's framing) */
  route?: RouteParams;
  /** For the log: the route's path and the group it was served under */
  path?: string;
  group?: string;
}

export interface RouteParams {
  model?: string;
  stream?: boolean;
  frame?: StreamMapping["frame"];
}

const CONTENT_TYPES = { sse: "text/event-stream; charset=utf-8", ndjson: "application/x-ndjson", json: "application/json" };

/** Decodes the client's request; answers with the client's error shape when it is not acceptable. */
export function decodeRequest(engine: Engine, call: ChatCall): { req: Request; ctx: MappingContext } | Response {
  const m = engine.mappings[call.client];
  const bad = m.require(call.body);
  if (bad) return errorResponse(engine.mappings, call.client, unifiedError(400, bad.message, bad.param));
  const ctx: MappingContext = { model: (call.body as { model?: string }).model ?? call.route?.model, route: call.route };
  const req = m.spec["request.decode"].run(call.body, ctx) as Request;
  ctx.request = req;
  return { req, ctx };
}

/** The request's log trace, when logging is on. */
export function beginTrace(engine: Engine, call: ChatCall): Trace | undefined {
  const { client, body, raw, headers, path, group } = call; // not a spread: that would read the lazy signal
  return engine.log?.begin({ client, body, raw, headers, path, group, model: call.route?.model });
}

export async function generate(engine: Engine, call: ChatCall): Promise<Response> {
  const trace = beginTrace(engine, call);
  const res = await route(engine, call, trace);
  trace?.answered(res);
  return res;
}

async function route(engine: Engine, call: ChatCall, trace: Trace | undefined): Promise<Response> {
  const decoded = decodeRequest(engine, call);
  if (decoded instanceof Response) return decoded;
  const { req, ctx } = decoded;
  trace?.request(req.model, !!req.stream);
  const fail = (e: UnifiedError) => errorResponse(engine.mappings, call.client, e);

  const plan = engine.router.plan(call.models, req.model);
  if (!plan?.attempts.length) return fail(unifiedError(404, `model "${req.model}" is not served by this proxy`, "model"));

  const compat = compatPlan(call.toolCompat ?? plan.route.toolCompat, req, engine.router, engine.config.mappings);
  let last: UnifiedError | undefined;
  let tried = 0;
  for (const [i, a] of plan.attempts.entries()) {
    tried++;
    const target = `${a.provider.name}/${a.model}`;
    let result = await attempt(engine, call, req, ctx, a, compat.session(target), trace);
    if (!(result instanceof Response) && compat.fallback(target, result.error)) {
      trace?.failed(`${result.error.message} (retried in tool compatibility mode)`, result.status);
      result = await attempt(engine, call, req, ctx, a, compat.session(target), trace);
    }
    if (result instanceof Response) return result;
    last = result.error;
    trace?.failed(result.error.message, result.status);
    // A fault of the upstream (not of the request) cools the pair down for the next requests.
    if (result.retry) engine.router.fail(a, { status: result.status, message: result.error.message, retryAfterMs: result.retryAfterMs });
    if (!result.retry || i === plan.attempts.length - 1) break;
  }
  // The client learns which of its models failed, how often, and the last upstream's own words.
  const tries = tried > 1 ? `all ${tried} attempts failed; last: ` : "";
  return fail({ ...last!, message: `model "${req.model}": ${tries}${last!.message}` });
}

/** A response for the client, or why this attempt failed: `status` is the upstream's, absent for network faults. */
type Outcome = Response | { error: UnifiedError; retry: boolean; status?: number; retryAfterMs?: number };

async function attempt(
  engine: Engine,
  call: ChatCall,
  req: Request,
  ctx: MappingContext,
  a: Attempt,
  compat: CompatSession | undefined,
  trace?: Trace,
): Promise<Outcome> {
  const protocol = a.provider.protocol as ProtocolName;
  const upstream = engine.mappings[protocol];
  if (!upstream)
    return { error: unifiedError(501, `provider "${a.provider.name}" speaks ${protocol}, which this build does not convert yet`), retry: true };
  const where = `${a.provider.name}/${a.model}`;
  const body = upstream.spec["request.encode"].run(
    { ...(compat ? compat.request(req) : req), model: a.model, sampling: capTokens(req.sampling, a.provider.maxTokens) },
    ctx,
  );
  const target = upstreamCall(a.provider, "generate", a.key, { protocol: call.client, headers: call.headers }, { model: a.model, stream: !!req.stream });
  const payload = JSON.stringify(body);
  trace?.attempt(where, a.keyLabel, target.url, target.headers, payload);

  const waits = new AttemptWaits(call, a.provider.limits.firstByteTimeoutMs, originOf(a.provider.baseUrl), a.provider.limits.connectTimeoutMs);
  try {
    let res: globalThis.Response;
    try {
      res = await fetch(target.url, { method: "POST", headers: target.headers, body: payload, signal: waits.signal });
    } catch (e) {
      return { error: waits.failure(e, where), retry: true };
    }
    waits.answered();
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      trace?.upstreamBody(text);
      const error = upstreamError(engine.mappings, protocol, res.status, text, where);
      const retry = isRetryable(res.status) || res.status === 401 || res.status === 403;
      return { error, retry, status: res.status, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
    }
    const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
    if (!req.stream || isJson) {
      const out = await whole(engine, call, res, protocol, ctx, where, !!req.stream, compat, trace);
      if (out instanceof Response) engine.router.succeed(a);
      return out;
    }
    const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let first: ReadResult;
    try {
      first = await reader.read();
    } catch (e) {
      return { error: waits.failure(e, where), retry: true };
    }
    if (first.done) return { error: unifiedError(502, `${where}: upstream closed the stream before sending anything`), retry: true };
    return streamed(engine, call, reader, first.value, protocol, ctx, a, compat, trace);
  } finally {
    waits.end();
  }
}

async function whole(
  engine: Engine,
  call: ChatCall,
  res: globalThis.Response,
  protocol: ProtocolName,
  ctx: MappingContext,
  where: string,
  asStream: boolean,
  compat: CompatSession | undefined,
  trace?: Trace,
): Promise<Outcome> {
  // With bodies logged, the texts are kept as they are; otherwise nothing is serialised twice either.
  const keep = trace?.keepsBodies;
  let json: unknown;
  try {
    if (!keep) json = await res.json();
    else {
      const text = await res.text();
      trace!.upstreamBody(text);
      json = JSON.parse(text);
    }
  } catch {
    return { error: unifiedError(502, `${where}: upstream answered with a body that is not JSON`), retry: true };
  }
  const decoded = engine.mappings[protocol].spec["response.decode"].run(json, ctx) as UnifiedResponse;
  const unified = settleStopReason(compat ? compat.response(decoded) : decoded);
  trace?.usage(unified.usage);
  const client = engine.mappings[call.client];
  if (!asStream) {
    const out = client.spec["response.encode"].run(unified, ctx);
    if (!keep) return Response.json(out);
    const text = JSON.stringify(out);
    trace!.clientText(text);
    return new Response(text, { headers: { "content-type": "application/json;charset=utf-8" } });
  }
  // Asked to stream but answered whole: replay it in the client's stream grammar.
  const enc = clientStream(engine, call);
  const writer = frameWriter(enc.frame);
  let text = "";
  for (const e of responseEvents(unified)) {
    const frames = enc.events.run(e, ctx) as Frame | Frame[] | undefined;
    for (const f of Array.isArray(frames) ? frames : frames ? [frames] : []) text += writer.write(f);
  }
  if (enc.done) text += writer.write({ data: enc.done });
  text += writer.end();
  trace?.clientText(text);
  return new Response(text, { headers: { "content-type": CONTENT_TYPES[enc.frame] } });
}

/**
 * The first chunk is already read, so a stream that dies at once has failed over before the client
 * saw a byte; so does one whose first chunk says nothing but an error (Claude's overloaded_error as
 * its first event, a 200 that is no answer).
 */
function streamed(
  engine: Engine,
  call: ChatCall,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  first: Uint8Array,
  protocol: ProtocolName,
  ctx: MappingContext,
  a: Attempt,
  compat: CompatSession | undefined,
  trace?: Trace,
): Outcome {
  const encode = clientStream(engine, call);
  // The first chunk is converted before anything is committed: its events wait in `early` until the
  // stream is known to be more than an error.
  let hooks: ReturnType<Trace["stream"]> | undefined;
  let early: StreamEvent[] | undefined = [];
  // A stream succeeds when it ends complete. Past the first byte there is no failing over, but the
  // router still hears of a stream the upstream broke (cut, stalled, an error event), so the next
  // requests go elsewhere while the pair cools. Neither when the client left: the stream's end is
  // then its doing (its cancel comes before the last read settles).
  let left = false;
  const observe = (e: StreamEvent) => {
    if (early) return void early.push(e);
    hooks?.observe(e);
    if (left) return;
    if (e.type === "stop") engine.router.succeed(a);
    else if (e.type === "error") engine.router.fail(a, { status: e.status, message: `${a.provider.name}/${a.model}: mid-stream: ${e.message}` });
  };
  const body = convertStream(reader, {
    decode: engine.mappings[protocol].stream["stream.decode"],
    encode,
    ctx: streamContext(ctx),
    idleTimeoutMs: a.provider.limits.idleTimeoutMs,
    first,
    rewrite: compat?.events(),
    observe,
    tap: {
      upstream: (chunk) => early || hooks?.upstream?.(chunk),
      client: (text) => hooks?.client?.(text),
      end: (cancelled) => ((left = cancelled), hooks?.end(cancelled)),
    },
  });
  const seen = early;
  early = undefined;
  const error = seen.find((e) => e.type === "error");
  if (error && seen.every((e) => e.type === "start" || e.type === "error")) {
    body.cancel().catch(() => {});
    const { type: _, ...unified } = error;
    return { error: { ...unified, message: `${a.provider.name}/${a.model}: ${error.message}` }, retry: isRetryable(error.status), status: error.status };
  }
  hooks = trace?.stream();
  hooks?.upstream?.(first);
  for (const e of seen) observe(e);
  return new Response(body, {
    headers: { "content-type": CONTENT_TYPES[encode.frame], "cache-control": "no-cache" },
  });
}

/**
 * What a stream's mappings see of the request: all of it but the conversation. The stream's
 * closures live as long as it does, and a heap snapshot showed each held its whole conversation
 * through the context (a coding agent's runs to hundreds of kilobytes, for minutes).
 */
function streamContext(ctx: MappingContext): MappingContext {
  const r = ctx.request;
  return r ? { ...ctx, request: { ...r, system: undefined, messages: [] } } : ctx;
}

/** The client's stream encoding, framed as its route asks (Gemini: SSE or a JSON array). */
function clientStream(engine: Engine, call: ChatCall): StreamMapping {
  const enc = engine.mappings[call.client].stream["stream.encode"];
  return call.route?.frame && call.route.frame !== enc.frame ? { ...enc, frame: call.route.frame } : enc;
}

/** A provider's output-token cap applied to what the client asked (absent when it asked nothing). */
function capTokens(s: Request["sampling"], cap: number | undefined): Request["sampling"] {
  return cap !== undefined && s?.maxTokens !== undefined && s.maxTokens > cap ? { ...s, maxTokens: cap } : s;
}

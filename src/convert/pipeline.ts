// The data path for one chat request: decode (client → unified) → router picks target + key →
// encode (unified → upstream) → fetch → decode (upstream → unified) → encode (unified → client).
import type { ModelRoute, ResolvedConfig, ToolCompat } from "../config/schema.ts";
import type { MappingSet, ProtocolName, StreamMapping } from "../mapping/load.ts";
import type { MappingContext } from "../mapping/functions.ts";
import type { Request, UnifiedError } from "../unified/index.ts";
import type { Attempt, Router } from "../router/index.ts";
import { parseRetryAfter } from "../router/health.ts";
import { originOf } from "../router/connect.ts";
import { AttemptWaits } from "./waits.ts";
import { upstreamCall, upstreamFetch } from "../protocols/upstream.ts";
import { errorResponse, isRetryable, redirectError, unifiedError, upstreamError } from "./errors.ts";
import type { ReadResult, StreamWatch } from "./stream.ts";
import { streamed, whole, type Outcome } from "./respond.ts";
import { ERROR_BODY_MAX, readCapped } from "./body.ts";
import { encodeRequest } from "./encode.ts";
import { estimateInputTokens } from "./estimate.ts";
import { compatPlan, type CompatSession } from "../compat/index.ts";
import type { RequestLog, Trace } from "../log/index.ts";
import type { Catalogs } from "./catalogs.ts";
import { unknownModelMessage } from "./models.ts";

export interface Engine {
  config: ResolvedConfig;
  mappings: MappingSet;
  router: Router;
  /** Where each request's row goes: the database when logging is on, the console's line, the status page's ring */
  log?: RequestLog;
  /** The upstreams' own model lists, which model lists draw on; kept across reloads */
  catalogs?: Catalogs;
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
  /** The URL's query (Claude's model list pages by it) */
  query?: URLSearchParams;
  /** For the log: the route's path and the group it was served under */
  path?: string;
  group?: string;
  /** The server's egress filter: cuts every secret out of text the client is sent */
  redact: (text: string) => string;
  /** The server's watch over its open streams (idle limits, shutdown) */
  streams?: StreamWatch;
}

export interface RouteParams {
  model?: string;
  stream?: boolean;
  frame?: StreamMapping["frame"];
  /** Gemini's `:embedContent`: one content in, one embedding out (its batch call takes and answers lists) */
  single?: boolean;
  /** Ollama's legacy `/api/embeddings`: `prompt` in, one `embedding` out */
  legacy?: boolean;
}

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

/** The request's log trace, when anything watches requests. */
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
  if (!plan?.attempts.length) return fail(unifiedError(404, unknownModelMessage(engine, call.models, req.model), "model"));

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
  const encoded = encodeRequest(
    upstream.spec["request.encode"],
    { ...(compat ? compat.request(req) : req), model: a.model, sampling: capTokens(req.sampling, a.provider.maxTokens) },
    ctx,
    { protocol: call.client, body: call.body },
  );
  if ("error" in encoded) return { error: encoded.error, retry: false }; // the request's fault: no other pair is cooled or tried
  const body = encoded.body;
  const target = upstreamCall(a.provider, "generate", a.key, { protocol: call.client, headers: call.headers }, { model: a.model, stream: !!req.stream });
  const payload = JSON.stringify(body);
  trace?.attempt(where, a.keyLabel, target.url, target.headers, payload);

  const waits = new AttemptWaits(call, a.provider.limits.firstByteTimeoutMs, originOf(a.provider.baseUrl), a.provider.limits.connectTimeoutMs);
  try {
    let res: globalThis.Response;
    try {
      res = await upstreamFetch(target, payload, waits.signal);
    } catch (e) {
      return { error: waits.failure(e, where), retry: true };
    }
    waits.answered();
    const redirected = redirectError(res, where);
    if (redirected) return { error: redirected, retry: true, status: res.status };
    if (!res.ok) {
      const text = (await readCapped(res, ERROR_BODY_MAX).catch(() => "")) ?? "";
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
    // The body's size stands in for the input count in a stream that must state one before the upstream has.
    const streamCtx = { ...ctx, inputEstimate: estimateInputTokens(payload.length, req) };
    return streamed(engine, call, reader, first.value, protocol, streamCtx, a, compat, trace);
  } finally {
    waits.end();
  }
}

/** A provider's output-token cap applied to what the client asked (absent when it asked nothing). */
function capTokens(s: Request["sampling"], cap: number | undefined): Request["sampling"] {
  return cap !== undefined && s?.maxTokens !== undefined && s.maxTokens > cap ? { ...s, maxTokens: cap } : s;
}

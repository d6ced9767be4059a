// The spine every endpoint shares: the engine (config, mappings, router, log), one client call, and
// failover over a plan's target × key pairs. Each endpoint (chat, token count, embeddings) supplies
// only what one attempt does, given one Attempt object.
import type { ModelRoute, ResolvedConfig, ToolCompat } from "../config/schema.ts";
import type { MappingSet, ProtocolName } from "../mapping/load.ts";
import type { RouteParams } from "../protocols/protocol.ts";
import type { UnifiedError } from "../unified/index.ts";
import type { Pair, Plan, Router } from "../router/index.ts";
import { inTurn, type Defer, type Failure, type StreamEnd } from "../router/failover.ts";
import type { RequestLog, Trace } from "../log/index.ts";
import type { Catalogs } from "./catalogs.ts";
import type { Kept } from "./kept.ts";
import type { StreamWatch } from "./stream.ts";
import { errorResponse, unifiedError } from "./errors.ts";
import { unknownModelMessage } from "./models.ts";

export interface Engine {
  config: ResolvedConfig;
  mappings: MappingSet;
  router: Router;
  /** Where each request's row goes: the database when logging is on, the console's line, the status page's ring */
  log?: RequestLog;
  /** The upstreams' own model lists, which model lists draw on; kept across reloads */
  catalogs?: Catalogs;
  /** Answers the proxy converted that a client may name later (a protocol's `recall`); kept across reloads */
  kept?: Kept<unknown>;
}

/** One client request, as every endpoint's handler receives it. */
export interface Call {
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
  /** Spec kinds the route swaps for its protocol's own (Ollama's /api/generate: generate.decode for request.decode) */
  specs?: Readonly<Record<string, string>>;
  /**
   * Whose answers this call may name (its protocol's `recall`): the scope (root or group) and the
   * access key presented. One client never reaches another's kept answers, even knowing their ids.
   */
  owner?: string;
  /** The body as the client sent it, when `body` has earlier answers filled in (its protocol's `recall`) */
  sent?: unknown;
  /** The `when` rule that routed the call (`<pattern>#<n>`), when one did */
  rule?: string;
  /** What the body names that is not kept here: the client's 400, unless the upstream speaks its protocol */
  unresolved?: { param: string; message: string };
}

/** The spec kind a call uses for `kind`: its route's own, or the common one. */
export const specKind = (call: Call, kind: string): string => call.specs?.[kind] ?? kind;

export type { RouteParams };

export type { Failure, StreamEnd };

/** What one attempt came to: a response for the client, or why not. */
export type Outcome = Response | Failure;

/** One attempt at one pair: all an endpoint's attempt needs, passed whole instead of argument by argument. */
export interface Attempt {
  engine: Engine;
  call: Call;
  pair: Pair;
  /** How errors and the log name the target: `provider/model` */
  where: string;
  trace?: Trace;
  /**
   * For an answer whose success is known only later (a stream): the router then hears of it
   * through the function returned, not when the response is returned.
   */
  defer: Defer;
}

/** The request's log trace, when anything watches requests. */
export function beginTrace(engine: Engine, call: Call): Trace | undefined {
  const { client, body, raw, headers, path, group } = call; // not a spread: that would read the lazy signal
  return engine.log?.begin({ client, body, raw, headers, path, group, model: call.route?.model });
}

/** An error in the client's own protocol shape. */
export function clientError(engine: Engine, call: Call, e: UnifiedError): Response {
  return errorResponse(engine.mappings, call.client, e);
}

/** The 404 for a model nothing in scope serves, naming the nearest that are. */
export function unknownModel(engine: Engine, call: Call, name: string): Response {
  return clientError(engine, call, unifiedError(404, unknownModelMessage(engine, call.models, name), "model"));
}

/** A client call's attempts at the plan's pairs, in turn (router/failover.ts: the loop, and the router's health). */
export function failover(
  engine: Engine,
  call: Call,
  plan: Pick<Plan, "attempts">,
  tryPair: (a: Attempt) => Promise<Outcome>,
  trace?: Trace,
): Promise<Response | (Failure & { tried: number })> {
  return inTurn<Response>(
    engine.router,
    plan.attempts,
    (pair, defer) => tryPair({ engine, call, pair, where: pair.target, trace, defer }),
    trace && ((f) => trace.failed(f.error.message, f.status)),
  );
}

/**
 * A model-routed endpoint from plan to answer: the client's model resolved, its pairs tried in turn,
 * and when all fail, the client learns which of its models failed, how often, and the last upstream's own words.
 */
export async function serveModel(
  engine: Engine,
  call: Call,
  model: string,
  tryPair: (a: Attempt, route: ModelRoute) => Promise<Outcome>,
  trace?: Trace,
): Promise<Response> {
  const plan = engine.router.plan(call.models, model);
  if (!plan?.attempts.length) return unknownModel(engine, call, model);
  const out = await failover(engine, call, plan, (a) => tryPair(a, plan.route), trace);
  return out instanceof Response ? out : clientError(engine, call, failedAll(model, out));
}

/** The last failure, said of the client's model and how many of its attempts failed. */
export function failedAll(model: string, f: Failure & { tried: number }): UnifiedError {
  const tries = f.tried > 1 ? `all ${f.tried} attempts failed; last: ` : "";
  return { ...f.error, message: `model "${model}": ${tries}${f.error.message}` };
}

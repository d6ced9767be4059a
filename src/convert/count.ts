// Token counting (Claude's /v1/messages/count_tokens, Gemini's :countTokens): asked of the upstream
// where its protocol can count, otherwise counted here with a real tokenizer (o200k), never
// characters ÷ 4, in a worker thread and within a time budget (counter.ts, count-text.ts).
import type { Request, UnifiedError } from "../unified/index.ts";
import { unifiedError } from "./errors.ts";
import { upstreamCall } from "../protocols/upstream.ts";
import { attemptWaits, send } from "./send.ts";
import type { MappingContext } from "../mapping/functions.ts";
import { compatPlan } from "../compat/index.ts";
import type { ModelRoute } from "../config/schema.ts";
import { countInWorker } from "./counter.ts";
import { IMAGE_TOKENS } from "./estimate.ts";
import { readCapped } from "./body.ts";
import { clientError, failover, unknownModel, type Attempt, type Call, type Engine, type Outcome } from "./engine.ts";
import { routeByRule } from "./rules.ts";
import { shapeRequest } from "./shape.ts";

/** Every piece of text the model reads, counted as one string; images are priced as Claude documents. */
export async function localCount(req: Request): Promise<number> {
  const texts: string[] = [];
  let images = 0;
  for (const s of req.system ?? []) texts.push(s.text);
  for (const m of req.messages) {
    texts.push(m.role);
    for (const p of m.content) {
      if (p.type === "text" || p.type === "thinking") texts.push(p.text);
      else if (p.type === "tool_call") texts.push(p.name, JSON.stringify(p.input));
      else if (p.type === "tool_result") for (const c of p.content) c.type === "text" ? texts.push(c.text) : images++;
      else if (p.type === "image") images++;
    }
  }
  for (const t of req.tools ?? []) texts.push(t.name, t.description ?? "", JSON.stringify(t.parameters ?? {}));
  return (await countInWorker(texts)) + images * IMAGE_TOKENS + req.messages.length * 3;
}

const COUNT_FIELDS = ["model", "messages", "system", "tools", "tool_choice", "thinking"];

/** A count answers in well under a second; past this (or the provider's first-byte timeout) it is counted here. */
const COUNT_TIMEOUT_MS = 10_000;
/** A count's answer is a few numbers; more than this is no count */
const COUNT_BODY_MAX = 65_536;

/**
 * How a request is counted: the client's body decoded, and for a pair of the client's own protocol
 * (which can count), the body that protocol's count endpoint takes.
 */
export interface CountRequest {
  req: Request;
  ctx: MappingContext;
  /** The upstream count request for a pair of the client's protocol, or why the request cannot be sent */
  payload(sent: Request, a: Attempt): { body: unknown } | { error: UnifiedError };
}

/**
 * A count, from plan to answer. The pair the model's chats would go to first decides (after the
 * same `when` rules, and of the request as its route shapes it): of the client's own protocol, it
 * and the plan's next pairs of that protocol are asked in turn (a failing one cools, as for chats);
 * any other protocol, or every pair failing, is counted here.
 */
export async function count(engine: Engine, call: Call, asked: CountRequest, answer: (tokens: number) => unknown): Promise<Response> {
  const { req } = asked;
  call = routeByRule(engine, call, req);
  const plan = engine.router.plan(call.models, req.model);
  if (!plan?.attempts.length) return unknownModel(engine, call, req.model);
  const first = plan.attempts[0]!;
  const sent = countedRequest(call, shapeRequest(plan.route, req), plan.route, engine, first);
  if (first.provider.protocol === call.client) {
    const counting = plan.attempts.filter((p) => p.provider.protocol === call.client);
    const out = await failover(engine, call, { attempts: counting }, (a) => {
      const payload = asked.payload(sent, a);
      return "error" in payload ? Promise.resolve({ error: payload.error, retry: false }) : askToCount(a, payload.body);
    });
    if (out instanceof Response) return out;
    // The upstream refused the request itself; a 404 says only that this server does not count.
    if (!out.retry && out.status !== 404) return clientError(engine, call, out.error);
  }
  return Response.json(answer(await localCount(sent)));
}

/** In tool compatibility mode the model reads the tools as an instruction, not as `tools`: that is counted. */
function countedRequest(call: Call, req: Request, route: ModelRoute, engine: Engine, first: Attempt["pair"]): Request {
  const compat = compatPlan(call.toolCompat ?? route.toolCompat, req, engine.router, engine.config.mappings).session(first.target);
  return compat ? compat.request(req) : req;
}

/**
 * Asks one upstream to count: its answer, or why not (a 404: this server of the protocol does not count).
 */
async function askToCount(a: Attempt, payload: unknown): Promise<Outcome> {
  const { pair, where, call } = a;
  const target = upstreamCall(pair.provider, "count", pair.key, { protocol: call.client, headers: call.headers }, { model: pair.model });
  if (!target) return { error: unifiedError(404, `${where}: its protocol has no count endpoint`), retry: false, status: 404 };
  const waits = attemptWaits(a, COUNT_TIMEOUT_MS);
  try {
    const res = await send(a, target, JSON.stringify(payload), waits);
    if (!(res instanceof Response)) return res;
    const text = await readCapped(res, COUNT_BODY_MAX).catch(() => undefined);
    const counted = text === undefined ? undefined : parseJson(text);
    if (counted === undefined) return { error: unifiedError(502, `${where}: upstream answered a count that is not JSON`), retry: true };
    return Response.json(counted);
  } finally {
    waits.end();
  }
}

export async function countTokens(engine: Engine, call: Call): Promise<Response> {
  const fail = (status: number, message: string, param?: string) => clientError(engine, call, unifiedError(status, message, param));
  const body = call.body as Record<string, unknown>;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "request body must be a JSON object", "body");
  // A Messages body without max_tokens, which a count does not take: checked as one (fields, depth).
  const bad = engine.mappings.claude.require({ ...body, max_tokens: 0 });
  if (bad) return fail(400, bad.message, bad.param);
  const ctx: MappingContext = { model: body.model as string }; // a string: require checked it
  const req = engine.mappings.claude.spec["request.decode"].run(body, ctx) as Request;
  const payload = (sent: Request, a: Attempt) => {
    const full = engine.mappings.claude.spec["request.encode"].run({ ...sent, model: a.pair.model }, ctx) as Record<string, unknown>;
    return { body: Object.fromEntries(COUNT_FIELDS.filter((k) => full[k] !== undefined).map((k) => [k, full[k]])) };
  };
  return count(engine, call, { req, ctx, payload }, (tokens) => ({ input_tokens: tokens }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

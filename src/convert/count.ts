// Token counting (Claude's /v1/messages/count_tokens, Gemini's :countTokens): asked of the upstream
// where its protocol can count, otherwise counted here with a real tokenizer (o200k), never
// characters ÷ 4, in a worker thread and within a time budget (counter.ts, count-text.ts).
import type { Request } from "../unified/index.ts";
import type { Engine, ChatCall } from "./pipeline.ts";
import { errorResponse, redirectError, unifiedError, upstreamError } from "./errors.ts";
import { upstreamCall, upstreamFetch, type UpstreamCall } from "../protocols/upstream.ts";
import type { Attempt } from "../router/index.ts";
import { originOf } from "../router/connect.ts";
import type { ProtocolName } from "../mapping/load.ts";
import { AttemptWaits } from "./waits.ts";
import type { MappingContext } from "../mapping/functions.ts";
import { compatPlan } from "../compat/index.ts";
import type { ResolvedConfig } from "../config/schema.ts";
import { countInWorker, warmCounter } from "./counter.ts";
import { IMAGE_TOKENS } from "./estimate.ts";
import { unknownModelMessage } from "./models.ts";

/**
 * Whether a count for this client is likely to be made here: its protocol counts (Claude's
 * count_tokens, Gemini's countTokens) and a provider speaks another protocol, so cannot be asked.
 */
export function countsHere(config: ResolvedConfig, client: ProtocolName): boolean {
  if (client !== "claude" && client !== "gemini") return false;
  for (const name in config.providers) if (config.providers[name]!.protocol !== client) return true;
  return false;
}

/**
 * Starts the token counter (a worker that loads the tokenizer) at the first request of a client
 * whose counts are made here, so that its first count does not wait for the load; a proxy no such
 * client uses never loads it.
 */
export function warmCounting(config: ResolvedConfig, client: ProtocolName): void {
  if (!warmed && countsHere(config, client)) (warmed = true), warmCounter();
}
let warmed = false;

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

/**
 * Asks the upstream to count: its answer, its error in the client's shape, or undefined when the
 * count is better made here (the upstream does not count, cannot be reached, or takes too long).
 */
export async function askToCount(engine: Engine, call: ChatCall, a: Attempt, target: UpstreamCall, payload: unknown): Promise<Response | undefined> {
  const waits = new AttemptWaits(call, Math.min(COUNT_TIMEOUT_MS, a.provider.limits.firstByteTimeoutMs), originOf(a.provider.baseUrl), a.provider.limits.connectTimeoutMs);
  try {
    const res = await upstreamFetch(target, JSON.stringify(payload), waits.signal);
    waits.answered();
    if (res.ok) return Response.json(await res.json());
    const redirected = redirectError(res, `${a.provider.name}/${a.model}`);
    if (redirected) return errorResponse(engine.mappings, call.client, redirected);
    const text = await res.text();
    // Not every server of the protocol counts (404): count here.
    if (res.status !== 404) return errorResponse(engine.mappings, call.client, upstreamError(engine.mappings, a.provider.protocol as ProtocolName, res.status, text, `${a.provider.name}/${a.model}`));
  } catch {
    // unreachable, or too slow: a local count is still a useful answer
  } finally {
    waits.end();
  }
  return undefined;
}

export async function countTokens(engine: Engine, call: ChatCall): Promise<Response> {
  const fail = (status: number, message: string, param?: string) =>
    errorResponse(engine.mappings, "claude", unifiedError(status, message, param));
  const body = call.body as Record<string, unknown>;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "request body must be a JSON object", "body");
  // A Messages body without max_tokens, which a count does not take: checked as one (fields, depth).
  const bad = engine.mappings.claude.require({ ...body, max_tokens: 0 });
  if (bad) return fail(400, bad.message, bad.param);
  const ctx: MappingContext = { model: body.model as string }; // a string: require checked it
  const req = engine.mappings.claude.spec["request.decode"].run(body, ctx) as Request;
  const plan = engine.router.plan(call.models, req.model);
  if (!plan?.attempts.length) return fail(404, unknownModelMessage(engine, call.models, req.model), "model");

  const a = plan.attempts[0]!;
  // In tool compatibility mode the model reads the tools as an instruction, not as `tools`: count that.
  const compat = compatPlan(call.toolCompat ?? plan.route.toolCompat, req, engine.router, engine.config.mappings).session(`${a.provider.name}/${a.model}`);
  const sent = compat ? compat.request(req) : req;
  if (a.provider.protocol === "claude") {
    const full = engine.mappings.claude.spec["request.encode"].run({ ...sent, model: a.model }, ctx) as Record<string, unknown>;
    const payload = Object.fromEntries(COUNT_FIELDS.filter((k) => full[k] !== undefined).map((k) => [k, full[k]]));
    const target = upstreamCall(a.provider, "count", a.key, { protocol: "claude", headers: call.headers });
    const asked = await askToCount(engine, call, a, target, payload);
    if (asked) return asked;
  }
  return Response.json({ input_tokens: await localCount(sent) });
}

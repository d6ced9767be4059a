// Where `when` rules meet a request: the traits a rule may test, taken from the decoded request
// (cheap ones at once, the rest only when a rule asks), and the call re-scoped to the rule's targets.
import type { Request } from "../unified/index.ts";
import { THINKING_BUDGETS, thinkingRank } from "../config/schema.ts";
import type { Trace } from "../log/index.ts";
import type { Call, Engine } from "./engine.ts";
import { estimateInputTokens } from "./estimate.ts";
import { protocolOf } from "../protocols/index.ts";

/** The call as the rule its model's entry picks would have it: planned in the rule's scope, and labelled. */
export function routeByRule(engine: Engine, call: Call, req: Request, trace?: Trace): Call {
  const pick = engine.router.entry(call.models, req.model)?.pick;
  if (!pick) return call;
  const hit = pick({
    model: req.model,
    thinking: thinkingLevel(req.thinking),
    images: () => hasImages(req),
    tools: req.tools ?? [],
    webSearch: () => protocolOf(call.client).webSearch?.(call.body) ?? false,
    headers: call.headers,
    inputTokens: () => estimateInputTokens(call.raw?.length ?? JSON.stringify(call.body).length, req),
  });
  if (!hit) return call;
  trace?.rule(hit.label);
  return { ...call, models: hit.scope, rule: hit.label };
}

/**
 * How much thinking the request asks for, as RuleInput.thinking has it. An effort of "none" decodes
 * as not enabled; a stated budget counts as the level its size reaches; Claude's adaptive thinking
 * and Gemini's dynamic budget leave the amount to the model (0) unless an effort comes with them.
 */
export function thinkingLevel(t: Request["thinking"]): number {
  if (!t?.enabled) return -1;
  const b = t.budget ?? 0;
  const budget = b <= 0 ? 0 : thinkingRank(b >= THINKING_BUDGETS.high ? "high" : b >= THINKING_BUDGETS.medium ? "medium" : b >= THINKING_BUDGETS.low ? "low" : "minimal");
  return Math.max(thinkingRank(t.effort), budget);
}

function hasImages(req: Request): boolean {
  for (const m of req.messages)
    for (const p of m.content) {
      if (p.type === "image") return true;
      if (p.type === "tool_result" && p.content.some((c) => c.type === "image")) return true;
    }
  return false;
}

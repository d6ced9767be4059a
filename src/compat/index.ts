// Tool compatibility mode, as the data path sees it: per request, which attempts go in compat mode
// (`compat`, the /compat/ prefix, or `auto` once a target refused tools), and the session that
// rewrites the unified request, response and stream events of such an attempt.
import type { ToolCompat } from "../config/schema.ts";
import type { Request, Response, UnifiedError } from "../unified/index.ts";
import { compatEvent } from "./events.ts";
import { instructionFor } from "./instruction.ts";
import { compatRequest } from "./request.ts";
import { compatEvents, compatResponse, type EventRewrite } from "./response.ts";

export { onCompatEvent, compatCounters, type CompatEvent } from "./events.ts";
export type { EventRewrite } from "./response.ts";

export interface CompatSession {
  request(req: Request): Request;
  response(r: Response): Response;
  events(): EventRewrite;
}

/** What `auto` remembers: the targets that refused native tools (the router keeps it per process). */
export interface ToolMemory {
  refusesTools(target: string): boolean;
  markRefusesTools(target: string): void;
}

export interface CompatPlan {
  /** The session for an attempt on `target`, or undefined when it gets the tools natively */
  session(target: string): CompatSession | undefined;
  /** After a native attempt failed: true when the target refused tools and `auto` retries in compat mode */
  fallback(target: string, error: UnifiedError): boolean;
}

const NATIVE: CompatPlan = { session: () => undefined, fallback: () => false };

/**
 * An upstream's answer that it cannot take tools: Ollama's "<model> does not support tools" (both its
 * APIs), vLLM's '"auto" tool choice requires --enable-auto-tool-choice …', any 4xx naming the fields.
 * @see https://github.com/ollama/ollama/issues/6027 @see https://github.com/vllm-project/vllm/pull/30613
 */
const REFUSES_TOOLS = /\btools\b|\btool[_ ]choice\b|tool-call-parser|function calling/i;

export function compatPlan(mode: ToolCompat, req: Request, memory: ToolMemory, mappingsDir?: string): CompatPlan {
  const hasTools = !!req.tools?.length || req.messages.some((m) => m.content.some((p) => p.type === "tool_call" || p.type === "tool_result"));
  if (mode === "native" || !hasTools) return NATIVE;
  const session = (target: string): CompatSession => {
    const tools = req.tools ?? [];
    return {
      request: (r) => compatRequest(r, instructionFor(mappingsDir)),
      response: (r) => compatResponse(r, tools, target),
      events: () => compatEvents(tools, target),
    };
  };
  if (mode === "compat") return { session, fallback: () => false };
  return {
    session: (target) => (memory.refusesTools(target) ? session(target) : undefined),
    fallback(target, error) {
      if (memory.refusesTools(target) || !req.tools?.length) return false;
      const said = error.message.startsWith(`${target}: `) ? error.message.slice(target.length + 2) : error.message;
      const refused = error.status >= 400 && error.status < 500 && ![401, 403, 404, 408, 413, 429].includes(error.status)
        && (error.param === "tools" || error.param === "tool_choice" || REFUSES_TOOLS.test(said));
      if (!refused) return false;
      memory.markRefusesTools(target);
      compatEvent({ type: "fallback", target, message: error.message });
      console.log(`ccproxy: ${target} refused native tools; tool compatibility mode from now on (${error.message})`);
      return true;
    },
  };
}

// `ccproxy explain`: what the proxy would do with a request body, without sending it: the client
// protocol (told from the body's shape, or --protocol), the model entry, the `when` rule it meets
// and the targets it would go to, in the order the router tries them first.
import { readFileSync } from "node:fs";
import type { ParsedArgs } from "./args.ts";
import { load, printErrors } from "./start.ts";
import type { ModelRoute, ResolvedConfig } from "../config/schema.ts";
import type { MappingSet, ProtocolName } from "../mapping/load.ts";
import { resolveModel } from "../config/resolve.ts";
import { Router } from "../router/index.ts";
import { decodeRequest } from "../convert/chat.ts";
import { routeByRule } from "../convert/rules.ts";
import type { Call, Engine } from "../convert/engine.ts";

export interface Explained {
  protocol: string;
  model: string;
  /** The model entry the name resolves to, before any rule */
  entry?: string;
  /** `<entry>#<n>`, or "none" */
  rule: string;
  /** The entry the rule sends the request to */
  use?: string;
  targets: string[];
}

/**
 * The client protocol a body is written in, from fields only it has: Gemini's `contents`, the
 * Responses API's `input`, Ollama's `options`/`keep_alive`/`think` or message `images`, Claude's
 * top-level `system`, `thinking`, `input_schema` tools or content blocks with a `source`, else
 * Claude when `max_tokens` is present (Claude requires it), else OpenAI chat.
 */
export function detectProtocol(body: Record<string, unknown>): ProtocolName {
  if (Array.isArray(body.contents)) return "gemini";
  if (body.input !== undefined && body.messages === undefined) return "responses";
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  if (body.options !== undefined || body.keep_alive !== undefined || body.think !== undefined || messages.some((m) => Array.isArray(m?.images)))
    return "ollama";
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  const blocks = messages.flatMap((m) => (Array.isArray(m?.content) ? (m.content as Record<string, unknown>[]) : []));
  if (
    body.system !== undefined ||
    body.thinking !== undefined ||
    tools.some((t) => t?.input_schema !== undefined || (typeof t?.type === "string" && t.type.startsWith("web_search_"))) ||
    blocks.some((b) => b?.source !== undefined || b?.type === "tool_use" || b?.type === "tool_result")
  )
    return "claude";
  if (tools.some((t) => t?.type === "function") || messages.some((m) => m?.role === "system" || m?.role === "tool")) return "openai";
  return body.max_tokens !== undefined ? "claude" : "openai";
}

/** What the proxy would do with `body`; a string when the body cannot be explained (the client's 400, or no route). */
export function explainBody(
  config: ResolvedConfig,
  mappings: MappingSet,
  body: unknown,
  o: { protocol?: string; model?: string; group?: string; headers?: Headers } = {},
): Explained | string {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "the body is not a JSON object";
  let models: readonly ModelRoute[] = config.models;
  if (o.group !== undefined) {
    const g = config.groups[o.group];
    if (!g) return `no group "${o.group}" (groups: ${Object.keys(config.groups).join(", ") || "none"})`;
    models = g.models;
  }
  const protocol = o.protocol ?? detectProtocol(body as Record<string, unknown>);
  if (!mappings[protocol]) return `no client protocol "${protocol}" (known: ${Object.keys(mappings).join(", ")})`;
  const withModel = o.model !== undefined ? { ...body, model: o.model } : body;
  const engine: Engine = { config, mappings, router: new Router(config) };
  const call: Call = {
    client: protocol as ProtocolName,
    body: withModel,
    raw: JSON.stringify(withModel),
    headers: o.headers ?? new Headers(),
    models,
    redact: (t) => t,
    ...(o.model !== undefined && { route: { model: o.model } }),
  };
  const decoded = decodeRequest(engine, call);
  if (decoded instanceof Response) return `the proxy would refuse it (${decoded.status}): the ${protocol} request does not decode`;
  const { req } = decoded;
  if (!req.model) return "the body names no model: give --model";
  const entry = engine.router.entry(models, req.model);
  const routed = routeByRule(engine, call, req);
  const direct = models === config.models && config.directModels ? config.providers : undefined;
  const hit = resolveModel(routed.models, req.model, routed.models === models ? direct : undefined);
  return {
    protocol,
    model: req.model,
    ...(entry && { entry: entry.pattern }),
    rule: routed.rule ?? "none",
    ...(routed.rule !== undefined && { use: routed.models[0]!.pattern }),
    targets: (hit?.targets ?? []).map((t) => `${t.provider}/${t.model}${t.weight && t.weight > 1 ? ` (weight ${t.weight})` : ""}`),
  };
}

export async function explain(args: ParsedArgs): Promise<number> {
  const loaded = load(args);
  const mappings = loaded.mappings?.mappings;
  if (!loaded.config || !mappings || loaded.errors.length) {
    printErrors(loaded.errors);
    return 1;
  }
  let text: string;
  try {
    text = args.file !== undefined ? readFileSync(args.file, "utf8") : await Bun.stdin.text();
  } catch (e) {
    console.error(`ccproxy: cannot read ${args.file}: ${(e as Error).message}`);
    return 1;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    console.error(`ccproxy: the body is not JSON: ${(e as Error).message}`);
    return 1;
  }
  const headers = new Headers();
  for (const h of args.headers ?? []) headers.append(h.slice(0, h.indexOf(":")).trim(), h.slice(h.indexOf(":") + 1).trim());
  const out = explainBody(loaded.config, mappings, body, { ...args, headers });
  if (typeof out === "string") {
    console.error(`ccproxy: ${out}`);
    return 1;
  }
  if (args.json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(`protocol: ${out.protocol}`);
    console.log(`model:    ${out.model}${out.entry !== undefined ? ` (entry "${out.entry}")` : " (no entry serves it)"}`);
    console.log(`rule:     ${out.rule}${out.use !== undefined ? ` → "${out.use}"` : ""}`);
    console.log(`targets:  ${out.targets.join(", ") || "none"}`);
  }
  return 0;
}

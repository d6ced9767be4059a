// Bun.serve and the route table: each protocol's routes, optionally under a group's path prefix.
import type { Server } from "bun";
import type { ModelRoute } from "../config/schema.ts";
import type { ProtocolName } from "../mapping/load.ts";
import { generate, type Engine, type ChatCall, type RouteParams } from "../convert/pipeline.ts";
import { countTokens } from "../convert/count.ts";
import { listModels } from "../convert/models.ts";
import { errorResponse, unifiedError } from "../convert/errors.ts";
import { allowed, presentedKey } from "./auth.ts";
import { geminiRoute } from "./gemini.ts";
import { ollamaGenerate, ollamaShow, ollamaTags, ollamaVersion } from "./ollama.ts";

export const VERSION = "0.1.0";

interface Scope {
  models: readonly ModelRoute[];
  keys: ReadonlySet<string>;
}

type Handler = (engine: Engine, call: ChatCall) => Promise<Response> | Response;

interface Route {
  method: string;
  client: ProtocolName | "sniff";
  handle: Handler;
  /** What a pattern-matched route read from the URL */
  params?: RouteParams;
}

const ROUTES: Record<string, Route> = {
  "/v1/chat/completions": { method: "POST", client: "openai", handle: generate },
  "/chat/completions": { method: "POST", client: "openai", handle: generate },
  "/v1/messages": { method: "POST", client: "claude", handle: generate },
  "/v1/messages/count_tokens": { method: "POST", client: "claude", handle: countTokens },
  "/v1/models": { method: "GET", client: "sniff", handle: (e, c) => listModels(e, c.client, c.models) },
  "/models": { method: "GET", client: "openai", handle: (e, c) => listModels(e, c.client, c.models) },
  "/v1beta/models": { method: "GET", client: "gemini", handle: (e, c) => listModels(e, c.client, c.models) },
  "/api/chat": { method: "POST", client: "ollama", handle: generate },
  "/api/generate": { method: "POST", client: "ollama", handle: ollamaGenerate },
  "/api/tags": { method: "GET", client: "ollama", handle: ollamaTags },
  "/api/show": { method: "POST", client: "ollama", handle: ollamaShow },
  "/api/version": { method: "GET", client: "ollama", handle: ollamaVersion },
};

/** Which protocol a request speaks when the route alone does not say: Anthropic SDKs send anthropic-version, Google's a Gemini key. */
function sniff(req: Request, url: URL): ProtocolName {
  if (req.headers.has("x-goog-api-key") || url.searchParams.has("key")) return "gemini";
  return req.headers.has("anthropic-version") || req.headers.has("x-api-key") ? "claude" : "openai";
}

export function startServer(engine: Engine, listen: { host: string; port: number }): Server {
  const root: Scope = { models: engine.config.models, keys: new Set(engine.config.accessKeys) };
  const groups = new Map<string, Scope>(
    Object.values(engine.config.groups).map((g) => [
      g.name,
      { models: g.models, keys: new Set(g.accessKeys.length ? g.accessKeys : engine.config.accessKeys) },
    ]),
  );
  const maxBody = engine.config.limits.maxBodyBytes;

  return Bun.serve({
    hostname: listen.host,
    port: listen.port,
    idleTimeout: 0, // long generations stream slowly; the upstream idle timeout guards instead
    maxRequestBodySize: maxBody + 1024 * 1024,
    async fetch(req) {
      const url = new URL(req.url);
      let path = url.pathname;
      if (path === "/health" || path === "/") return Response.json({ status: "ok", version: VERSION });

      let scope = root;
      const slash = path.indexOf("/", 1);
      const head = slash > 0 ? path.slice(1, slash) : "";
      const group = groups.get(head);
      if (group) (scope = group), (path = path.slice(slash));

      const route = ROUTES[path] ?? geminiRoute(path, url);
      const client = route && route.client !== "sniff" ? route.client : sniff(req, url);
      const fail = (status: number, message: string, param?: string) =>
        errorResponse(engine.mappings, client, unifiedError(status, message, param));

      if (!route) return fail(404, `no route ${req.method} ${url.pathname}`);
      if (req.method !== route.method) return fail(405, `${url.pathname} takes ${route.method}, not ${req.method}`);
      if (!allowed(scope.keys, presentedKey(req, url)))
        return fail(401, "invalid access key: present one of this proxy's access keys as your API key");

      let body: unknown;
      if (route.method === "POST") {
        const text = await req.text();
        if (text.length > maxBody) return fail(413, `request body is larger than ${maxBody} bytes`, "body");
        try {
          body = JSON.parse(text);
        } catch (e) {
          return fail(400, `request body is not valid JSON: ${(e as Error).message}`, "body");
        }
      }
      try {
        return await route.handle(engine, { client, body, headers: req.headers, models: scope.models, signal: req.signal, route: route.params, path, group: group && head });
      } catch (e) {
        console.error("ccproxy: internal error", e);
        return fail(500, `internal error: ${(e as Error).message}`);
      }
    },
  });
}

// Bun.serve and the route table: each protocol's routes, optionally under a group's path prefix.
import type { Server } from "bun";
import type { ModelRoute, ResolvedConfig } from "../config/schema.ts";
import type { Engine, Call } from "../convert/engine.ts";
import { Catalogs } from "../convert/catalogs.ts";
import { Kept } from "../convert/kept.ts";
import { errorResponse, unifiedError } from "../convert/errors.ts";
import { allowed, browserRefusal, corsHeaders, originAllowed, preflight, presentedKey } from "./auth.ts";
import { egress } from "../convert/egress.ts";
import { readCapped } from "../convert/body.ts";
import { Secrets, secretsOf } from "../config/secrets.ts";
import { clientOf, patternClient, routeOf, unservedWhy, type Route } from "./routes.ts";
import { Connections, type Held } from "./connections.ts";
import { statusPage, wantsPage, type PageDetails } from "./status-page.ts";
import { CONTENT_TYPE as METRICS_TYPE, Metrics } from "../metrics/index.ts";

export const VERSION = "0.1.0";

interface Scope {
  models: readonly ModelRoute[];
  keys: ReadonlySet<string>;
}

/** The root scope and each group's, made once per config. */
function scopesOf(config: ResolvedConfig) {
  const root: Scope = { models: config.models, keys: new Set(config.accessKeys) };
  const groups = new Map<string, Scope>(
    Object.values(config.groups).map((g) => [g.name, { models: g.models, keys: new Set(g.accessKeys.length ? g.accessKeys : config.accessKeys) }]),
  );
  return { config, root, groups };
}

const STARTED = Date.now();

/** A model name a client sends: the length of any real one, and no control characters (they end up in URLs, logs and terminals). */
const MAX_MODEL_NAME = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export interface ServerOptions {
  onRequest?: () => void;
  /** Every secret any config served so far held; shared with whatever else prints (the console) */
  secrets?: Secrets;
  /** What the server holds open (idle limits, shutdown); shared with the command line's drain */
  connections?: Connections;
}

/** What `answer` takes from the server around it (made once per server): the egress filter, and the hold on a handled request. */
interface Around {
  /** The current filter: a reload that brings new secrets replaces it */
  readonly redact: (text: string) => string;
  hold: (req: Request) => Held;
  /** The address the server listens on, as a URL's origin */
  listening: () => string;
  /** What GET /metrics renders */
  metrics: () => string;
}

/**
 * `engine` may be swapped whole by a reload (Object.assign of config, mappings and router): each
 * request takes its own snapshot when it arrives, so requests in flight finish on the old one.
 * Every answer leaves through `egress`, which cuts out every secret the proxy holds.
 */
export function startServer(live: Engine, listen: { host: string; port: number }, o: ServerOptions = {}): Server<undefined> {
  const onRequest = o.onRequest;
  const secrets = o.secrets ?? new Secrets();
  secrets.add(secretsOf(live.config));
  const conns = o.connections ?? new Connections();
  let scopes = scopesOf(live.config);
  live.catalogs ??= new Catalogs(secrets.redact);
  live.kept ??= new Kept();
  // One registry for the server's life: it counts every request's row, whatever config served it.
  const metrics = new Metrics(live.config);
  live.log?.watch(metrics.watch);
  const scrape = () => metrics.render({ inFlight: conns.inFlight, pairs: live.router.status(), droppedRows: live.log?.store?.dropped ?? 0 });
  let around: Around | undefined;
  const aroundOf = (server: Server<undefined>): Around => ({
    get redact() {
      return secrets.redact;
    },
    hold: (req) => conns.hold(server, req),
    listening: () => `http://${server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname}:${server.port}`,
    metrics: scrape,
  });

  return Bun.serve({
    hostname: listen.host,
    port: listen.port,
    // Never Bun's development error page (stack, source lines, working directory), whatever NODE_ENV says.
    development: false,
    // Idle keep-alive connections close; a request being handled is exempt (connections.ts).
    idleTimeout: conns.keepAliveS,
    // Bun's own limit only stops absurd bodies; the configured one is answered in the caller's shape below.
    maxRequestBodySize: 2 ** 31,
    error(e) {
      console.error(`ccproxy: internal error: ${e.message}`);
      return Response.json({ error: { type: "api_error", message: "internal error" } }, { status: 500 }); // a constant: nothing to redact
    },
    async fetch(req, server) {
      onRequest?.();
      const engine: Engine = { config: live.config, mappings: live.mappings, router: live.router, log: live.log, catalogs: live.catalogs, kept: live.kept };
      if (scopes.config !== engine.config) (scopes = scopesOf(engine.config)), secrets.add(secretsOf(engine.config)), metrics.configure(engine.config);
      const url = new URL(req.url);
      const origin = req.headers.get("origin");
      const res = await answer(req, url, engine, scopes, (around ??= aroundOf(server)));
      const leaving = egress(res, secrets.redact);
      const out = leaving instanceof Response ? leaving : await leaving;
      if (origin !== null && originAllowed(origin, engine.config)) corsHeaders(out.headers, origin);
      return out;
    },
  });
}

type Scopes = ReturnType<typeof scopesOf>;

async function answer(req: Request, url: URL, engine: Engine, scopes: Scopes, around: Around): Promise<Response> {
  const { root, groups } = scopes;
  const maxBody = engine.config.limits.maxBodyBytes;
  let path = url.pathname;
  const page = path === "/" && wantsPage(req);
  if (path === "/health" || (path === "/" && !page)) return Response.json({ status: "ok", version: VERSION });

  let scope = root;
  const slash = path.indexOf("/", 1);
  const head = slash > 0 ? path.slice(1, slash) : "";
  const group = groups.get(head);
  if (group) (scope = group), (path = path.slice(slash));
  // /compat/… and /{group}/compat/…: tool compatibility mode, whatever the model's setting
  const compat = path.startsWith("/compat/");
  if (compat) path = path.slice("/compat".length);

  let route: Route | undefined;
  let malformed = false;
  try {
    route = routeOf(path, req, url);
  } catch {
    malformed = true; // a pattern's part whose percent-encoding does not decode (`/v1beta/models/%zz`)
  }
  const client = (malformed && patternClient(path)) || route?.client || clientOf(path, req, url);
  const fail = (status: number, message: string, param?: string) =>
    errorResponse(engine.mappings, client, unifiedError(status, message, param));
  // A request refused before it is routed still gets its row (who knocked, on which route, why),
  // without the proxy reading a body it refused: only a body it read and found wanting is kept.
  const refuse = (status: number, message: string, param?: string, raw?: string) => {
    const res = fail(status, message, param);
    engine.log?.begin({ client, body: undefined, raw, headers: req.headers, path: route ? path : url.pathname, group: group && head }).answered(res);
    return res;
  };

  // Access is decided here, for every route: a browser page first, then the key.
  const refused = browserRefusal(req, scope.keys.size > 0, engine.config);
  if (refused) return refuse(403, refused);
  if (req.method === "OPTIONS") return preflight(req, engine.config);
  if (page) {
    const keyed = root.keys.size > 0;
    const presented = presentedKey(req, url);
    if (keyed && presented !== undefined && !allowed(root.keys, presented)) refuse(401, "invalid access key (status page)");
    return statusPage({
      version: VERSION,
      health: "ok",
      keyed,
      access: !keyed ? "open" : presented === undefined ? "none" : allowed(root.keys, presented) ? "granted" : "refused",
      details: () => pageDetails(engine, scopes, around.listening()),
      redact: around.redact,
    });
  }
  if (path === "/admin/status" && !group) {
    if (!allowed(root.keys, presentedKey(req, url))) return refuse(401, "invalid access key");
    return Response.json(adminStatus(engine));
  }
  if (path === "/metrics" && !group) {
    // Off, it is no route: a 404 to anyone, as for a path nothing serves, saying why.
    if (!engine.config.metrics.enabled) return refuse(404, "metrics are off: this proxy's config sets metrics: { enabled: false }");
    if (!allowed(root.keys, presentedKey(req, url))) return refuse(401, "invalid access key: present one of this proxy's access keys as a Bearer token");
    if (req.method !== "GET") return refuse(405, `/metrics takes GET, not ${req.method}`);
    // A plain response: egress reads it back through the redactor like any other.
    return new Response(around.metrics(), { headers: { "content-type": METRICS_TYPE } });
  }
  if (malformed) return refuse(400, "the path is not valid percent-encoding", "path");
  if (!route) {
    const why = unservedWhy(path);
    return refuse(404, why ? `${req.method} ${url.pathname}: ${why}` : `no route ${req.method} ${url.pathname}`);
  }
  if (req.method !== route.method) return refuse(405, `${url.pathname} takes ${route.method}, not ${req.method}`);
  const presented = presentedKey(req, url);
  if (!allowed(scope.keys, presented)) return refuse(401, "invalid access key: present one of this proxy's access keys as your API key");

  let body: unknown;
  let text: string | undefined;
  if (route.method === "POST") {
    text = await readCapped(req, maxBody);
    if (text === undefined) return refuse(413, `request body is larger than ${maxBody} bytes`, "body");
    try {
      body = JSON.parse(text);
    } catch (e) {
      // kept as a JSON string: the log's request text is a JSON document with the body inside it
      return refuse(400, `request body is not valid JSON: ${(e as Error).message}`, "body", JSON.stringify(text));
    }
  }
  const badModel = badModelName(route.params?.model, body);
  if (badModel) return refuse(400, badModel, "model", text);
  const held = around.hold(req);
  try {
    const call: Call = {
      client,
      body,
      raw: text,
      headers: req.headers,
      models: scope.models,
      // Bun makes a request's signal when it is first asked for, at a cost; most requests never ask.
      get signal() {
        return req.signal;
      },
      route: route.params,
      get query() {
        return url.searchParams; // made when asked: only model lists read it
      },
      path,
      group: group && head,
      owner: `${group ? head : ""}\u0000${presented ?? ""}`,
      toolCompat: compat ? "compat" : undefined,
      specs: route.specs,
      redact: around.redact,
      streams: held,
    };
    return await route.handle(engine, call);
  } catch (e) {
    console.error(`ccproxy: internal error on ${path}: ${(e as Error)?.message}`);
    // The fault's own words name code (an expression, a property): they go to stderr, not to the client.
    return fail(500, "internal error in the proxy; its stderr says more");
  } finally {
    held.answered();
  }
}

/** Why a model name a client sent (in the URL, or the body's `model` or `name`) is refused; undefined when it is fine. */
function badModelName(fromPath: string | undefined, body: unknown): string | undefined {
  const b = body !== null && typeof body === "object" ? (body as { model?: unknown; name?: unknown }) : undefined;
  for (const name of [fromPath, b?.model, b?.name]) {
    if (typeof name !== "string") continue;
    if (name.length > MAX_MODEL_NAME) return `model name is longer than ${MAX_MODEL_NAME} characters`;
    if (CONTROL.test(name)) return "model name holds control characters";
  }
  return undefined;
}

/** What the status page shows past version and health: the config's shape, pairs' health, the latest requests and errors. */
async function pageDetails(engine: Engine, scopes: Scopes, address: string): Promise<PageDetails> {
  const [requests, errors] = (await engine.log?.latest([{ limit: 20 }, { errors: true, limit: 10 }])) ?? [[], []];
  return {
    ...adminStatus(engine),
    address,
    logging: engine.config.logging.enabled ? engine.config.logging.path : undefined,
    routes: [
      { group: undefined, models: scopes.root.models },
      ...Object.values(engine.config.groups).map((g) => ({ group: g.name, models: g.models })),
    ],
    requests: requests!,
    errors: errors!,
  };
}

/** Each target × key pair's state: key labels only, never keys. */
function adminStatus(engine: Engine) {
  return {
    version: VERSION,
    startedAt: new Date(STARTED).toISOString(),
    config: engine.config.file ?? "built-in default",
    providers: Object.values(engine.config.providers).map((p) => ({ name: p.name, protocol: p.protocol, baseUrl: p.shownUrl, keys: p.keys.length })),
    pairs: engine.router.status(),
    ...(engine.config.redis && {
      sharing: { redis: engine.config.redis.shownUrl, prefix: engine.config.redis.prefix, connected: engine.router.share?.connected ?? false },
    }),
  };
}

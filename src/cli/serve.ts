// `ccproxy serve`: load, compile, listen. A broken config or mapping refuses to start.
import type { ParsedArgs } from "./args.ts";
import { load, printErrors } from "./start.ts";
import { startServer, VERSION } from "../server/index.ts";
import { Router } from "../router/index.ts";
import { openLog, RequestLog } from "../log/index.ts";
import { reloadOnChange } from "./reload.ts";
import { collectWhenIdle } from "../server/idle.ts";
import { Secrets, secretsOf } from "../config/secrets.ts";
import { guardConsole, safeText } from "./console.ts";
import { ConsoleLines } from "./lines.ts";
import { bannerLines, checkOllama, defaultOllama, startWarnings } from "./banner.ts";
import { Connections } from "../server/connections.ts";
import { Catalogs } from "../convert/catalogs.ts";
import { Sharing } from "../router/share.ts";

/** How long requests in flight get to finish on SIGTERM / SIGINT; CCPROXY_SHUTDOWN_GRACE_MS sets another */
export const SHUTDOWN_GRACE_MS = 10_000;

export function serve(args: ParsedArgs): number {
  const t0 = performance.now();
  const loaded = load(args);
  if (loaded.errors.length || !loaded.config || !loaded.mappings?.mappings) {
    printErrors(loaded.errors);
    console.error("ccproxy: not started; fix the errors above");
    return 1;
  }
  const config = loaded.config;
  const secrets = new Secrets(secretsOf(config));
  guardConsole(secrets);
  let log;
  try {
    log = openLog(config);
  } catch (e) {
    console.error(`ccproxy: cannot open the log at ${config.logging.path}: ${(e as Error).message}`);
    return 1;
  }
  const lines = new ConsoleLines({ level: args.logLevel ?? config.console.level, safe: safeText(secrets) });
  const requests = new RequestLog(log);
  requests.watch(lines.watch);
  const engine = { config, mappings: loaded.mappings.mappings, router: new Router(config), log: requests, catalogs: new Catalogs(secrets.redact) };
  // The upstreams' model lists are fetched now, in the background, so that a picker opened first finds them.
  void engine.catalogs.warm(config, engine);
  const connections = new Connections();
  let server;
  try {
    server = startServer(engine, config.listen, { onRequest: collectWhenIdle({}, undefined, () => connections.inFlight > 0).served, secrets, connections });
  } catch (e) {
    console.error(`ccproxy: cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
    return 1;
  }
  const host = server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname;
  const banner = bannerLines({
    config,
    configPath: loaded.configPath,
    address: `http://${host}:${server.port}`,
    readyMs: Math.round(performance.now() - t0),
    version: VERSION,
    logOn: !!log,
    consoleLevel: lines.level,
  });
  console.log(banner.join("\n"));
  for (const w of startWarnings(loaded.configPath, process.env)) console.error(w);
  void checkOllama(defaultOllama(config, loaded.configPath), (w) => console.error(w));
  // Pair health shared with the other replicas, when the config names a Redis; connecting is in the background.
  const sharing = new Sharing((line) => console.error(line));
  sharing.use(engine.router, config.redis);
  reloadOnChange(args, engine, loaded.configPath, secrets, lines, sharing);
  const grace = graceMs(process.env.CCPROXY_SHUTDOWN_GRACE_MS);
  // The first signal drains; a second one cuts the grace period short.
  let hurry: (() => void) | undefined;
  const stop = async (signal: string) => {
    if (hurry) return hurry();
    const again = new Promise<void>((resolve) => (hurry = resolve));
    const inFlight = server.pendingRequests;
    if (inFlight) console.error(`ccproxy: ${signal}: finishing ${inFlight} request(s) in flight, for up to ${grace} ms`);
    const left = await connections.drain(server, grace, again);
    if (left.ended) console.error(`ccproxy: ended ${left.ended} stream(s) still open after the grace period`);
    if (left.inFlight) console.error(`ccproxy: ${left.inFlight} request(s) still waiting on an upstream are cut`);
    lines.flush();
    sharing.close();
    await log?.close(); // the rows still queued, those of the streams just ended among them
    server.stop(true);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  return 0;
}

function graceMs(env: string | undefined): number {
  const n = Number(env);
  return env && Number.isFinite(n) && n >= 0 ? n : SHUTDOWN_GRACE_MS;
}

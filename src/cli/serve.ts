// `ccproxy serve`: load, compile, listen. A broken config or mapping refuses to start.
import type { ParsedArgs } from "./args.ts";
import { load, printErrors } from "./start.ts";
import { startServer } from "../server/index.ts";
import { Router } from "../router/index.ts";
import { openLog } from "../log/index.ts";
import { reloadOnChange } from "./reload.ts";
import { collectWhenIdle } from "../server/idle.ts";
import { Secrets, secretsOf } from "../config/secrets.ts";
import { guardConsole } from "./console.ts";

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
  const engine = { config, mappings: loaded.mappings.mappings, router: new Router(config), log };
  let server;
  try {
    server = startServer(engine, config.listen, { onRequest: collectWhenIdle().served, secrets });
  } catch (e) {
    console.error(`ccproxy: cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
    return 1;
  }
  const ms = (performance.now() - t0).toFixed(0);
  const providers = Object.values(config.providers).map((p) => `${p.name} (${p.protocol})`).join(", ");
  console.log(`ccproxy listening on http://${server.hostname}:${server.port} (ready in ${ms} ms)`);
  console.log(`config: ${loaded.configPath ?? "built-in default"}; providers: ${providers || "none"}`);
  console.log(log ? `log: ${config.logging.path}${config.logging.bodies ? " (with bodies)" : ""}` : "log: off");
  const stop = async () => {
    server.stop();
    await log?.close(); // the rows still queued
    process.exit(0);
  };
  reloadOnChange(args, engine, loaded.configPath, secrets);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return 0;
}

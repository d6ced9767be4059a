// Config reload on SIGHUP and when the config file changes: a good new config replaces the engine
// for new requests (those in flight finish on the old one); a bad one is refused with its
// file:line errors and the old one keeps serving.
import { watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Engine } from "../convert/pipeline.ts";
import { Router } from "../router/index.ts";
import { reconfigureLog } from "../log/index.ts";
import type { ParsedArgs } from "./args.ts";
import { load, printErrors } from "./start.ts";

export function reloadOnChange(args: ParsedArgs, engine: Engine, configPath: string | undefined): void {
  const reload = (why: string) => {
    const loaded = load(args);
    if (loaded.errors.length || !loaded.config || !loaded.mappings?.mappings) {
      printErrors(loaded.errors);
      console.error(`ccproxy: ${why}: the new config was refused; still serving the previous one`);
      return;
    }
    const was = engine.config.listen;
    const now = loaded.config.listen;
    if (was.host !== now.host || was.port !== now.port)
      console.error(`ccproxy: listen ${now.host}:${now.port} takes effect on restart; still listening on ${was.host}:${was.port}`);
    Object.assign(engine, { config: { ...loaded.config, listen: was }, mappings: loaded.mappings.mappings, router: new Router(loaded.config) });
    if (engine.log) reconfigureLog(engine.log, loaded.config);
    console.log(`ccproxy: config reloaded (${why})`);
  };
  process.on("SIGHUP", () => reload("SIGHUP"));
  if (!configPath) return;
  // The folder is watched, not the file: editors save by writing a new file and renaming it.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const name = basename(configPath);
  watch(dirname(configPath), (_event, file) => {
    if (file !== name) return;
    clearTimeout(timer);
    timer = setTimeout(() => reload("config file changed"), 100); // one reload per burst of writes
  }).unref();
}

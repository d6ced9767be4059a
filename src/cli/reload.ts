// Config reload on SIGHUP, when the config file changes and when a file in the mappings folder
// changes: a good new config and set of mappings replace the engine's for new requests (those in
// flight finish on the old ones); a bad one is refused with its file:line errors and the old one
// keeps serving.
import { watchFile } from "node:fs";
import type { Engine } from "../convert/engine.ts";
import { Router } from "../router/index.ts";
import { reconfigureLog } from "../log/index.ts";
import type { ParsedArgs } from "./args.ts";
import { load, printErrors } from "./start.ts";
import { isLoopback } from "../config/resolve.ts";
import { secretsOf, type Secrets } from "../config/secrets.ts";
import type { ConsoleLines } from "./lines.ts";
import { POLL_MS, watchFolder } from "./folder-watch.ts";
import type { Sharing } from "../router/share.ts";

export function reloadOnChange(args: ParsedArgs, engine: Engine, configPath: string | undefined, secrets: Secrets, lines?: ConsoleLines, sharing?: Sharing): void {
  const folder = watchFolder(engine.config.mappings, () => reload("mappings folder changed"));
  const reload = (why: string) => {
    let loaded: ReturnType<typeof load>;
    const loadedFrom = folder.loading();
    try {
      loaded = load(args);
      // The folder this load read, served or refused: fixing a refused one's files reloads too.
      loadedFrom(loaded.mappingsDir);
    } catch (e) {
      // A reload never takes the proxy down: whatever a new file does to the loader, the old config serves on.
      loaded = { errors: [{ file: configPath ?? "config", line: 0, field: "", message: `cannot load: ${(e as Error).message}` }] };
    }
    if (loaded.errors.length || !loaded.config || !loaded.mappings?.mappings) {
      printErrors(loaded.errors);
      console.error(`ccproxy: ${why}: the new config was refused; still serving the previous one`);
      return;
    }
    const was = engine.config.listen;
    const now = loaded.config.listen;
    // The socket stays where it was bound: a config is judged by that address, not by the one it names.
    if (!isLoopback(was.host) && loaded.config.accessKeys.length === 0) {
      console.error(`ccproxy: ${why}: the new config was refused: it has no accessKeys, and the proxy listens on ${was.host}, which is not loopback; still serving the previous one`);
      return;
    }
    if (was.host !== now.host || was.port !== now.port)
      console.error(`ccproxy: listen ${now.host}:${now.port} takes effect on restart; still listening on ${was.host}:${was.port}`);
    secrets.add(secretsOf(loaded.config));
    const router = engine.router.handOver(new Router(loaded.config));
    sharing?.use(router, loaded.config.redis); // the same Redis: the new router reads the shared health from it
    Object.assign(engine, { config: { ...loaded.config, listen: was }, mappings: loaded.mappings.mappings, router });
    if (engine.log?.store) reconfigureLog(engine.log.store, loaded.config);
    if (lines) lines.level = args.logLevel ?? loaded.config.console.level; // the command line's level stands over the file's
    void engine.catalogs?.warm(engine.config, engine); // the new config's providers' lists, in the background
    console.log(`ccproxy: config reloaded (${why})`);
  };
  process.on("SIGHUP", () => reload("SIGHUP"));
  if (!configPath) return;
  // The file's stat is polled rather than its folder watched: editors save by writing a new file and
  // renaming it (which a watch on the file misses), and a folder watch wakes the proxy on every
  // write to anything beside the config, such as a log database (thousands a second with bodies on).
  let timer: ReturnType<typeof setTimeout> | undefined;
  watchFile(configPath, { interval: POLL_MS, persistent: false }, (now, was) => {
    if (now.mtimeMs === was.mtimeMs && now.size === was.size && now.ino === was.ino) return;
    clearTimeout(timer);
    timer = setTimeout(() => reload("config file changed"), 100); // one reload per burst of writes
  });
}

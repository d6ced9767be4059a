// Notices changes to the YAML files of a folder (the mappings folder) by polling their stats.
// Polled, not watched, for the reasons the config is (editors save by renaming a new file over the
// old one, and a folder may be replaced or appear later); a walk of a few dozen files every
// POLL_MS costs a fraction of a millisecond.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const POLL_MS = 250;
/** After a change is seen, how long the files must stay still before it counts (one reload per burst) */
export const SETTLE_MS = 100;
/** Mapping files sit at <protocol>/<kind>.yaml; deeper is never read, and a bound keeps a mistaken folder (a home) cheap */
const MAX_DEPTH = 3;
const MAX_FILES = 2000;

export interface FolderWatch {
  /**
   * A load is about to read the folder: the state now is the one it serves (a write during the
   * load is then still a change). Call what it returns with the folder the load named; another
   * folder is watched from then on.
   */
  loading(): (dir: string | undefined) => void;
  stop(): void;
}

/** Calls `changed` once a burst of changes to the folder's YAML files has settled. */
export function watchFolder(dir: string | undefined, changed: () => void): FolderWatch {
  let watched = dir;
  let seen = dir && snapshot(dir); // the files' state the proxy is serving
  let moving: string | undefined; // a new state, waiting to settle
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function poll() {
    const now = watched && snapshot(watched);
    let wait = POLL_MS;
    if (now === seen) moving = undefined;
    else if (now === moving) {
      seen = now;
      moving = undefined;
      changed();
    } else {
      moving = now;
      wait = SETTLE_MS;
    }
    schedule(wait);
  }
  function schedule(ms: number) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
    timer.unref();
  }
  schedule(POLL_MS);
  return {
    loading() {
      const before = watched && snapshot(watched);
      return (dir) => {
        seen = dir === watched ? before : dir && snapshot(dir);
        watched = dir;
        moving = undefined;
        schedule(POLL_MS);
      };
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * One line per YAML file (path, size, mtime, inode); a missing or unreadable folder is a state too.
 * Synchronous: a few dozen stats take a fraction of a millisecond, and a load must take it at once.
 */
export function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (sub: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(join(dir, sub), { withFileTypes: true });
    } catch (e) {
      lines.push(`${sub}: ${(e as NodeJS.ErrnoException).code ?? "unreadable"}`);
      return;
    }
    for (const e of entries) {
      if (lines.length >= MAX_FILES || e.name.startsWith(".")) continue; // editors' swap files, .git
      const path = sub ? `${sub}/${e.name}` : e.name;
      const s = e.isDirectory() || e.isSymbolicLink() || /\.ya?ml$/.test(e.name) ? statOf(join(dir, path)) : undefined;
      if (s?.isDirectory()) {
        if (depth < MAX_DEPTH) walk(path, depth + 1);
      } else if (/\.ya?ml$/.test(e.name)) lines.push(s ? `${path} ${s.size} ${s.mtimeMs} ${s.ino}` : `${path} gone`);
    }
  };
  walk("", 1);
  return lines.sort().join("\n");
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

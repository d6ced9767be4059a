// Bun lets a process have 256 fetches in flight (BUN_CONFIG_MAX_HTTP_REQUESTS) and queues the rest,
// for every origin alike. A proxy's upstream fetch lives as long as its client's stream, so 256
// clients that stop reading (and so hold their upstream under backpressure) would leave every other
// request queued until its first-byte timeout. Each stream already costs a client socket, which the
// OS's file limit bounds, so the proxy takes Bun's maximum instead. Bun reads the variable once, as
// it starts (setting it later, even in the C environment, changes nothing), so `serve` re-executes
// itself with it set: the same pid, stdio and arguments, before anything else has loaded.

/** Bun's ceiling for BUN_CONFIG_MAX_HTTP_REQUESTS (docs/runtime/networking/fetch.mdx). */
export const FETCH_LIMIT = 65535;
const VAR = "BUN_CONFIG_MAX_HTTP_REQUESTS";

/**
 * Re-executes this process with Bun's fetch limit raised, unless the variable is already set (by
 * the user, whose value stands, or by the re-execution itself). Returns only when no re-execution
 * happened: the variable was set, or execve is unavailable or failed (then the default stands).
 */
export function raiseFetchLimit(): void {
  if (process.env[VAR] !== undefined || typeof process.execve !== "function") return;
  try {
    process.execve(process.execPath, reexecArgv(), { ...process.env, [VAR]: String(FETCH_LIMIT) });
  } catch (e) {
    console.error(`ccproxy: could not raise Bun's fetch limit (${(e as Error).message}); set ${VAR}=${FETCH_LIMIT} to lift it`);
  }
}

/**
 * The command line that starts this program again. From source, argv is [bun, script, ...args] and
 * Bun's own flags are in execArgv; a compiled binary's argv is [bun, /$bunfs/root/name, ...args]
 * and it adds its embedded flags itself.
 */
function reexecArgv(): string[] {
  const compiled = process.argv[1]?.startsWith("/$bunfs/") ?? false;
  return compiled
    ? [process.execPath, ...process.argv.slice(2)]
    : [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
}

// The request log: SQLite store, off-path writer, per-request traces.
export { Logger, type LogOptions } from "./logger.ts";
export { Trace } from "./trace.ts";
export { RequestLog, type RowWatcher } from "./requests.ts";

import type { ResolvedConfig } from "../config/schema.ts";
import { Logger } from "./logger.ts";
import { secretsOf } from "../config/secrets.ts";
import type { Retention } from "./store.ts";

/**
 * With bodies on, a row holds up to five texts of 256 KiB each (trace.ts), and a coding agent's
 * requests run to hundreds of kilobytes: without a bound the file grows by gigabytes a week. Each
 * applies unless the config sets its own.
 */
export const BODIES_RETENTION = { maxDays: 7, maxRows: 2_000 } as const;

export function retentionOf(l: ResolvedConfig["logging"]): Retention {
  if (!l.bodies) return { maxRows: l.maxRows, maxDays: l.maxDays };
  return { maxRows: l.maxRows ?? BODIES_RETENTION.maxRows, maxDays: l.maxDays ?? BODIES_RETENTION.maxDays };
}

/** The log a config asks for, or undefined when it is turned off. */
export function openLog(config: ResolvedConfig): Logger | undefined {
  const l = config.logging;
  if (!l.enabled) return undefined;
  return Logger.open({ path: l.path, bodies: l.bodies, ...retentionOf(l), secrets: secretsOf(config) });
}

/** A reloaded config: its keys join those redacted, bodies switch on or off, retention follows; the path needs a restart. */
export function reconfigureLog(log: Logger, config: ResolvedConfig): void {
  log.bodies = config.logging.enabled && config.logging.bodies;
  log.retain(retentionOf({ ...config.logging, bodies: log.bodies }));
  log.addSecrets(secretsOf(config));
}

// The request log: SQLite store, off-path writer, per-request traces.
export { Logger, type LogOptions } from "./logger.ts";
export { Trace } from "./trace.ts";

import type { ResolvedConfig } from "../config/schema.ts";
import { Logger } from "./logger.ts";
import { secretsOf } from "../config/secrets.ts";

/** The log a config asks for, or undefined when it is turned off. */
export function openLog(config: ResolvedConfig): Logger | undefined {
  const l = config.logging;
  if (!l.enabled) return undefined;
  return Logger.open({ path: l.path, bodies: l.bodies, maxRows: l.maxRows, maxDays: l.maxDays, secrets: secretsOf(config) });
}

/** A reloaded config: its keys join those redacted, and bodies switch on or off; the rest needs a restart. */
export function reconfigureLog(log: Logger, config: ResolvedConfig): void {
  log.bodies = config.logging.enabled && config.logging.bodies;
  log.addSecrets(secretsOf(config));
}

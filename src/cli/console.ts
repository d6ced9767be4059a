// What the proxy prints goes through the console, so the console is where it is made safe: every
// secret cut out, and control characters (a terminal's escape codes in an upstream's words or a
// client's model name) shown as escapes rather than obeyed.
import { format } from "node:util";
import type { Secrets } from "../config/secrets.ts";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text made safe to print on a terminal: control characters other than newline and tab escaped as `\u001b` (which JSON reads back too). */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** What every printed text goes through: secrets cut out (those of any config loaded since), then control characters escaped. */
export function safeText(secrets: Secrets): (text: string) => string {
  return (text) => printable(secrets.redact(text));
}

/** The console, and anything else that prints (the request lines, cli/lines.ts), made safe. */
export function guardConsole(secrets: Secrets): void {
  const safe = safeText(secrets);
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const write = console[level].bind(console);
    console[level] = (...args: unknown[]) => write(safe(format(...args)));
  }
  // A fault that escaped every handler is reported, redacted, and the proxy goes on serving.
  process.on("uncaughtException", (e) => console.error(`ccproxy: unexpected error: ${e?.message ?? e}`));
  process.on("unhandledRejection", (e) => console.error(`ccproxy: unexpected error: ${(e as Error)?.message ?? e}`));
}

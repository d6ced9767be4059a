// The command line, parsed without a library: a handful of flags, each valid for certain commands.

export type Command = "serve" | "check" | "logs" | "models" | "version" | "help";

export interface ParsedArgs {
  command: Command;
  config?: string;
  host?: string;
  port?: number;
  mappings?: string;
  dump?: string;
  /** logs: filters and output */
  model?: string;
  since?: string;
  limit?: number;
  follow?: boolean;
  onlyErrors?: boolean;
  stats?: boolean;
  json?: boolean;
  errors: string[];
}

export const HELP_TEXT = `ccproxy — Chat Completion Proxy: OpenAI, Claude, Gemini and Ollama protocols, any to any

Usage:
  ccproxy [serve] [--config FILE] [--host H] [--port P] [--mappings DIR]
  ccproxy check [--config FILE] [--mappings DIR] [--dump NAME]
  ccproxy logs [--config FILE] [--follow] [--model M] [--errors] [--since T] [--limit N] [--json]
  ccproxy logs --stats [--config FILE] [--model M] [--since T] [--json]
  ccproxy models [--config FILE] [--mappings DIR] [--json]
  ccproxy --version | --help

Commands:
  serve      run the proxy (the default)
  check      validate the config and the mappings; errors are printed as file:line: field
             (--dump NAME also prints the compiled mapping NAME)
  logs       the latest requests from the log database the config names, as a table;
             --stats sums requests and tokens per proxy model, target and key instead
  models     what each route serves: the names clients may send and where they go, from the
             config and from each upstream's own model list (fetched now, where it answers)

Options:
  --config FILE    config file; else $CCPROXY_CONFIG, ./ccproxy.yaml, ~/.config/ccproxy/config.yaml,
                   else the built-in default (providers from OPENAI_API_KEY, ANTHROPIC_API_KEY,
                   GEMINI_API_KEY, plus local Ollama)
  --host H         listen on host H (overrides "listen" in the config)
  --port P         listen on port P (overrides "listen" in the config)
  --mappings DIR   folder whose files replace the built-in mappings of the same name
  --follow         logs: keep printing requests as they are logged
  --model M        logs: only requests for proxy model M
  --errors         logs: only requests that failed
  --since T        logs: only requests of the last T (30m, 24h, 7d) or since a date (2026-01-31);
                   --stats defaults to 24h
  --limit N        logs: how many of the latest requests (default 20)
  --stats          logs: totals instead of rows
  --json           logs: one JSON object per line, for scripts; models: one JSON document
  -v, --version    print the version
  -h, --help       print this help
`;

type ValueFlag = "config" | "host" | "port" | "mappings" | "dump" | "model" | "since" | "limit";
type Switch = "follow" | "errors" | "stats" | "json";

// Which commands accept each flag that takes a value.
const VALUE_FLAGS: Record<ValueFlag, readonly Command[]> = {
  config: ["serve", "check", "logs", "models"],
  host: ["serve"],
  port: ["serve"],
  mappings: ["serve", "check", "models"],
  dump: ["check"],
  model: ["logs"],
  since: ["logs"],
  limit: ["logs"],
};

// Flags without a value; all of them belong to logs, and --json to models too.
const SWITCHES: Record<Switch, keyof ParsedArgs> = { follow: "follow", errors: "onlyErrors", stats: "stats", json: "json" };
const SWITCH_COMMANDS: Record<Switch, readonly Command[]> = { follow: ["logs"], errors: ["logs"], stats: ["logs"], json: ["logs", "models"] };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const errors: string[] = [];
  const values: Partial<Record<ValueFlag, string>> = {};
  const switches = new Set<Switch>();
  let command: Command | undefined;
  let switched: Command | undefined; // --help / --version win over the positional command

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") switched = "help";
    else if (arg === "-v" || arg === "--version") switched ??= "version";
    else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (Object.hasOwn(SWITCHES, name)) {
        if (eq >= 0) errors.push(`--${name} takes no value`);
        else switches.add(name as Switch);
        continue;
      }
      if (!Object.hasOwn(VALUE_FLAGS, name)) {
        errors.push(`unknown option --${name}`);
        continue;
      }
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("-"))) {
        errors.push(`--${name} needs a value`);
        if (eq < 0 && value !== undefined) i--; // the next word is a flag, not this one's value
        continue;
      }
      if (values[name as ValueFlag] !== undefined) errors.push(`--${name} given twice`);
      values[name as ValueFlag] = value;
    } else if (arg.startsWith("-") && arg !== "-") errors.push(`unknown option ${arg}`);
    else if (arg !== "serve" && arg !== "check" && arg !== "logs" && arg !== "models" && arg !== "help" && arg !== "version") {
      errors.push(`unexpected argument "${arg}"`);
    } else if (command && command !== arg) {
      errors.push(`unexpected argument "${arg}" (command is already ${command})`);
    } else command = arg;
  }

  const result: ParsedArgs = { command: switched ?? command ?? "serve", errors };
  for (const [name, value] of Object.entries(values) as [ValueFlag, string][]) {
    if (!VALUE_FLAGS[name].includes(result.command) && !switched) {
      errors.push(`--${name} does not apply to ${result.command}`);
    }
    if (name === "port") {
      const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
      if (!(port >= 0 && port <= 65535)) errors.push(`--port must be a number from 0 to 65535, not "${value}"`);
      else result.port = port;
    } else if (name === "limit") {
      if (!/^[1-9]\d{0,6}$/.test(value)) errors.push(`--limit must be a positive number, not "${value}"`);
      else result.limit = Number(value);
    } else result[name] = value;
  }
  for (const name of switches) {
    if (!SWITCH_COMMANDS[name].includes(result.command) && !switched) errors.push(`--${name} does not apply to ${result.command}`);
    (result as unknown as Record<string, boolean>)[SWITCHES[name]] = true;
  }
  if (result.stats && (result.follow || result.onlyErrors || result.limit !== undefined))
    errors.push("--stats sums; it does not take --follow, --errors or --limit");
  return result;
}

// The command line, parsed without a library: a handful of flags, each valid for certain commands.
// One table (OPTIONS) says which flag each command takes and what it does; the checks and every
// help text are made from it, so a new command is a line in COMMANDS and its flags' entries.

export type Command = "serve" | "check" | "logs" | "models" | "status" | "explain" | "version" | "help";

// Only types come from the config: main.ts parses arguments before anything else loads.
import type { ConsoleLevel } from "../config/schema.ts";

const CONSOLE_LEVELS: readonly ConsoleLevel[] = ["requests", "errors", "off"];

export interface ParsedArgs {
  command: Command;
  /** help: the command whose help was asked for (`ccproxy logs --help`) */
  topic?: Command;
  config?: string;
  host?: string;
  port?: number;
  mappings?: string;
  dump?: string;
  /** serve: the request lines' level (--log-level; --quiet is "off") */
  logLevel?: ConsoleLevel;
  /** logs: filters and output */
  model?: string;
  since?: string;
  limit?: number;
  follow?: boolean;
  onlyErrors?: boolean;
  stats?: boolean;
  /** explain: the request body's file (else stdin), its client protocol, the group it is sent to */
  file?: string;
  protocol?: string;
  group?: string;
  /** explain: the request's headers, "Name: value" each (--header, repeatable), for a `header` rule */
  headers?: string[];
  /** logs, status: JSON for scripts */
  json?: boolean;
  errors: string[];
}

/** The commands a user runs, with their usage lines and what they do (for --help). */
const COMMANDS: Partial<Record<Command, { usage: string[]; about: string[] }>> = {
  serve: {
    usage: ["ccproxy [serve] [--config FILE] [--host H] [--port P] [--mappings DIR] [--quiet | --log-level L]"],
    about: ["run the proxy (the default); one line per request on stdout"],
  },
  check: {
    usage: ["ccproxy check [--config FILE] [--mappings DIR] [--dump NAME]"],
    about: ["validate the config and the mappings; errors are printed as file:line: field", "(--dump NAME also prints the compiled mapping NAME)"],
  },
  logs: {
    usage: [
      "ccproxy logs [--config FILE] [--follow] [--model M] [--errors] [--since T] [--limit N] [--json]",
      "ccproxy logs --stats [--config FILE] [--model M] [--since T] [--json]",
    ],
    about: ["the latest requests from the log database the config names, as a table;", "--stats sums requests and tokens per proxy model, target and key instead"],
  },
  models: {
    usage: ["ccproxy models [--config FILE] [--mappings DIR] [--json]"],
    about: ["what each route serves: the names clients may send and where they go, from the", "config and from each upstream's own model list (fetched now, where it answers)"],
  },
  status: {
    usage: ["ccproxy status [--config FILE] [--host H] [--port P] [--json]"],
    about: ["ask the running proxy for its providers and each target × key pair's health"],
  },
  explain: {
    usage: ['ccproxy explain [--config FILE] [--model M] [--protocol P] [--group G] [--header "N: V"]… [--json] [BODY.json] (else the body on stdin)'],
    about: ["which when rule a request body would meet and which targets it would get, in order;", "the client protocol is told from the body's shape unless --protocol names it"],
  },
};

type ValueFlag = "config" | "host" | "port" | "mappings" | "dump" | "log-level" | "model" | "since" | "limit" | "protocol" | "group" | "header";
type Switch = "follow" | "errors" | "stats" | "json" | "quiet";

interface Option {
  commands: readonly Command[];
  /** The flag as help shows it, and what it does (lines) */
  shown: string;
  help: string[];
  /** Switches: the ParsedArgs field they set */
  sets?: keyof ParsedArgs;
}

const OPTIONS: Record<ValueFlag | Switch, Option> = {
  config: {
    commands: ["serve", "check", "logs", "models", "status", "explain"],
    shown: "--config FILE",
    help: ["config file; else $CCPROXY_CONFIG, ./ccproxy.yaml, ~/.config/ccproxy/config.yaml,", "else the built-in default (providers from OPENAI_API_KEY, ANTHROPIC_API_KEY,", "GEMINI_API_KEY, plus local Ollama)"],
  },
  host: { commands: ["serve", "status"], shown: "--host H", help: ['listen on host H; else $CCPROXY_HOST, else "listen" in the config', "(status: the proxy to ask)"] },
  port: { commands: ["serve", "status"], shown: "--port P", help: ['listen on port P; else $CCPROXY_PORT, else "listen" in the config'] },
  mappings: { commands: ["serve", "check", "models", "explain"], shown: "--mappings DIR", help: ["folder whose files replace the built-in mappings of the same name"] },
  dump: { commands: ["check"], shown: "--dump NAME", help: ["also print the compiled mapping NAME (e.g. openai/request.encode)"] },
  "log-level": {
    commands: ["serve"],
    shown: "--log-level L",
    help: ["request lines on stdout: requests (every one; the default),", 'errors (failures only) or off; else "console: { level }" in the config'],
  },
  quiet: { commands: ["serve"], shown: "--quiet", help: ["no request lines on stdout (--log-level off)"], sets: "logLevel" },
  follow: { commands: ["logs"], shown: "--follow", help: ["keep printing requests as they are logged"], sets: "follow" },
  model: { commands: ["logs", "explain"], shown: "--model M", help: ["logs: only requests for proxy model M; explain: the model asked for (else the body's)"] },
  protocol: { commands: ["explain"], shown: "--protocol P", help: ["the body's client protocol: openai, claude, gemini, ollama or responses"] },
  group: { commands: ["explain"], shown: "--group G", help: ["the group whose models serve the request (else the root's)"] },
  header: { commands: ["explain"], shown: '--header "N: V"', help: ["a header the request carries, for a `header` rule (repeatable)"] },
  errors: { commands: ["logs"], shown: "--errors", help: ["only requests that failed"], sets: "onlyErrors" },
  since: { commands: ["logs"], shown: "--since T", help: ["only requests of the last T (30m, 24h, 7d) or since a date (2026-01-31);", "--stats defaults to 24h"] },
  limit: { commands: ["logs"], shown: "--limit N", help: ["how many of the latest requests (default 20)"] },
  stats: { commands: ["logs"], shown: "--stats", help: ["totals instead of rows"], sets: "stats" },
  json: { commands: ["logs", "models", "status", "explain"], shown: "--json", help: ["for scripts: logs, one JSON object per line; models, status and explain, one JSON document"], sets: "json" },
};

const isSwitch = (name: string): name is Switch => Object.hasOwn(OPTIONS, name) && OPTIONS[name as Switch].sets !== undefined;

function optionLines(names: readonly (ValueFlag | Switch)[], prefix: (c: readonly Command[]) => string): string[] {
  return names.flatMap((name) => {
    const o = OPTIONS[name];
    const [first, ...rest] = o.help;
    return [`  ${o.shown.padEnd(16)} ${prefix(o.commands)}${first}`, ...rest.map((l) => `${" ".repeat(19)}${l}`)];
  });
}

const ALL = Object.keys(OPTIONS) as (ValueFlag | Switch)[];

export const HELP_TEXT = [
  "ccproxy — Chat Completion Proxy: OpenAI, Claude, Gemini and Ollama protocols, any to any",
  "",
  "Usage:",
  ...Object.values(COMMANDS).flatMap((c) => c.usage.map((u) => `  ${u}`)),
  "  ccproxy COMMAND --help",
  "  ccproxy --version | --help",
  "",
  "Commands:",
  ...Object.entries(COMMANDS).flatMap(([name, c]) => c.about.map((l, i) => `  ${(i ? "" : name).padEnd(10)} ${l}`)),
  "",
  "Options:",
  ...optionLines(ALL, (c) => (c.length === 1 ? `${c[0]}: ` : "")),
  "  -v, --version    print the version",
  "  -h, --help       print this help",
  "",
].join("\n");

/** One command's help: its usage, what it does and its own options only. */
export function helpFor(command: Command | undefined): string {
  const c = command && COMMANDS[command];
  if (!c) return HELP_TEXT;
  const own = ALL.filter((name) => OPTIONS[name].commands.includes(command));
  return [
    "Usage:",
    ...c.usage.map((u) => `  ${u}`),
    "",
    ...c.about.map((l) => `  ${l}`),
    "",
    "Options:",
    ...optionLines(own, () => ""),
    "  -h, --help       print this help",
    "",
  ].join("\n");
}

const COMMAND_WORDS: readonly string[] = ["serve", "check", "logs", "models", "status", "explain", "help", "version"];

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const errors: string[] = [];
  const values: Partial<Record<ValueFlag, string>> = {};
  const headers: string[] = []; // explain's --header, the one flag given more than once
  const switches = new Set<Switch>();
  let command: Command | undefined;
  let switched: Command | undefined; // --help / --version win over the positional command
  let positional: string | undefined; // explain's body file

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") switched = "help";
    else if (arg === "-v" || arg === "--version") switched ??= "version";
    else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (isSwitch(name)) {
        if (eq >= 0) errors.push(`--${name} takes no value`);
        else switches.add(name);
        continue;
      }
      if (!Object.hasOwn(OPTIONS, name)) {
        errors.push(`unknown option --${name}`);
        continue;
      }
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("-"))) {
        errors.push(`--${name} needs a value`);
        if (eq < 0 && value !== undefined) i--; // the next word is a flag, not this one's value
        continue;
      }
      if (name === "header") headers.push(value);
      else if (values[name as ValueFlag] !== undefined) errors.push(`--${name} given twice`);
      else values[name as ValueFlag] = value;
    } else if (arg.startsWith("-") && arg !== "-") errors.push(`unknown option ${arg}`);
    else if (!COMMAND_WORDS.includes(arg)) {
      if (command === "explain" && positional === undefined) positional = arg;
      else errors.push(`unexpected argument "${arg}"`);
    } else if (command && command !== arg) {
      errors.push(`unexpected argument "${arg}" (command is already ${command})`);
    } else command = arg as Command;
  }

  if (switched === "help") return { command: "help", ...(command && command !== "help" && { topic: command }), errors };
  const result: ParsedArgs = { command: switched ?? command ?? "serve", errors, ...(positional !== undefined && { file: positional }) };
  const applies = (name: ValueFlag | Switch) => switched || OPTIONS[name].commands.includes(result.command);
  if (headers.length) {
    if (!applies("header")) errors.push(`--header does not apply to ${result.command}`);
    const bad = headers.find((h) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(h));
    if (bad !== undefined) errors.push(`--header takes "Name: value", not "${bad}"`);
    else result.headers = headers;
  }
  for (const [name, value] of Object.entries(values) as [ValueFlag, string][]) {
    if (!applies(name)) errors.push(`--${name} does not apply to ${result.command}`);
    if (name === "port") {
      const port = parsePort(value);
      if (port === undefined) errors.push(`--port must be a number from 0 to 65535, not "${value}"`);
      else result.port = port;
    } else if (name === "limit") {
      if (!/^[1-9]\d{0,6}$/.test(value)) errors.push(`--limit must be a positive number, not "${value}"`);
      else result.limit = Number(value);
    } else if (name === "log-level") {
      if (!(CONSOLE_LEVELS as readonly string[]).includes(value)) errors.push(`--log-level must be one of ${CONSOLE_LEVELS.join(", ")}, not "${value}"`);
      else result.logLevel = value as ConsoleLevel;
    } else if (name !== "header") result[name] = value;
  }
  for (const name of switches) {
    if (!applies(name)) errors.push(`--${name} does not apply to ${result.command}`);
    if (name === "quiet") result.logLevel = "off";
    else (result as unknown as Record<string, boolean>)[OPTIONS[name].sets!] = true;
  }
  if (switches.has("quiet") && values["log-level"] !== undefined) errors.push("--quiet and --log-level say the same thing; give one");
  if (result.stats && (result.follow || result.onlyErrors || result.limit !== undefined))
    errors.push("--stats sums; it does not take --follow, --errors or --limit");
  return result;
}

/** A port as the command line or $CCPROXY_PORT spells it; undefined when it is not one. */
export function parsePort(value: string): number | undefined {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  return port >= 0 && port <= 65535 ? port : undefined;
}

import { describe, expect, test } from "bun:test";
import { HELP_TEXT, helpFor, parseArgs } from "./args.ts";

describe("parseArgs", () => {
  test("no arguments: serve", () => {
    expect(parseArgs([])).toEqual({ command: "serve", errors: [] });
  });

  test("serve with every flag, both spellings", () => {
    expect(parseArgs(["serve", "--config", "c.yaml", "--host=0.0.0.0", "--port", "8080", "--mappings=./m"])).toEqual({
      command: "serve",
      config: "c.yaml",
      host: "0.0.0.0",
      port: 8080,
      mappings: "./m",
      errors: [],
    });
  });

  test("serve is implied; flags may come first", () => {
    expect(parseArgs(["--port=0"])).toEqual({ command: "serve", port: 0, errors: [] });
    expect(parseArgs(["--config", "x.yaml", "check"])).toEqual({ command: "check", config: "x.yaml", errors: [] });
  });

  test("check with --dump", () => {
    expect(parseArgs(["check", "--mappings", "m", "--dump", "openai/request.encode"])).toEqual({
      command: "check",
      mappings: "m",
      dump: "openai/request.encode",
      errors: [],
    });
  });

  test("version and help", () => {
    expect(parseArgs(["--version"]).command).toBe("version");
    expect(parseArgs(["-v"]).command).toBe("version");
    expect(parseArgs(["--help"]).command).toBe("help");
    expect(parseArgs(["-h"]).command).toBe("help");
    expect(parseArgs(["check", "-h"])).toEqual({ command: "help", topic: "check", errors: [] });
    expect(HELP_TEXT).toContain("ccproxy check [--config FILE]");
  });

  test("bad ports", () => {
    expect(parseArgs(["--port", "70000"]).errors).toEqual(['--port must be a number from 0 to 65535, not "70000"']);
    expect(parseArgs(["--port=abc"]).errors).toEqual(['--port must be a number from 0 to 65535, not "abc"']);
    expect(parseArgs(["--port", "-1"]).errors).toEqual(["--port needs a value", "unknown option -1"]);
    expect(parseArgs(["--port=80.5"]).port).toBeUndefined();
  });

  test("unknown flags, missing values, stray words, misplaced flags", () => {
    expect(parseArgs(["--verbose"]).errors).toEqual(["unknown option --verbose"]);
    expect(parseArgs(["-x"]).errors).toEqual(["unknown option -x"]);
    expect(parseArgs(["--config"]).errors).toEqual(["--config needs a value"]);
    expect(parseArgs(["--config", "--port", "1"])).toEqual({
      command: "serve",
      port: 1,
      errors: ["--config needs a value"],
    });
    expect(parseArgs(["serve", "extra"]).errors).toEqual(['unexpected argument "extra"']);
    expect(parseArgs(["serve", "check"]).errors).toEqual(['unexpected argument "check" (command is already serve)']);
    expect(parseArgs(["check", "--port", "1"]).errors).toEqual(["--port does not apply to check"]);
    expect(parseArgs(["--dump", "x"]).errors).toEqual(["--dump does not apply to serve"]);
    expect(parseArgs(["--host", "a", "--host", "b"]).errors).toEqual(["--host given twice"]);
  });

  test("logs: its switches and filters", () => {
    expect(parseArgs(["logs", "--config", "c.yaml", "--follow", "--model", "sonnet", "--errors", "--since=24h", "--limit", "50", "--json"])).toEqual({
      command: "logs",
      config: "c.yaml",
      follow: true,
      model: "sonnet",
      onlyErrors: true,
      since: "24h",
      limit: 50,
      json: true,
      errors: [],
    });
    expect(parseArgs(["logs", "--stats"])).toEqual({ command: "logs", stats: true, errors: [] });
    expect(HELP_TEXT).toContain("ccproxy logs --stats");
  });

  test("logs: misuse", () => {
    expect(parseArgs(["logs", "--limit", "0"]).errors).toEqual(['--limit must be a positive number, not "0"']);
    expect(parseArgs(["logs", "--json=yes"]).errors).toEqual(["--json takes no value"]);
    expect(parseArgs(["serve", "--follow"]).errors).toEqual(["--follow does not apply to serve"]);
    expect(parseArgs(["check", "--model", "x"]).errors).toEqual(["--model does not apply to check"]);
    expect(parseArgs(["logs", "--stats", "--follow"]).errors).toEqual(["--stats sums; it does not take --follow, --errors or --limit"]);
    expect(parseArgs(["logs", "--port", "1"]).errors).toEqual(["--port does not apply to logs"]);
  });
  test("--help per command: its usage and its own options only", () => {
    expect(parseArgs(["logs", "--help"])).toEqual({ command: "help", topic: "logs", errors: [] });
    const logs = helpFor("logs");
    expect(logs).toContain("ccproxy logs --stats");
    expect(logs).toContain("--follow");
    expect(logs).not.toContain("--mappings");
    expect(logs).not.toContain("ccproxy check");
    expect(helpFor("status")).toContain("ccproxy status [--config FILE] [--host H] [--port P] [--json]");
    expect(helpFor("serve")).toContain("--quiet");
    expect(helpFor(undefined)).toBe(HELP_TEXT);
    expect(HELP_TEXT).toContain("ccproxy COMMAND --help");
  });
  test("serve: --quiet and --log-level", () => {
    expect(parseArgs(["--quiet"])).toEqual({ command: "serve", logLevel: "off", errors: [] });
    expect(parseArgs(["serve", "--log-level", "errors"])).toEqual({ command: "serve", logLevel: "errors", errors: [] });
    expect(parseArgs(["--log-level=loud"]).errors).toEqual(['--log-level must be one of requests, errors, off, not "loud"']);
    expect(parseArgs(["--quiet", "--log-level", "errors"]).errors).toEqual(["--quiet and --log-level say the same thing; give one"]);
    expect(parseArgs(["logs", "--quiet"]).errors).toEqual(["--quiet does not apply to logs"]);
  });
  test("status: where to ask, and --json", () => {
    expect(parseArgs(["status", "--port", "9000", "--json"])).toEqual({ command: "status", port: 9000, json: true, errors: [] });
    expect(parseArgs(["status", "--follow"]).errors).toEqual(["--follow does not apply to status"]);
  });
});

#!/usr/bin/env bun
// Entry: the command line.
import { parseArgs, HELP_TEXT } from "./cli/args.ts";
import { serve } from "./cli/serve.ts";
import { check } from "./cli/check.ts";
import { logs } from "./cli/logs.ts";
import { VERSION } from "./server/index.ts";

const args = parseArgs(process.argv.slice(2));
if (args.errors.length) {
  for (const e of args.errors) console.error(`ccproxy: ${e}`);
  console.error("run ccproxy --help for usage");
  process.exit(2);
}
switch (args.command) {
  case "help":
    console.log(HELP_TEXT);
    break;
  case "version":
    console.log(`ccproxy ${VERSION}`);
    break;
  case "check":
    process.exit(check(args));
  case "logs": {
    const stop = new AbortController();
    process.on("SIGINT", () => stop.abort());
    process.exit(await logs(args, { out: (l) => console.log(l), env: process.env, signal: stop.signal }));
  }
  case "serve": {
    const code = serve(args);
    if (code) process.exit(code);
  }
}

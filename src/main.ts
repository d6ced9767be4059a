#!/usr/bin/env bun
// Entry: the command line. Only the arguments are read before `serve` may re-execute the process
// (cli/fetch-limit.ts); the rest loads after, so a re-execution costs one bare start.
import { parseArgs, helpFor } from "./cli/args.ts";
import { raiseFetchLimit } from "./cli/fetch-limit.ts";

const args = parseArgs(process.argv.slice(2));
if (args.errors.length) {
  for (const e of args.errors) console.error(`ccproxy: ${e}`);
  console.error(`run ccproxy ${args.command === "help" || args.command === "version" || args.command === "serve" ? "" : `${args.command} `}--help for usage`);
  process.exit(2);
}
switch (args.command) {
  case "help":
    console.log(helpFor(args.topic));
    break;
  case "version":
    console.log(`ccproxy ${(await import("./server/index.ts")).VERSION}`);
    break;
  case "check":
    process.exit((await import("./cli/check.ts")).check(args));
  case "logs": {
    const stop = new AbortController();
    process.on("SIGINT", () => stop.abort());
    const { logs } = await import("./cli/logs.ts");
    process.exit(await logs(args, { out: (l) => console.log(l), env: process.env, signal: stop.signal }));
  }
  case "models":
    process.exit(await (await import("./cli/models.ts")).models(args));
  case "explain":
    process.exit(await (await import("./cli/explain.ts")).explain(args));
  case "status":
    process.exit(await (await import("./cli/status.ts")).status(args));
  case "serve": {
    raiseFetchLimit();
    const code = (await import("./cli/serve.ts")).serve(args);
    if (code) process.exit(code);
  }
}

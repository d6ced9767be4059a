// `ccproxy check`: validate the config and every mapping, print all problems as file:line: field.
import type { ParsedArgs } from "./args.ts";
import { load, printErrors } from "./start.ts";

export function check(args: ParsedArgs): number {
  const loaded = load(args);
  if (args.dump && loaded.mappings) {
    const source = loaded.mappings.sources[args.dump];
    if (source === undefined) {
      console.error(`no mapping "${args.dump}"; known: ${Object.keys(loaded.mappings.sources).join(", ")}`);
      return 1;
    }
    console.log(source);
  }
  if (loaded.errors.length) {
    printErrors(loaded.errors);
    console.error(`${loaded.errors.length} problem${loaded.errors.length === 1 ? "" : "s"} found`);
    return 1;
  }
  if (!args.dump) console.log(`ok: config ${loaded.configPath ?? "(built-in default)"} and ${Object.keys(loaded.mappings?.sources ?? {}).length} mappings`);
  return 0;
}

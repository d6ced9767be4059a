// Builds dist/ccproxy: one executable with the default mappings embedded (see src/mapping/builtin.ts).
import { $ } from "bun";

const outfile = process.argv[2] ?? "dist/ccproxy";
const result = await Bun.build({
  entrypoints: ["src/main.ts", "src/log/writer.ts", "src/convert/count-worker.ts"], // the log writer and the token counter run as workers
  compile: { outfile },
  minify: true,
  sourcemap: "none",
  target: "bun",
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const version = await $`${outfile} --version`.text();
console.log(`built ${outfile}: ${version.trim()}`);

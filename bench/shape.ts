// What shaping (`shape:` on a group and a model entry) costs a request, in process: the route's
// compiled shaper on a Claude Code-sized unified request (2 system parts of ~6 KB, 40 turns with
// tool calls and results, 17 tools), plus the extra fields merged into an encoded body.
// `bun bench/shape.ts` prints ns per request, for the full set of options and for each alone.
import { compileModels } from "../src/config/resolve.ts";
import type { Shape } from "../src/config/shape.ts";
import { shapeRequest, withExtras } from "../src/convert/shape.ts";
import type { Request } from "../src/unified/request.ts";

const filler = (n: number) => "You are a coding agent. Follow the rules below carefully. ".repeat(n);
const TOOLS = ["Task", "Bash", "Glob", "Grep", "LS", "ExitPlanMode", "Read", "Edit", "MultiEdit", "Write", "NotebookEdit", "WebFetch", "TodoWrite", "WebSearch", "BashOutput", "KillBash", "mcp__ide__getDiagnostics"];

function request(): Request {
  const messages: Request["messages"] = [{ role: "user", content: [{ type: "text", text: "Fix the failing test in src/app.ts" }] }];
  for (let i = 0; i < 20; i++) {
    messages.push({ role: "assistant", content: [{ type: "text", text: "Let me look." }, { type: "tool_call", id: `t${i}`, name: "Read", input: { file_path: `/src/f${i}.ts` } }] });
    messages.push({ role: "user", content: [{ type: "tool_result", id: `t${i}`, content: [{ type: "text", text: filler(8) }] }] });
  }
  return {
    model: "claude-sonnet-4-5",
    system: [{ type: "text", text: filler(2) }, { type: "text", text: filler(100), cache: { type: "ephemeral" } }],
    messages,
    tools: TOOLS.map((name) => ({ name, description: filler(3), parameters: { type: "object", properties: { a: { type: "string" } } } })),
    sampling: { maxTokens: 32000, temperature: 1 },
    stream: true,
  };
}

const GROUP: Shape = { prompt: { prepend: "Answer in English." }, dropTools: ["mcp__*", "WebSearch"], params: { temperature: { scale: 0.6 }, extra: { service_tier: "flex" } } };
const ENTRY: Shape = { prompt: { append: "Keep it short.", where: "lastUser", onlyWithTools: true }, params: { maxTokens: { cap: 8192 }, top_p: 0.95 } };

function nsPerRequest(group: Shape | undefined, entry: Shape | undefined, n: number): number {
  const route = compileModels({ m: { targets: ["p/x"], ...(entry && { shape: entry }) } }, group)[0]!;
  const base = request();
  const body = { model: "x", messages: [], stream: true, max_tokens: 1, temperature: 1, tools: [], tool_choice: { type: "auto" } };
  let sink = 0;
  const run = (k: number, shaped: boolean) => {
    const t = Bun.nanoseconds();
    for (let i = 0; i < k; i++) {
      const req = { ...base }; // a fresh decoded request each time: shaping is remembered per request object
      const out = shaped ? shapeRequest(route, req) : req;
      sink += (withExtras(out, body) as object) === body ? 0 : 1;
    }
    return (Bun.nanoseconds() - t) / k;
  };
  run(n / 10, true), run(n / 10, false); // warm up
  const samples: number[] = [];
  for (let r = 0; r < 7; r++) samples.push(run(n, true) - run(n, false));
  if (sink < 0) console.log(sink);
  return samples.sort((a, b) => a - b)[3]!;
}

if (import.meta.main) {
  const n = 20_000;
  const rows: [string, Shape | undefined, Shape | undefined][] = [
    ["group + entry, every option", GROUP, ENTRY],
    ["prompt prepend on system", { prompt: { prepend: "x" } }, undefined],
    ["prompt append on last user turn", { prompt: { append: "x", where: "lastUser" } }, undefined],
    ["dropTools (name + glob)", { dropTools: ["mcp__*", "WebSearch"] }, undefined],
    ["params (temperature scale, top_p, cap)", { params: { temperature: { scale: 0.6 }, top_p: 0.9, maxTokens: { cap: 8192 } } }, undefined],
    ["extra fields only", { params: { extra: { service_tier: "flex" } } }, undefined],
  ];
  for (const [name, g, e] of rows) console.log(`${name.padEnd(42)} ${nsPerRequest(g, e, n).toFixed(0).padStart(6)} ns/request`);
}

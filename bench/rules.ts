// What `when` rules cost a request, in process: routeByRule (the entry lookup, the traits its rules
// test, the re-scoped call) on a decoded Claude Code turn, for an entry with no rules, for eight
// rules none of which matches (every trait tested, the input estimate made), and for a hit on the
// first. `bun bench/rules.ts` prints it; `bun run bench` puts it beside the added latency.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadConfig } from "../src/config/load.ts";
import { Router } from "../src/router/index.ts";
import { loadProtocolMappings, protocolNames } from "../src/protocols/index.ts";
import { decodeRequest } from "../src/convert/chat.ts";
import { routeByRule } from "../src/convert/rules.ts";
import type { Call, Engine } from "../src/convert/engine.ts";

export interface RulesCost {
  /** ns per request: an entry with no rules (the lookup alone) */
  none: number;
  /** ns per request: eight rules, none matching */
  miss: number;
  /** ns per request: the first rule matching */
  hit: number;
}

const WHEN = [
  { background: true, use: "cheap" },
  { header: { "x-task": "title*" }, use: "cheap" },
  { thinking: true, use: "reasoner" },
  { webSearch: true, use: "cheap" },
  { tools: ["mcp__*"], use: "cheap" },
  { images: true, use: "reasoner" },
  { longContext: 60000, use: "longctx" },
  { tools: ["WebFetch"], use: "cheap" },
];

function engine(): Engine {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-bench-rules-"));
  try {
    const file = join(dir, "ccproxy.yaml");
    const targets = (m: string) => ({ targets: [`a/${m}`] });
    writeFileSync(
      file,
      stringify({
        listen: "127.0.0.1:0",
        providers: { a: { protocol: "openai", baseUrl: "http://127.0.0.1:9/a", keys: ["sk-a"] } },
        models: { "plain-*": targets("plain"), "claude-*": { ...targets("main"), when: WHEN }, cheap: targets("mini"), reasoner: targets("r1"), longctx: targets("long") },
      }),
    );
    const loaded = loadConfig({ protocols: protocolNames(), flag: file, env: {}, cwd: dir, home: dir });
    if (!loaded.config) throw new Error(JSON.stringify(loaded.errors));
    return { config: loaded.config, mappings: loadProtocolMappings().mappings!, router: new Router(loaded.config) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Claude Code main turn: a system prompt, a dozen tools, a few turns of conversation (about 20 kB) */
function body(model: string) {
  const tools = ["Bash", "Read", "Edit", "Write", "Glob", "Grep", "TodoWrite", "Task", "WebFetch2", "NotebookEdit", "LS", "MultiEdit"].map((name) => ({
    name,
    description: `${name}: ${"does what it says. ".repeat(20)}`,
    input_schema: { type: "object", properties: { path: { type: "string" }, text: { type: "string" } }, required: ["path"] },
  }));
  const messages = Array.from({ length: 6 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `turn ${i}: ${"some words of the conversation ".repeat(40)}` }));
  return { model, max_tokens: 32000, system: [{ type: "text", text: "You are Claude Code. ".repeat(100) }], tools, messages, stream: true };
}

function nsPerRequest(e: Engine, model: string, n: number): number {
  const b = body(model);
  const call: Call = { client: "claude", body: b, raw: JSON.stringify(b), headers: new Headers({ "content-type": "application/json" }), models: e.config.models, redact: (t) => t };
  const decoded = decodeRequest(e, call);
  if (decoded instanceof Response) throw new Error("bench body does not decode");
  const req = decoded.req;
  let sink = 0;
  for (let i = 0; i < n / 10; i++) sink += routeByRule(e, call, req).rule?.length ?? 0; // warm
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) sink += routeByRule(e, call, req).rule?.length ?? 0;
  const ns = (Bun.nanoseconds() - t0) / n;
  if (sink < 0) console.log(sink);
  return ns;
}

export function rulesCost(n = 200_000): RulesCost {
  const e = engine();
  return { none: nsPerRequest(e, "plain-x", n), miss: nsPerRequest(e, "claude-sonnet-4-6", n), hit: nsPerRequest(e, "claude-haiku-4-5", n) };
}

if (import.meta.main) {
  const c = rulesCost();
  console.log(`when rules, routeByRule per request: no rules ${c.none.toFixed(0)} ns; 8 rules, none matching ${c.miss.toFixed(0)} ns; the first matching ${c.hit.toFixed(0)} ns`);
}

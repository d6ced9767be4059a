import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectProtocol, explainBody } from "./explain.ts";
import { parseArgs } from "./args.ts";
import { loadConfig } from "../config/load.ts";
import { loadProtocolMappings, protocolNames } from "../protocols/index.ts";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-explain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "ccproxy.yaml");
writeFileSync(
  file,
  `providers:
  c: { protocol: claude, baseUrl: http://127.0.0.1:9 }
  o: { protocol: openai, baseUrl: http://127.0.0.1:9 }
models:
  claude-*:
    targets: [c/main]
    when:
      - { background: true, use: cheap }
      - { header: { x-task: title }, use: cheap }
      - { thinking: true, use: reasoner }
      - { webSearch: true, use: search }
      - { images: true, use: reasoner }
  cheap: { targets: [o/mini] }
  reasoner: { targets: [o/r1, { target: c/opus, weight: 2 }] }
  search: { targets: [c/search] }
groups:
  team:
    models:
      claude-*: { targets: [c/team], when: [{ tools: [Bash], use: cheap }] }
      cheap: { targets: [o/team-mini] }
`,
);
const config = loadConfig({ protocols: protocolNames(), flag: file, env: {}, cwd: dir, home: dir }).config!;
const mappings = loadProtocolMappings().mappings!;
const hi = [{ role: "user", content: "hi" }];

describe("ccproxy explain", () => {
  test("the protocol is told from the body's shape", () => {
    expect(detectProtocol({ model: "m", max_tokens: 5, messages: hi })).toBe("claude");
    expect(detectProtocol({ model: "m", messages: hi })).toBe("openai");
    expect(detectProtocol({ model: "m", messages: [{ role: "system", content: "s" }, ...hi], max_tokens: 5 })).toBe("openai");
    expect(detectProtocol({ model: "m", input: "hi" })).toBe("responses");
    expect(detectProtocol({ contents: [{ parts: [{ text: "hi" }] }] })).toBe("gemini");
    expect(detectProtocol({ model: "m", messages: hi, options: { temperature: 0 } })).toBe("ollama");
    expect(detectProtocol({ model: "m", system: "s", messages: hi })).toBe("claude");
  });

  test("each client protocol: the rule met and the targets, in order", () => {
    expect(explainBody(config, mappings, { model: "claude-haiku-4-5", max_tokens: 5, messages: hi })).toEqual({
      protocol: "claude", model: "claude-haiku-4-5", entry: "claude-*", rule: "claude-*#1", use: "cheap", targets: ["o/mini"],
    });
    expect(explainBody(config, mappings, { model: "claude-sonnet-4-6", messages: hi, reasoning_effort: "high" })).toMatchObject({
      protocol: "openai", rule: "claude-*#3", targets: ["o/r1", "c/opus (weight 2)"],
    });
    expect(explainBody(config, mappings, { model: "claude-sonnet-4-6", messages: hi, reasoning_effort: "none" })).toMatchObject({ rule: "none" });
    expect(explainBody(config, mappings, { model: "claude-sonnet-4-6", input: "hi", reasoning: { effort: "low" } })).toMatchObject({ rule: "claude-*#3" });
    expect(explainBody(config, mappings, { contents: [{ parts: [{ text: "hi" }] }], generationConfig: { thinkingConfig: { thinkingBudget: 1024 } } }, { model: "claude-x" })).toMatchObject({
      protocol: "gemini", rule: "claude-*#3",
    });
    expect(explainBody(config, mappings, { model: "claude-sonnet-4-6", input: "news?", tools: [{ type: "web_search" }] })).toMatchObject({
      protocol: "responses", rule: "claude-*#4", targets: ["c/search"],
    });
    expect(explainBody(config, mappings, { contents: [{ parts: [{ text: "hi" }] }] }, { model: "claude-sonnet-4-6" })).toMatchObject({
      protocol: "gemini", rule: "none", targets: ["c/main"],
    });
    expect(explainBody(config, mappings, { model: "claude-sonnet-4-6", messages: [{ role: "user", content: "hi", images: ["aGk="] }] })).toMatchObject({
      protocol: "ollama", rule: "claude-*#5",
    });
  });

  test("headers, a group, --model over the body's, and a body it cannot explain", () => {
    const body = { model: "claude-sonnet-4-6", max_tokens: 5, messages: hi };
    expect(explainBody(config, mappings, body, { headers: new Headers({ "X-Task": "title" }) })).toMatchObject({ rule: "claude-*#2" });
    expect(explainBody(config, mappings, body, { model: "claude-3-haiku" })).toMatchObject({ model: "claude-3-haiku", rule: "claude-*#1" });
    const tools = [{ name: "Bash", input_schema: { type: "object" } }];
    expect(explainBody(config, mappings, { ...body, tools }, { group: "team" })).toMatchObject({ entry: "claude-*", rule: "claude-*#1", targets: ["o/team-mini"] });
    expect(explainBody(config, mappings, { model: "gpt-4o", messages: hi })).toEqual({ protocol: "openai", model: "gpt-4o", rule: "none", targets: [] });
    expect(explainBody(config, mappings, [1], {})).toBe("the body is not a JSON object");
    expect(explainBody(config, mappings, body, { group: "nope" })).toBe('no group "nope" (groups: team)');
    expect(explainBody(config, mappings, body, { protocol: "smtp" })).toStartWith('no client protocol "smtp"');
  });

  test("its arguments", () => {
    expect(parseArgs(["explain", "--config", "c.yaml", "--protocol", "claude", "body.json", "--json"])).toMatchObject({
      command: "explain", config: "c.yaml", protocol: "claude", file: "body.json", json: true, errors: [],
    });
    expect(parseArgs(["explain", "--header", "X-Task: title", "--header=X-Other:1"]).headers).toEqual(["X-Task: title", "X-Other:1"]);
    expect(parseArgs(["explain", "--header", "no colon"]).errors).toEqual(['--header takes "Name: value", not "no colon"']);
    expect(parseArgs(["logs", "--header", "a: b"]).errors).toEqual(["--header does not apply to logs"]);
    expect(parseArgs(["explain", "a.json", "b.json"]).errors).toEqual(['unexpected argument "b.json"']);
    expect(parseArgs(["logs", "a.json"]).errors).toEqual(['unexpected argument "a.json"']);
  });
});

test("ccproxy explain --header: a header rule is met from the command line", () => {
  const body = join(dir, "body.json");
  writeFileSync(body, JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }));
  const run = (...extra: string[]) =>
    Bun.spawnSync(["bun", join(import.meta.dir, "../main.ts"), "explain", "--config", file, "--json", ...extra, body], { env: { PATH: process.env.PATH!, HOME: dir } });
  expect(JSON.parse(run().stdout.toString()).rule).not.toBe("claude-*#2");
  expect(JSON.parse(run("--header", "X-Task: title").stdout.toString()).rule).toBe("claude-*#2");
});

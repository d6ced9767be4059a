import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "./load.ts";
import { formatError } from "./yaml-source.ts";
import { protocolNames } from "../protocols/index.ts";
import type { RuleInput } from "./schema.ts";

const root = mkdtempSync(join(tmpdir(), "ccproxy-rules-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function load(text: string) {
  const dir = join(root, `case${n++}`);
  mkdirSync(dir);
  const file = join(dir, "ccproxy.yaml");
  writeFileSync(file, text);
  const result = loadConfig({ protocols: protocolNames(), flag: file, env: {}, cwd: dir, home: "/home/u" });
  return { ...result, messages: result.errors.map((e) => formatError(e).slice(file.length + 1)) };
}

const PROVIDERS = `providers:\n  a: { protocol: openai, baseUrl: https://a.example }\n`;
const entries = `  cheap: { targets: [a/mini] }\n  reasoner: { targets: [a/r1] }\n  longctx: { targets: [a/long] }\n`;
const withRules = (rules: string) => `${PROVIDERS}models:\n  claude-*:\n    targets: [a/main]\n    when:\n${rules}${entries}`;

const input = (o: Partial<RuleInput> = {}): RuleInput => ({
  model: "claude-sonnet-4-5",
  thinking: -1,
  images: () => false,
  tools: [],
  webSearch: () => false,
  headers: new Headers(),
  inputTokens: () => 10,
  ...o,
});

describe("when rules: compiled", () => {
  const r = load(
    withRules(`      - { background: true, use: cheap }
      - { thinking: true, use: reasoner }
      - { longContext: 60000, use: longctx }
      - { images: true, use: reasoner }
      - { tools: [mcp__*], use: cheap }
      - { webSearch: true, use: cheap }
      - { header: { X-Route: fast* }, use: cheap }
      - { tools: true, use: longctx }
`),
  );
  const route = r.config?.models[0];
  const pick = (o: Partial<RuleInput>) => route!.pick!(input(o))?.label;

  test("the config loads and each rule has a label", () => {
    expect(r.messages).toEqual([]);
    expect(route!.rules).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `claude-*#${i}`));
  });

  test("each trait picks its rule, in order", () => {
    expect(pick({})).toBeUndefined();
    expect(pick({ model: "claude-haiku-4-5" })).toBe("claude-*#1");
    expect(pick({ model: "claude-haiku-4-5", thinking: 4 })).toBe("claude-*#1");
    expect(pick({ thinking: 0 })).toBe("claude-*#2");
    expect(pick({ inputTokens: () => 60000 })).toBeUndefined();
    expect(pick({ inputTokens: () => 60001 })).toBe("claude-*#3");
    expect(pick({ images: () => true })).toBe("claude-*#4");
    expect(pick({ tools: [{ name: "mcp__fs__read" }] })).toBe("claude-*#5");
    expect(pick({ webSearch: () => true })).toBe("claude-*#6");
    expect(pick({ headers: new Headers({ "x-route": "fast-please" }) })).toBe("claude-*#7");
    expect(pick({ headers: new Headers({ "x-route": "slow" }) })).toBeUndefined();
    expect(pick({ tools: [{ name: "Bash" }] })).toBe("claude-*#8");
  });

  test("a thinking level matches that effort or more; false, none asked for", () => {
    const r = load(withRules(`      - { thinking: high, use: reasoner }\n      - { thinking: false, use: cheap }\n`));
    expect(r.messages).toEqual([]);
    const p = (thinking: number) => r.config!.models[0]!.pick!(input({ thinking }))?.label;
    expect([-1, 0, 1, 3, 4, 5, 6].map(p)).toEqual(["claude-*#2", undefined, undefined, undefined, "claude-*#1", "claude-*#1", "claude-*#1"]);
    expect(load(withRules(`      - { thinking: deep, use: reasoner }\n`)).messages).toEqual(["7: models.claude-*.when.0.thinking: must be true, false or one of minimal, low, medium, high, xhigh, max"]);
  });

  test("a hit plans in the used entry's targets, whatever the model's name", () => {
    const hit = route!.pick!(input({ thinking: 0 }))!;
    expect(hit.scope.length).toBe(1);
    expect(hit.scope[0]!.targets).toEqual([{ provider: "a", model: "r1" }]);
    expect(hit.scope[0]!.match.test("claude-sonnet-4-5")).toBe(true);
  });

  test("the estimate is only made when a rule reaches longContext", () => {
    let made = 0;
    route!.pick!(input({ model: "claude-haiku", inputTokens: () => ++made }));
    expect(made).toBe(0);
  });
});

describe("when rules: check", () => {
  test("an unknown trait is named with its line", () => {
    const r = load(withRules(`      - { vision: true, use: cheap }\n`));
    expect(r.messages).toEqual(["7: models.claude-*.when.0.vision: unknown field (expected one of: background, thinking, longContext, images, tools, webSearch, header, use)"]);
  });

  test("a use naming no model entry is refused", () => {
    const r = load(withRules(`      - { thinking: true, use: reasonr }\n`));
    expect(r.messages).toEqual(['7: models.claude-*.when.0.use: "reasonr" names no model entry here (entries: claude-*, cheap, reasoner, longctx)']);
  });

  test("a rule after one with no traits never matches", () => {
    const r = load(withRules(`      - { use: cheap }\n      - { thinking: true, use: reasoner }\n`));
    expect(r.messages).toEqual(["8: models.claude-*.when.1: never matches: rule 1 above it matches every request it does (the first match wins)"]);
  });

  test("a higher longContext threshold after a lower one never matches; a lower one after a higher does", () => {
    const dead = load(withRules(`      - { longContext: 1000, use: cheap }\n      - { longContext: 60000, use: longctx }\n`));
    expect(dead.messages).toEqual(["8: models.claude-*.when.1: never matches: rule 1 above it matches every request it does (the first match wins)"]);
    const live = load(withRules(`      - { longContext: 60000, use: longctx }\n      - { longContext: 1000, use: cheap }\n`));
    expect(live.messages).toEqual([]);
  });

  test("narrower globs and more traits after a broader rule are dead; other traits are not", () => {
    const r = load(
      withRules(`      - { tools: [mcp__*], use: cheap }
      - { tools: [mcp__fs__*], thinking: true, use: reasoner }
      - { background: true, use: cheap }
      - { background: "claude-haiku-*", use: cheap }
      - { header: { x-a: "*" }, use: cheap }
      - { header: { X-A: b, x-c: d }, use: cheap }
      - { thinking: true, use: reasoner }
`),
    );
    expect(r.messages).toEqual([
      "8: models.claude-*.when.1: never matches: rule 1 above it matches every request it does (the first match wins)",
      "10: models.claude-*.when.3: never matches: rule 3 above it matches every request it does (the first match wins)",
      "12: models.claude-*.when.5: never matches: rule 5 above it matches every request it does (the first match wins)",
    ]);
  });

  test("a thinking level after a lower one (or after true) never matches; a lower one after a higher does", () => {
    const dead = load(withRules(`      - { thinking: true, use: cheap }\n      - { thinking: max, use: reasoner }\n      - { thinking: false, use: cheap }\n`));
    expect(dead.messages).toEqual(["8: models.claude-*.when.1: never matches: rule 1 above it matches every request it does (the first match wins)"]);
    expect(load(withRules(`      - { thinking: medium, use: cheap }\n      - { thinking: xhigh, use: reasoner }\n`)).messages.length).toBe(1);
    expect(load(withRules(`      - { thinking: high, use: reasoner }\n      - { thinking: low, use: cheap }\n      - { thinking: true, use: cheap }\n`)).messages).toEqual([]);
  });

  test("rules in a group name the group's entries", () => {
    const r = load(`${PROVIDERS}groups:\n  team:\n    models:\n      m: { targets: [a/x], when: [{ thinking: true, use: cheap }] }\n`);
    expect(r.messages).toEqual(['6: groups.team.models.m.when.0.use: "cheap" names no model entry here (entries: m)']);
  });
});

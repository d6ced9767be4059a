import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "./load.ts";
import { formatError } from "./yaml-source.ts";
import { protocolNames } from "../protocols/index.ts";
import { compileShape } from "./shape.ts";
import type { Request } from "../unified/request.ts";

const root = mkdtempSync(join(tmpdir(), "ccproxy-shape-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function check(text: string): string[] {
  const file = join(root, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  const r = loadConfig({ protocols: protocolNames(), flag: file, env: {}, cwd: root, home: root });
  return r.errors.map((e) => formatError(e).slice(file.length + 1));
}

const HEAD = `providers:
  up: { protocol: openai, baseUrl: http://127.0.0.1:1 }
`;

describe("shape: check names each mistake at file:line", () => {
  test("a good config loads", () => {
    expect(
      check(`${HEAD}groups:
  team:
    shape:
      dropTools: [WebFetch, "mcp__*"]
      params: { temperature: { scale: 0.5 }, extra: { reasoning_effort: low } }
    models:
      m:
        targets: [up/x]
        shape: { prompt: { append: "Be brief.", where: lastUser, onlyWithTools: true }, params: { maxTokens: { cap: 100 } } }
`),
    ).toEqual([]);
  });

  test("a scale that is not positive, a prompt with two edits or none, a glob no tool name fits, an encoder-owned extra", () => {
    expect(
      check(`${HEAD}models:
  a:
    targets: [up/x]
    shape:
      params:
        temperature: { scale: 0 }
        extra: { model: other, stream: true }
  b:
    targets: [up/x]
    shape:
      prompt: { prepend: x, replace: y }
      dropTools: ["web search", "ok_*"]
groups:
  g:
    shape:
      prompt: { where: system }
      params: { maxTokens: { cap: 0 } }
    models: { m: { targets: [up/x] } }
`),
    ).toEqual([
      "8: models.a.shape.params.temperature.scale: must be greater than 0",
      "9: models.a.shape.params.extra.model: \"model\" is the encoder's to set; extra fields may not override model, messages, contents, stream",
      "9: models.a.shape.params.extra.stream: \"stream\" is the encoder's to set; extra fields may not override model, messages, contents, stream",
      "13: models.b.shape.prompt: holds prepend and replace: give one of prepend, append, replace",
      "14: models.b.shape.dropTools.0: \"web search\" can never match a tool name (letters, digits, \"_\", \"-\", \".\", \":\"; a glob adds \"*\" and \"?\")",
      "18: groups.g.shape.prompt: needs one of prepend, append, replace",
      "19: groups.g.shape.params.maxTokens.cap: must be at least 1",
    ]);
  });

  test("a parameter that is neither a number nor a scale says what it may be", () => {
    expect(check(`${HEAD}models:\n  a:\n    targets: [up/x]\n    shape: { params: { temperature: hot, top_p: { scal: 2 } } }\n`)).toEqual([
      "6: models.a.shape.params.temperature: must be a number, or { scale: f } with f > 0",
      "6: models.a.shape.params.top_p: must be a number, or { scale: f } with f > 0",
    ]);
  });

  test("an unknown field is named", () => {
    expect(check(`${HEAD}models:\n  a:\n    targets: [up/x]\n    shape: { params: { topP: 1 } }\n`)[0]).toContain("6: models.a.shape.params.topP: unknown field");
  });
});

const REQ: Request = {
  model: "m",
  system: [{ type: "text", text: "SYS" }],
  messages: [
    { role: "user", content: [{ type: "text", text: "first" }] },
    { role: "assistant", content: [{ type: "text", text: "ok" }] },
    { role: "user", content: [{ type: "image", data: "AA" }, { type: "text", text: "last" }, { type: "text", text: "more" }] },
  ],
  tools: [{ name: "Read" }, { name: "mcp__a" }],
  toolChoice: { type: "tool", name: "mcp__a" },
  sampling: { temperature: 0.8, topP: 0.9, maxTokens: 500 },
};

describe("compileShape: the group's shaping, then the entry's", () => {
  test("nothing to shape compiles to nothing", () => {
    expect(compileShape(undefined, {})).toBeUndefined();
  });

  test("replace on the last user turn keeps its image; dropTools clears a choice naming a dropped tool", () => {
    const s = compileShape({ dropTools: ["mcp__*"] }, { prompt: { replace: "NEW", where: "lastUser" } })!;
    const out = s.request(REQ);
    expect(out.messages[2]!.content).toEqual([{ type: "image", data: "AA" }, { type: "text", text: "NEW" }]);
    expect(out.tools).toEqual([{ name: "Read" }]);
    expect(out.toolChoice).toBeUndefined();
    expect(REQ.tools!.length).toBe(2); // the decoded request is not changed in place
  });

  test("onlyWithTools sees the tools that remain", () => {
    const s = compileShape({ dropTools: ["*"] }, { prompt: { prepend: "T", onlyWithTools: true } })!;
    const out = s.request(REQ);
    expect(out.tools).toBeUndefined();
    expect(out.system).toEqual(REQ.system);
  });

  test("fixed, then scaled; a scale leaves an absent value absent; the cap lowers only", () => {
    const s = compileShape({ params: { temperature: 1, maxTokens: { cap: 100 } } }, { params: { temperature: { scale: 0.5 }, top_p: { scale: 0.5 } } })!;
    expect(s.request(REQ).sampling).toEqual({ temperature: 0.5, topP: 0.45, maxTokens: 100 });
    expect(s.request({ ...REQ, sampling: { maxTokens: 50 } }).sampling).toEqual({ temperature: 0.5, maxTokens: 50 });
  });

  test("extra fields: the entry's win over the group's", () => {
    expect(compileShape({ params: { extra: { a: 1, b: 1 } } }, { params: { extra: { b: 2 } } })!.extra).toEqual({ a: 1, b: 2 });
  });
});

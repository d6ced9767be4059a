import { describe, expect, test } from "bun:test";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Request } from "../unified/index.ts";
import { instructionFor, loadInstruction } from "./instruction.ts";
import { compatRequest, instructionText } from "./request.ts";

const t = loadInstruction().instruction!;
const weather = {
  name: "get_weather",
  description: "Weather for a city",
  parameters: { $schema: "x", type: "object", properties: { unit: { type: "string" }, city: { type: "string" } }, required: ["city"], additionalProperties: false },
};

describe("the instruction", () => {
  test("names every tool with its description and schema, required arguments first", () => {
    const text = instructionText([weather, { name: "noop" }], undefined, t);
    expect(text).toContain('### get_weather\nWeather for a city\nArguments: {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}},"required":["city"]}');
    expect(text).toContain("### noop\n\nArguments: {}");
    expect(text).not.toContain("{{");
    expect(text).not.toMatch(/\n{3}/);
  });

  test("tool choice is said in words", () => {
    expect(instructionText([weather], { type: "any" }, t)).toContain("you must call at least one tool");
    expect(instructionText([weather], { type: "tool", name: "get_weather" }, t)).toContain('you must call the tool "get_weather"');
    expect(instructionText([weather], { type: "none" }, t)).toContain("do not call any tool");
    expect(instructionText([weather], { type: "auto", parallel: false }, t)).toContain("at most one tool per reply");
    expect(instructionText([weather], { type: "auto" }, t)).not.toContain("In this reply");
  });
});

describe("the request", () => {
  const req: Request = {
    model: "m",
    system: [{ type: "text", text: "Be brief." }],
    tools: [weather],
    toolChoice: { type: "any" },
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_call", id: "c1", name: "get_weather", input: { city: "Oslo" } },
          { type: "tool_call", id: "c2", name: "get_weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", id: "c2", content: [{ type: "text", text: "hot" }] },
          { type: "tool_result", id: "c1", content: [{ type: "text", text: "no such city" }], isError: true },
          { type: "text", text: "And now?" },
        ],
      },
    ],
  };

  test("tools and tool choice leave; the instruction follows the system prompt; calls and results become tagged text", () => {
    const out = compatRequest(req, t);
    expect(out).not.toHaveProperty("tools");
    expect(out).not.toHaveProperty("toolChoice");
    expect(out.system![0]).toEqual({ type: "text", text: "Be brief." });
    expect(out.system![1]!.text).toContain("### get_weather");
    expect(out.messages[1]).toEqual({
      role: "assistant",
      content: [
        {
          type: "text",
          text: 'Checking.\n\n<tool_call>\n{"name":"get_weather","arguments":{"city":"Oslo"}}\n</tool_call>\n\n<tool_call>\n{"name":"get_weather","arguments":{"city":"Rome"}}\n</tool_call>',
        },
      ],
    });
    // Results in the order of their calls, each named after its call.
    expect(out.messages[2]).toEqual({
      role: "user",
      content: [
        {
          type: "text",
          text: '<tool_result name="get_weather" error="true">\nno such city\n</tool_result>\n\n<tool_result name="get_weather">\nhot\n</tool_result>\n\nAnd now?',
        },
      ],
    });
    expect(req.tools).toHaveLength(1); // the client's request is not changed
  });

  test("an unanswered call is answered, so every call has its result", () => {
    const out = compatRequest({ ...req, messages: req.messages.slice(0, 2) }, t);
    expect(out.messages).toHaveLength(3);
    expect((out.messages[2]!.content[0] as { text: string }).text).toContain('<tool_result name="get_weather" error="true">');
  });

  test("placement: user puts the instruction at the end of the last user turn", () => {
    const out = compatRequest(req, { ...t, placement: "user" });
    expect(out.system).toEqual(req.system);
    const last = out.messages.at(-1)!.content;
    expect((last.at(-1) as { text: string }).text).toMatch(/And now\?\n\n# Tools[\s\S]*### get_weather/);
  });
});

describe("the template file", () => {
  test("a user's file in the mappings folder replaces the built-in one, also on reload; unknown placeholders are errors with a line", () => {
    const dir = mkdtempSync(join(tmpdir(), "ccproxy-compat-"));
    try {
      mkdirSync(join(dir, "compat"));
      const file = join(dir, "compat", "instruction.yaml");
      const own = { ...t, instruction: "Tools:\n{{tools}}", tool: "- {{name}}" };
      writeFileSync(file, Object.entries(own).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("\n"));
      const mine = loadInstruction(dir).instruction!;
      expect(instructionText([weather, { name: "noop" }], undefined, mine)).toBe("Tools:\n- get_weather\n\n- noop");
      expect(instructionFor(dir)).toEqual(mine);

      writeFileSync(file, Object.entries({ ...own, tool: "- {{name}} {{colour}}" }).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("\n"));
      const bad = loadInstruction(dir);
      expect(bad.instruction).toBeUndefined();
      expect(instructionFor(dir).tool).toBe("- {{name}}"); // a bad edit leaves the last good one in use
      expect(bad.errors).toEqual([
        { file, line: 3, field: "tool", message: "unknown placeholder {{colour}} (allowed: {{name}}, {{description}}, {{parameters}})" },
      ]);
      writeFileSync(file, "placement: sideways\n");
      expect(loadInstruction(dir).errors.map((e) => e.field)).toContain("placement");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Gemini's escape hatches on unified messages: ids made and paired, turns shaped for Gemini.
import { describe, expect, test } from "bun:test";
import type { Message, Request } from "../../unified/index.ts";
import { geminiIds, geminiResponse, geminiResultContent, geminiTurns } from "./functions.ts";
import { loadProtocolMappings } from "../index.ts";

const call = (name: string, id = "") => ({ type: "tool_call" as const, id, name, input: {} });
const result = (name: string | undefined, text: string, id = "") => ({ type: "tool_result" as const, id, name, content: [{ type: "text" as const, text }] });

describe("geminiIds", () => {
  test("calls get ids from their position; results take them by name and order", () => {
    const msgs: Message[] = [
      { role: "user", content: [{ type: "text", text: "go" }] },
      { role: "assistant", content: [call("a"), call("b"), call("a")] },
      { role: "user", content: [result("a", "1"), result("a", "2"), result("b", "3")] },
    ];
    const out = geminiIds(structuredClone(msgs), {}) as Message[];
    expect(out[1]!.content.map((p: any) => p.id)).toEqual(["call_1_0", "call_1_1", "call_1_2"]);
    expect(out[2]!.content.map((p: any) => p.id)).toEqual(["call_1_0", "call_1_2", "call_1_1"]);
    // the same conversation sent again gets the same ids
    expect(geminiIds(structuredClone(msgs), {})).toEqual(out);
  });
  test("ids the client gave are kept and paired by id", () => {
    const out = geminiIds([
      { role: "assistant", content: [call("a", "x1"), call("a", "x2")] },
      { role: "user", content: [result("a", "2", "x2"), result(undefined, "1", "x1")] },
    ], {}) as Message[];
    expect(out[1]!.content.map((p: any) => [p.id, p.name])).toEqual([["x2", "a"], ["x1", "a"]]);
  });
});

describe("geminiTurns", () => {
  test("results are named from their calls, thinking leaves, same-role turns merge with results first", () => {
    const out = geminiTurns([
      { role: "user", content: [{ type: "text", text: "q" }] },
      { role: "assistant", content: [{ type: "thinking", text: "hm", signature: "claude-sig" }, call("lookup", "t1")] },
      { role: "user", content: [{ type: "text", text: "" }] },
      { role: "system", content: [{ type: "text", text: "be brief" }] },
      { role: "user", content: [result(undefined, "found", "t1")] },
    ], {}) as Message[];
    expect(out.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(out[1]!.content).toEqual([call("lookup", "t1")]);
    expect(out[2]!.content).toEqual([result("lookup", "found", "t1"), { type: "text", text: "be brief" }]);
  });
});

describe("function results", () => {
  test("text goes under output, errors under error, object text as the object", () => {
    expect(geminiResponse(result("f", "sunny"), {})).toEqual({ output: "sunny" });
    expect(geminiResponse({ ...result("f", "boom"), isError: true }, {})).toEqual({ error: "boom" });
    expect(geminiResponse(result("f", '{"t":20}'), {})).toEqual({ t: 20 });
  });
  test("and back: output / error unwrapped, other objects as JSON text", () => {
    expect(geminiResultContent({ output: "sunny" }, {})).toEqual({ content: [{ type: "text", text: "sunny" }], isError: undefined });
    expect(geminiResultContent({ error: "boom" }, {})).toEqual({ content: [{ type: "text", text: "boom" }], isError: true });
    expect(geminiResultContent({ t: 20 }, {})).toEqual({ content: [{ type: "text", text: '{"t":20}' }] });
  });
});

test("snake_case keys become camelCase, except inside arguments, results and schemas", () => {
  const decode = loadProtocolMappings().mappings!.gemini.spec["request.decode"];
  const body = {
    system_instruction: { parts: [{ text: "s" }] },
    contents: [{ role: "user", parts: [{ inline_data: { mime_type: "image/png", data: "AA" } }, { function_call: { name: "f", args: { snake_key: 1 } } }] }],
    tools: [{ function_declarations: [{ name: "f", parameters: { type: "object", properties: { my_field: { type: "string" } } } }] }],
  };
  const req = decode.run(body, { route: { model: "m" } }) as Request;
  expect(req.system).toEqual([{ type: "text", text: "s" }]);
  expect(req.messages[0]!.content).toEqual([
    { type: "image", mediaType: "image/png", data: "AA" },
    { type: "tool_call", id: "call_0_0", name: "f", input: { snake_key: 1 } },
  ]);
  expect(req.tools).toEqual([{ name: "f", parameters: { type: "object", properties: { my_field: { type: "string" } } } }]);
});

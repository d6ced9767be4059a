// The DSL's built-in functions, each as docs/mappings.md describes it, called as a mapping calls it.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtins } from "./builtins.ts";
import { compileTemplate } from "./compile.ts";
import { loadProtocolMappings, mappingFunctions as allFunctions } from "../protocols/index.ts";
const mappingFunctions = allFunctions();
import { formatError } from "../config/yaml-source.ts";

/** Runs `{ call: name, from: $, args }` through the compiler, so args are checked and prepared as in a mapping. */
function call(name: string, value: unknown, args?: unknown, ctx: Record<string, unknown> = {}) {
  const { compiled, problems } = compileTemplate({ call: name, ...(args === undefined ? {} : { args }) }, { functions: builtins });
  expect(problems).toEqual([]);
  return compiled!.run(value, ctx);
}

describe("text", () => {
  test("withPrefix / withoutPrefix", () => {
    expect(call("withPrefix", "gemini-2.5-flash", { prefix: "models/" })).toBe("models/gemini-2.5-flash");
    expect(call("withPrefix", 5, { prefix: "models/" })).toBeUndefined();
    expect(call("withoutPrefix", "models/gemini-2.5-flash", { prefix: "models/" })).toBe("gemini-2.5-flash");
    expect(call("withoutPrefix", "tunedModels/x", { prefix: "models/" })).toBe("tunedModels/x");
    expect(call("withoutPrefix", undefined, { prefix: "models/" })).toBeUndefined();
  });

  test("replace replaces every match; a value that is not a string passes", () => {
    const fit = { pattern: "[^A-Za-z0-9_-]", with: "_" };
    expect(call("replace", "call:1/a.b", fit)).toBe("call_1_a_b");
    expect(call("replace", "toolu_01", fit)).toBe("toolu_01");
    expect(call("replace", 7, fit)).toBe(7);
  });

  test("sha256 is the hex digest of a string", () => {
    expect(call("sha256", "abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(call("sha256", 1)).toBeUndefined();
  });

  test("joinText joins the text parts; absent when there is no text", () => {
    const parts = [{ type: "text", text: "a" }, { type: "image", data: "x" }, { type: "text", text: "b" }];
    expect(call("joinText", parts)).toBe("a\nb");
    expect(call("joinText", parts, { separator: "" })).toBe("ab");
    expect(call("joinText", [{ type: "image" }])).toBeUndefined();
  });

  test("thinkingText: readable thinking, or only the unsigned part of it", () => {
    const parts = [
      { type: "thinking", text: "a", signature: "s" },
      { type: "thinking", text: "b" },
      { type: "thinking", text: "", redacted: "r" },
    ];
    expect(call("thinkingText", parts)).toBe("ab");
    expect(call("thinkingText", parts, { unsigned: true })).toBe("b");
    expect(call("thinkingText", [{ type: "text", text: "t" }])).toBeUndefined();
  });
});

describe("objects and lists", () => {
  test("camelKeys reads snake_case keys as camelCase, except under the keys named verbatim", () => {
    const body = { system_instruction: { parts: [{ inline_data: { mime_type: "x" } }] }, args: { snake_key: { deep_key: 1 } } };
    expect(call("camelKeys", body, { verbatim: ["args"] })).toEqual({
      systemInstruction: { parts: [{ inlineData: { mimeType: "x" } }] },
      args: { snake_key: { deep_key: 1 } },
    });
  });

  test("includes, nonEmpty, toArray", () => {
    expect(call("includes", ["generateContent", "countTokens"], "generateContent")).toBe(true);
    expect(call("includes", undefined, "generateContent")).toBe(false);
    expect([call("nonEmpty", ""), call("nonEmpty", []), call("nonEmpty", {}), call("nonEmpty", "x")]).toEqual([undefined, undefined, undefined, "x"]);
    expect([call("toArray", "a"), call("toArray", ["a"]), call("toArray", undefined)]).toEqual([["a"], ["a"], undefined]);
  });

  test("eachWith adds the given fields to each object of a list; find picks the first object with a field's value", () => {
    const tools = [{ name: "sleep" }, "not an object", { name: "now", namespace: "old" }];
    expect(call("eachWith", [tools, { namespace: "clock" }])).toEqual([
      { name: "sleep", namespace: "clock" },
      { name: "now", namespace: "clock" },
    ]);
    expect(call("eachWith", [tools, undefined])).toEqual([{ name: "sleep" }, { name: "now", namespace: "old" }]);
    expect(call("eachWith", [undefined, { namespace: "clock" }])).toBeUndefined();
    const named = [{ tool: "clock__sleep", name: "sleep" }, { tool: "clock__now", name: "now" }, { tool: "clock__now", name: "later" }];
    expect(call("find", [named, "clock__now"], { by: "tool" })).toEqual({ tool: "clock__now", name: "now" });
    expect(call("find", [named, "exec"], { by: "tool" })).toBeUndefined();
    expect(call("find", [named, undefined], { by: "tool" })).toBeUndefined();
    expect(call("find", [undefined, "exec"], { by: "tool" })).toBeUndefined();
  });
});

describe("ids and clocks", () => {
  test("responseId is made once per request; newId is fresh on every call", () => {
    const ctx = {};
    const id = call("responseId", undefined, { prefix: "chatcmpl-" }, ctx) as string;
    expect(id).toStartWith("chatcmpl-");
    expect(call("responseId", undefined, { prefix: "other-" }, ctx)).toBe(id);
    const a = call("newId", undefined, { prefix: "call_" }) as string;
    expect(a).toStartWith("call_");
    expect(call("newId", undefined, { prefix: "call_" })).not.toBe(a);
  });

  test("elapsedNs counts from startClock, which gives nothing", () => {
    const ctx: Record<string, unknown> = {};
    expect(call("startClock", undefined, undefined, ctx)).toBeUndefined();
    expect(typeof ctx.startedNs).toBe("number");
    expect(call("elapsedNs", undefined, undefined, ctx)).toBeGreaterThanOrEqual(0);
    expect(call("isoNow", undefined)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("imageType sniffs base64 image data", () => {
    expect([call("imageType", "/9j/4AAQ"), call("imageType", "R0lGODlh"), call("imageType", "UklGRg"), call("imageType", "iVBOR")]).toEqual([
      "image/jpeg",
      "image/gif",
      "image/webp",
      "image/png",
    ]);
  });
});

describe("a wrong eq or args in a mapping file is an error at its file and line", () => {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-builtins-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("each problem named by file:line and field", () => {
    mkdirSync(join(dir, "gemini"), { recursive: true });
    const text = [
      "models:",
      "  each: $.models",
      "  where: { eq: [$.kind] }",
      "  as:",
      "    name: { call: withPrefix, from: $.id, args: { prefx: models/ } }",
      "    baseModelId: { call: sha256, from: $.id, args: { short: true } }",
      "    displayName: { call: replace, from: $.id, args: { pattern: \"(\", with: _ } }",
    ].join("\n");
    writeFileSync(join(dir, "gemini", "models.encode.yaml"), text);
    const r = loadProtocolMappings(dir);
    expect(r.mappings).toBeUndefined();
    expect(r.errors.map((e) => formatError(e).replace(dir + "/", ""))).toEqual([
      "gemini/models.encode.yaml:3: models.where.eq: eq: Expected array length to be greater or equal to 2",
      "gemini/models.encode.yaml:5: models.as.name.args.prefix: call: withPrefix: args: Expected required property",
      "gemini/models.encode.yaml:5: models.as.name.args.prefx: call: withPrefix: args: unknown key in args (allowed: prefix)",
      "gemini/models.encode.yaml:6: models.as.baseModelId.args: call: \"sha256\" takes no args",
      "gemini/models.encode.yaml:7: models.as.displayName.args: call: replace: args: Invalid regular expression: missing )",
    ]);
  });
});

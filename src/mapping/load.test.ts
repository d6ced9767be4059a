import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinMappings } from "../protocols/index.ts";
import INSTRUCTION_TEXT from "../../mappings/compat/instruction.yaml" with { type: "text" };
/** What the executable embeds: each protocol's mappings, and tool compatibility's instruction */
const BUILTIN_MAPPINGS: Record<string, string> = { ...builtinMappings(), "compat/instruction": INSTRUCTION_TEXT };
import { loadProtocolMappings, mappingFunctions } from "../protocols/index.ts";
import { loadMappings } from "./load.ts";
import { formatError } from "../config/yaml-source.ts";

const root = mkdtempSync(join(tmpdir(), "ccproxy-mappings-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh override folder holding `files` (name without .yaml → text), loaded over the built-ins. */
function loadWith(files: Record<string, string>) {
  const dir = join(root, `case${n++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name.split("/")[0]!), { recursive: true });
    writeFileSync(join(dir, `${name}.yaml`), text);
  }
  const result = loadProtocolMappings(dir, true);
  return { ...result, dir, messages: result.errors.map((e) => formatError(e).replace(dir + "/", "")) };
}

const builtin = loadProtocolMappings(undefined, true);

const REQUEST = {
  model: "gpt-x",
  messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  sampling: { maxTokens: 10 },
};

describe("built-in mappings", () => {
  test("a built-in text Bun reads but the yaml library refuses (a duplicate key) gets its errors reported, not a crash", () => {
    const openaiTexts = Object.fromEntries(
      Object.entries(builtinMappings()).filter(([k]) => k.startsWith("openai/")).map(([k, v]) => [k.slice("openai/".length), v]),
    );
    const r = loadMappings({
      protocols: [{ name: "dup", kinds: [], builtin: { ...openaiTexts, "request.encode": "model: $.model\nmodel: { use: nowhere }\n" } }],
      functions: mappingFunctions(),
      eager: true,
    });
    expect(r.errors.map(formatError)).toEqual(['mappings/dup/request.encode.yaml:1: model.use: unknown def "nowhere" (defined: none)']);
  });

  test("load with no errors", () => {
    expect(builtin.errors.map(formatError)).toEqual([]);
    expect(builtin.mappings).toBeDefined();
    expect(builtin.mappings!.openai.stream["stream.decode"]).toMatchObject({ frame: "sse", done: "[DONE]" });
    expect(builtin.mappings!.claude.stream["stream.encode"].frame).toBe("sse");
  });

  test("run: the OpenAI request encode of a small request", () => {
    const body = builtin.mappings!.openai.spec["request.encode"].run(REQUEST, { model: "gpt-x" });
    expect(body).toEqual({ model: "gpt-x", messages: [{ role: "user", content: "hi" }], max_tokens: 10 });
  });

  test("request.decode's require: becomes the required-field check", () => {
    const check = builtin.mappings!.claude.require;
    expect(check({ model: "m", messages: [], max_tokens: 5 })).toBeUndefined();
    expect(check({ model: "m", messages: [] })).toEqual({ param: "max_tokens", message: "max_tokens: field required" });
    expect(check({ model: "m", messages: "x", max_tokens: 5 })).toEqual({ param: "messages", message: "messages: must be of type array" });
    expect(check([])).toEqual({ param: "body", message: "request body must be a JSON object" });
  });

  test("every file under mappings/ is embedded, and every embedded name has its file", () => {
    const dir = join(import.meta.dir, "../../mappings");
    const onDisk = readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.replace(/\\/g, "/").replace(/\.yaml$/, ""))
      .sort();
    for (const name of onDisk) expect(BUILTIN_MAPPINGS[name]).toBe(readFileSync(join(dir, `${name}.yaml`), "utf8"));
    // A protocol may embed another's file of the same kind as its own (the Responses API's error
    // bodies and model lists are OpenAI's); every other embedded name has its own file.
    const kind = (name: string) => name.slice(name.indexOf("/"));
    const shared = Object.keys(BUILTIN_MAPPINGS).filter((n) => !onDisk.includes(n));
    for (const name of shared)
      expect({ name, from: onDisk.filter((f) => kind(f) === kind(name) && BUILTIN_MAPPINGS[f] === BUILTIN_MAPPINGS[name]).length > 0 }).toEqual({ name, from: true });
    expect(shared.sort()).toEqual(["responses/error.decode", "responses/error.encode", "responses/models.decode", "responses/models.encode", "responses/parts.defs"]);
  });
});

describe("a user folder overrides files of the same name", () => {
  test("a replaced request.encode takes effect; other files stay built-in", () => {
    const text = `${BUILTIN_MAPPINGS["openai/request.encode"]}\nx_via: ccproxy\n`;
    const r = loadWith({ "openai/request.encode": text });
    expect(r.messages).toEqual([]);
    const body = r.mappings!.openai.spec["request.encode"].run(REQUEST, { model: "gpt-x" });
    expect(body).toEqual({ model: "gpt-x", messages: [{ role: "user", content: "hi" }], max_tokens: 10, x_via: "ccproxy" });
    expect(r.sources["openai/request.encode"]).not.toBe(builtin.sources["openai/request.encode"]);
    for (const name of Object.keys(builtin.sources).filter((k) => k !== "openai/request.encode"))
      expect(r.sources[name]).toBe(builtin.sources[name]!);
  });

  test("an overridden defs file is what the built-in specs include", () => {
    const text = BUILTIN_MAPPINGS["openai/parts.defs"]!.replace("length: max_tokens,", "length: stop_sequence,");
    const r = loadWith({ "openai/parts.defs": text });
    expect(r.messages).toEqual([]);
    const decoded = r.mappings!.openai.spec["response.decode"].run({ choices: [{ message: { content: "x" }, finish_reason: "length" }] }, {});
    expect(decoded.stopReason).toBe("stop_sequence");
  });
});

describe("a broken override is reported as file:line: field: message", () => {
  test("a YAML syntax error", () => {
    const r = loadWith({ "openai/request.encode": "model: $.model\nmessages: [\n  bad" });
    expect(r.mappings).toBeUndefined();
    expect(r.messages).toEqual([
      "openai/request.encode.yaml:3: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  test("an unknown function in a nested field", () => {
    const r = loadWith({
      "claude/response.encode": [
        "id: $.id",
        "content:",
        "  each: $.content",
        "  as:",
        "    type: text",
        "    text: { call: shout, from: $.text }",
      ].join("\n"),
    });
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toStartWith('claude/response.encode.yaml:6: content.as.text.call: unknown function "shout" (known: asObject, ');
  });

  test("a directive with an unknown key", () => {
    const r = loadWith({ "claude/request.encode": "model: $.model\ntools:\n  each: $.tools\n  az: { name: $.name }\n" });
    expect(r.messages).toEqual(['claude/request.encode.yaml:4: tools.az: each: unknown key in "each" (allowed: each, as, where)']);
  });

  test("a bad frame: in a stream spec", () => {
    const r = loadWith({ "claude/stream.encode": "# comment\nframe: sse2\nevents: { data: $ }\n" });
    expect(r.messages).toEqual(["claude/stream.encode.yaml:2: frame: Expected union value"]);
  });

  test("an unknown top-level key in a stream spec", () => {
    const r = loadWith({ "openai/stream.decode": "frame: sse\nevents: $\nevent: 1\n" });
    expect(r.messages).toEqual(["openai/stream.decode.yaml:3: event: Unexpected property"]);
  });

  test("a missing include", () => {
    const r = loadWith({ "openai/response.encode": "id: $.id\ninclude: [part]\n" });
    expect(r.messages).toEqual(['openai/response.encode.yaml:2: include.0: no defs file "openai/part.defs.yaml"']);
  });

  test("an unknown require type", () => {
    const r = loadWith({ "openai/request.decode": "require: { model: text }\nmodel: $.model\n" });
    expect(r.messages).toEqual([
      'openai/request.decode.yaml:1: require.model: unknown type "text" (one of string, number, boolean, array, object, string|array, any)',
    ]);
  });

  test("an empty file or a list is an error, not a crash", () => {
    expect(loadWith({ "openai/error.encode": "" }).messages).toEqual(["openai/error.encode.yaml:1: a mapping file is a map of field: template"]);
    expect(loadWith({ "openai/stream.encode": "- a\n" }).messages).toEqual(["openai/stream.encode.yaml:1: a mapping file is a map of field: template"]);
    expect(loadWith({ "claude/error.decode": "include: blocks\nkind: 1\n" }).messages).toEqual(["claude/error.decode.yaml:1: include: Expected array"]);
  });

  test("a def name that is not an identifier is an error, not a crash", () => {
    const r = loadWith({ "openai/error.encode": "defs:\n  my-def: 1\nerror: 1\n" });
    expect(r.messages).toEqual(['openai/error.encode.yaml:2: defs.my-def: bad def name "my-def": use letters, digits and _']);
  });

  test("a problem in an included defs file is reported once, at its own line", () => {
    const text = BUILTIN_MAPPINGS["claude/blocks.defs"]!.replace("call: asObject, from: $.input", "call: asObjekt, from: $.input");
    const line = text.split("\n").findIndex((l) => l.includes("asObjekt")) + 1;
    const r = loadWith({ "claude/blocks.defs": text });
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toStartWith(`claude/blocks.defs.yaml:${line}: decodeBlock.cases.tool_use.input.call: unknown function "asObjekt"`);
  });
});

describe("check catches mapping mistakes that used to load silently", () => {
  test("a file whose name matches no built-in mapping is never read: an error naming the near one", () => {
    const r = loadWith({ "openai/request.encod": "model: $.model\n", "claude/notes": "a: 1\n" });
    expect(r.messages).toEqual([
      "claude/notes.yaml: no built-in mapping has this name, so it is never read; names are <protocol>/<kind>.yaml, e.g. openai/request.encode.yaml",
      "openai/request.encod.yaml: no built-in mapping has this name, so it is never read; did you mean openai/request.encode.yaml?",
    ]);
  });

  test("a protocol with only built-in files is compiled at its first use; one with files in the folder, and every one for check, at once", () => {
    const lazy = loadProtocolMappings();
    expect(Object.keys(lazy.sources)).toEqual([]);
    expect(lazy.mappings!.gemini.spec["request.decode"]).toBeDefined();
    expect(Object.keys(lazy.sources).every((k) => k.startsWith("gemini/"))).toBe(true);
    expect(lazy.mappings!.gemini).toBe(lazy.mappings!.gemini); // compiled once
    expect(Object.keys(lazy.mappings!).sort()).toEqual(["claude", "gemini", "ollama", "openai", "responses"]);

    const dir = join(root, `case${n++}`);
    mkdirSync(join(dir, "ollama"), { recursive: true });
    writeFileSync(join(dir, "ollama", "request.encode.yaml"), "override: keys\nstream: true\n");
    const withFile = loadProtocolMappings(dir);
    expect(withFile.errors).toEqual([]);
    expect(Object.keys(withFile.sources).every((k) => k.startsWith("ollama/"))).toBe(true);
    expect(withFile.sources["ollama/request.encode"]).toBeDefined();

    expect(Object.keys(builtin.sources).length).toBe(66);
  });

  test("a built-in text that does not compile is an error at its first use, naming its file", () => {
    const r = loadMappings({ protocols: [{ name: "bad", kinds: [], builtin: { "request.encode": "model: { use: nowhere }\n" } }], functions: mappingFunctions() });
    expect(r.errors).toEqual([]);
    expect(() => r.mappings!.bad).toThrow("the built-in bad mappings do not compile: mappings/bad/request.decode.yaml:1: mapping file missing");
  });

  test("a .yml file and a file outside a protocol folder are errors too; other files are not", () => {
    const dir = join(root, `case${n++}`);
    mkdirSync(join(dir, "openai"), { recursive: true });
    writeFileSync(join(dir, "openai", "request.encode.yml"), "model: $.model\n");
    writeFileSync(join(dir, "request.encode.yaml"), "model: $.model\n");
    writeFileSync(join(dir, "README.md"), "my mappings\n");
    const r = loadProtocolMappings(dir);
    expect(r.errors.map((e) => formatError(e).replace(dir + "/", ""))).toEqual([
      "openai/request.encode.yml: no built-in mapping has this name, so it is never read; did you mean openai/request.encode.yaml?",
      "request.encode.yaml: no built-in mapping has this name, so it is never read; a mapping file sits in its protocol's folder: openai/, claude/, gemini/, ollama/, responses/ or compat/",
    ]);
  });

  test("a misspelt directive is an error, not a literal object in every output", () => {
    const text = BUILTIN_MAPPINGS["ollama/request.encode"]!.replace("switch: $.role", "swtich: $.role");
    const line = text.split("\n").findIndex((l) => l.includes("swtich")) + 1;
    expect(line).toBeGreaterThan(0);
    const r = loadWith({ "ollama/request.encode": text });
    expect(r.messages).toEqual([`ollama/request.encode.yaml:${line}: messages.as.swtich: unknown directive "swtich": did you mean "switch"?`]);
  });

  test("a JSONPath filter that can never run is an error at load time", () => {
    const r = loadWith({ "openai/request.encode": `${BUILTIN_MAPPINGS["openai/request.encode"]}\nx_user: "$.messages[?(@.role = 'user')]"\n` });
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/^openai\/request\.encode\.yaml:\d+: x_user: bad path .*Invalid left-hand side in assignment$/);
  });
});

describe("an `override: keys` file replaces single keys of the built-in one", () => {
  test("a top-level key, and a path through a list, keep the rest built in and in place", () => {
    const r = loadWith({ "openai/response.encode": "override: keys\nobject: chat.completion.x\nchoices.0.logprobs: { const: [] }\n" });
    expect(r.messages).toEqual([]);
    const run = (m: typeof builtin) =>
      m.mappings!.openai.spec["response.encode"].run({ id: "r", model: "m", content: [], stopReason: "end", usage: {} }, { model: "m", id: "r", created: 1 }) as object;
    const body = run(r);
    expect(Object.keys(body)).toEqual(Object.keys(run(builtin)));
    expect(body).toMatchObject({ object: "chat.completion.x", choices: [{ logprobs: [], finish_reason: "stop" }] });
  });

  test('a key that holds dots itself ("...") is found as it is', () => {
    const r = loadWith({ "openai/request.encode": 'override: keys\n"...": { const: { x_via: ccproxy } }\n' });
    expect(r.messages).toEqual([]);
    expect(r.mappings!.openai.spec["request.encode"].run(REQUEST, { model: "gpt-x" })).toMatchObject({ x_via: "ccproxy", max_tokens: 10 });
  });

  test("a defs file's own syntax error is reported, without the unknown defs it causes", () => {
    const r = loadWith({ "openai/parts.defs": "decodeFinish: [\n  bad" });
    expect(r.messages).toEqual(["openai/parts.defs.yaml:2: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
  });
});

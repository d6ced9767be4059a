// Codex's code mode through the Responses endpoint: its tools come in an `additional_tools` input
// item, grouped in namespaces, not in `tools`. Another protocol's model gets each namespaced tool as
// `<namespace>__<name>` (within 64 characters of [A-Za-z0-9_-]), and its call goes back to the client
// with the tool's own name and its namespace, as Codex needs to run it. A Responses upstream gets the
// request as it was sent.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { Server } from "bun";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { claudeEvents, claudeMessage } from "./support/wire.ts";
import { expectFieldRefusals } from "./support/refusals.ts";

const KEY = "code-mode-key";
let proxy: Proxy;
let claude: Upstream;
let native: Server<undefined>;
const nativeSeen: any[] = [];

beforeAll(async () => {
  claude = await startUpstream("claude");
  native = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      nativeSeen.push(await req.json());
      return Response.json({ id: "resp_n", object: "response", status: "completed", model: "gpt-6", output: [], usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } });
    },
  });
  proxy = await startProxy({
    accessKeys: [KEY],
    providers: {
      c: { protocol: "claude", baseUrl: claude.url, keys: ["sk-ant-secret"] },
      r: { protocol: "responses", baseUrl: `http://127.0.0.1:${native.port}/v1`, keys: ["sk-resp-secret"] },
    },
    models: { "gpt-6.2-sol": { targets: ["c/claude-x"] }, native: { targets: ["r/gpt-6"] } },
  });
});
afterAll(async () => {
  await proxy.close();
  await claude.close();
  native.stop(true);
});

const sdk = () => new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
const post = (body: unknown) =>
  fetch(`${proxy.url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });

const JS = 'const r = await tools.exec_command({ cmd: "echo hi" });\ntext(r.output);';
const OBJECT = { type: "object", properties: {} };
/** What Codex 0.171 sends for gpt-6.2-sol, cut down: a free-form `exec` and a function in `functions`, a clock. */
const ADDITIONAL_TOOLS = {
  type: "additional_tools" as const,
  role: "developer" as const,
  tools: [
    {
      type: "namespace" as const,
      name: "functions",
      description: "",
      tools: [
        { type: "custom" as const, name: "exec", description: "Run JavaScript code", format: { type: "grammar" as const, syntax: "lark" as const, definition: "start: SOURCE" } },
        { type: "function" as const, name: "wait", description: "Waits on an exec cell", strict: false, parameters: { type: "object", properties: { cell_id: { type: "string" } }, required: ["cell_id"] } },
      ],
    },
    {
      type: "namespace" as const,
      name: "clock",
      description: "Tools for reading and waiting on time.",
      tools: [{ type: "function" as const, name: "sleep", description: "Pause", strict: false, parameters: { type: "object", properties: { duration_ms: { type: "number" } } } }],
    },
  ],
};
const INPUT = [ADDITIONAL_TOOLS, { role: "developer" as const, content: "You are Codex." }, { role: "user" as const, content: "say hi" }];

describe("the tools of an additional_tools item and of namespaces reach a Claude upstream", () => {
  test("each namespaced tool as <namespace>__<name>, beside the request's own tools; the item itself is no message", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "hi" }] }) });
    await sdk().responses.create({
      model: "gpt-6.2-sol",
      input: INPUT,
      tools: [
        { type: "function", name: "exec_command", parameters: OBJECT, strict: false },
        { type: "namespace", name: "multi_agent_v1", description: "Sub-agents", tools: [{ type: "function", name: "spawn_agent", parameters: OBJECT }] },
        { type: "web_search" },
      ],
    });
    const body = claude.received.at(-1)!.body;
    expect(body.tools.map((t: any) => t.name)).toEqual(["exec_command", "multi_agent_v1__spawn_agent", "functions__exec", "functions__wait", "clock__sleep"]);
    const exec = body.tools.find((t: any) => t.name === "functions__exec");
    expect(exec.description).toBe("Run JavaScript code");
    expect(exec.input_schema).toMatchObject({ type: "object", properties: { input: { type: "string" } }, required: ["input"] });
    expect(exec.input_schema.properties.input.description).toContain("lark grammar:\nstart: SOURCE");
    expect(body.tools.find((t: any) => t.name === "functions__wait").input_schema).toEqual(ADDITIONAL_TOOLS.tools[0]!.tools[1]!.parameters);
    expect(body.system).toEqual([{ type: "text", text: "You are Codex." }]);
    expect(body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "say hi" }] }]);
  });

  test("a name outside [A-Za-z0-9_-] or over 64 characters is made to fit, and the call comes back as the client named it", async () => {
    const long = "x".repeat(70);
    claude.script((r) => {
      const name = r.body.tools.find((t: any) => t.name.startsWith("mcp_my-server__"))!.name;
      return { json: claudeMessage({ content: [{ type: "tool_use", id: "toolu_l", name, input: {} }], stop_reason: "tool_use" }) };
    });
    const r = await sdk().responses.create({
      model: "gpt-6.2-sol",
      input: [{ type: "additional_tools", role: "developer", tools: [{ type: "namespace", name: "mcp.my-server", description: "", tools: [{ type: "function", name: long, parameters: OBJECT }] }] }, { role: "user", content: "go" }],
    });
    const name = claude.received.at(-1)!.body.tools[0].name;
    expect(name).toBe(`mcp_my-server__${long}`.slice(0, 64));
    expect(r.output).toEqual([expect.objectContaining({ type: "function_call", call_id: "toolu_l", name: long, namespace: "mcp.my-server" })]);
  });
});

describe("the model's calls go back as Codex runs them: the tool's own name and its namespace", () => {
  test("plain: exec as a custom_tool_call with its JavaScript, a namespaced function as a function_call", async () => {
    claude.script({
      json: claudeMessage({
        content: [
          { type: "tool_use", id: "toolu_x", name: "functions__exec", input: { input: JS } },
          { type: "tool_use", id: "toolu_s", name: "clock__sleep", input: { duration_ms: 5 } },
        ],
        stop_reason: "tool_use",
      }),
    });
    const r = await sdk().responses.create({ model: "gpt-6.2-sol", input: INPUT });
    expect(r.output).toEqual([
      expect.objectContaining({ type: "custom_tool_call", call_id: "toolu_x", name: "exec", namespace: "functions", input: JS }),
      expect.objectContaining({ type: "function_call", call_id: "toolu_s", name: "sleep", namespace: "clock", arguments: '{"duration_ms":5}' }),
    ]);
  });

  test("streamed: each item is added and done with its name and namespace, and the final response agrees", async () => {
    claude.script({
      sse: claudeEvents({
        blocks: [
          { type: "tool_use", id: "toolu_x2", name: "functions__exec", jsonPieces: ['{"input": "const r = ', 'await tools.exec_command({ cmd: \\"echo hi\\" });\\ntext(r.output);"}'] },
          { type: "tool_use", id: "toolu_w", name: "functions__wait", jsonPieces: ['{"cell_id"', ': "1"}'] },
        ],
        stop_reason: "tool_use",
      }),
    });
    const stream = sdk().responses.stream({ model: "gpt-6.2-sol", input: INPUT });
    const added: any[] = [];
    const done: any[] = [];
    let argsDone: any;
    for await (const e of stream) {
      if (e.type === "response.output_item.added") added.push(e.item);
      if (e.type === "response.output_item.done") done.push(e.item);
      if (e.type === "response.function_call_arguments.done") argsDone = e;
    }
    const final = await stream.finalResponse();
    expect(added.map((i) => [i.type, i.name, i.namespace])).toEqual([["custom_tool_call", "exec", "functions"], ["function_call", "wait", "functions"]]);
    expect(done).toEqual([
      expect.objectContaining({ type: "custom_tool_call", call_id: "toolu_x2", name: "exec", namespace: "functions", input: JS }),
      expect.objectContaining({ type: "function_call", call_id: "toolu_w", name: "wait", namespace: "functions", arguments: '{"cell_id": "1"}' }),
    ]);
    expect(argsDone).toMatchObject({ name: "wait", arguments: '{"cell_id": "1"}' });
    expect(final.output.map((i: any) => [i.id, i.name, i.namespace])).toEqual(done.map((i) => [i.id, i.name, i.namespace]));
  });

  test("the calls and their outputs, sent back as Codex does, reach Claude under the names it gave them, paired", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "text", text: "Done." }] }) });
    await sdk().responses.create({
      model: "gpt-6.2-sol",
      input: [
        ...INPUT,
        { type: "custom_tool_call", call_id: "toolu_x", name: "exec", namespace: "functions", input: JS },
        { type: "custom_tool_call_output", call_id: "toolu_x", output: [{ type: "input_text", text: "Script completed\nOutput:\n" }, { type: "input_text", text: "hi\n" }] },
        { type: "function_call", call_id: "toolu_s", name: "sleep", namespace: "clock", arguments: '{"duration_ms":5}' },
        { type: "function_call_output", call_id: "toolu_s", output: "Sleep completed." },
      ],
    });
    const messages = claude.received.at(-1)!.body.messages;
    expect(messages.slice(1)).toEqual([
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_x", name: "functions__exec", input: { input: JS } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_x", content: [{ type: "text", text: "Script completed\nOutput:\n" }, { type: "text", text: "hi\n" }] }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_s", name: "clock__sleep", input: { duration_ms: 5 } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_s", content: [{ type: "text", text: "Sleep completed." }] }] },
    ]);
  });

  test("a call to a tool of the request's own tools keeps its name and gets no namespace", async () => {
    claude.script({ json: claudeMessage({ content: [{ type: "tool_use", id: "toolu_p", name: "exec_command", input: { cmd: "ls" } }], stop_reason: "tool_use" }) });
    const r = await sdk().responses.create({ model: "gpt-6.2-sol", input: INPUT, tools: [{ type: "function", name: "exec_command", parameters: OBJECT, strict: false }] });
    expect(r.output[0]).toMatchObject({ type: "function_call", name: "exec_command" });
    expect(r.output[0]).not.toHaveProperty("namespace");
  });
});

describe("around it", () => {
  test("a Responses upstream gets the additional_tools item and namespaces as sent", async () => {
    const sent = { model: "native", input: INPUT, tools: [{ type: "namespace", name: "multi_agent_v1", description: "", tools: [{ type: "function", name: "spawn_agent", parameters: OBJECT }] }], store: false };
    expect((await post(sent)).status).toBe(200);
    expect(nativeSeen.at(-1)).toEqual({ ...sent, model: "gpt-6" });
  });

  test("malformed namespaces and additional_tools items are a 400 naming the field, before any upstream is called", async () => {
    const before = claude.received.length;
    const cases: [unknown, string][] = [
      [{ model: "gpt-6.2-sol", input: [{ type: "additional_tools", role: "developer", tools: "x" }] }, "input[0].tools"],
      [{ model: "gpt-6.2-sol", input: [{ type: "additional_tools", role: "developer", tools: [{ type: "namespace", name: "n", tools: {} }] }] }, "input[0].tools[0].tools"],
      [{ model: "gpt-6.2-sol", input: [{ type: "additional_tools", role: "developer", tools: [{ type: "namespace", name: "n", tools: [{ name: 5, type: "function" }] }] }] }, "input[0].tools[0].tools[0].name"],
      [{ model: "gpt-6.2-sol", input: "hi", tools: [{ type: "namespace", name: "n", tools: [{ name: "f" }] }] }, "tools[0].tools[0].type"],
      [{ model: "gpt-6.2-sol", input: [{ type: "function_call", call_id: "c", name: "f", namespace: 1, arguments: "{}" }] }, "input[0].namespace"],
    ];
    await expectFieldRefusals(post, cases);
    expect(claude.received.length).toBe(before);
  });
});

import { describe, expect, test } from "bun:test";
import { createScanner, type Malformed, type Piece } from "./parse.ts";

const TOOLS = [
  { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] } },
  { name: "write_file", parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" }, append: { type: "boolean" } } } },
];

/** Runs the scanner over chunks; adjacent text pieces are joined, as a client would see them. */
function scan(chunks: string[]): { pieces: Piece[]; malformed: Malformed[] } {
  const malformed: Malformed[] = [];
  const s = createScanner(TOOLS, (m) => malformed.push(m));
  const raw = [...chunks.flatMap((c) => s.push(c)), ...s.end()];
  const pieces: Piece[] = [];
  for (const p of raw) {
    const last = pieces.at(-1);
    if (p.type === "text" && last?.type === "text") last.text += p.text;
    else pieces.push(structuredClone(p));
  }
  return { pieces, malformed };
}

const text = (t: string): Piece => ({ type: "text", text: t });
const call = (name: string, input: Record<string, unknown>): Piece => ({ type: "call", name, input });

describe("tool call tags, whole", () => {
  test("the taught form, with text before and after", () => {
    const out = scan(['Let me check.\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n\nDone.']);
    expect(out.pieces).toEqual([text("Let me check."), call("get_weather", { city: "Paris" }), text("Done.")]);
    expect(out.malformed).toEqual([]);
  });

  test("the name as an attribute, arguments as the body", () => {
    expect(scan(['<tool_call name="get_weather">{"city": "Oslo"}</tool_call>']).pieces).toEqual([call("get_weather", { city: "Oslo" })]);
  });

  test("several calls become parallel calls, in order", () => {
    const out = scan([
      '<tool_call>{"name":"get_weather","arguments":{"city":"A"}}</tool_call>\n<tool_call>{"name":"get_weather","arguments":{"city":"B"}}</tool_call>',
    ]);
    expect(out.pieces).toEqual([call("get_weather", { city: "A" }), call("get_weather", { city: "B" })]);
  });

  test("code fences around the calls and inside a tag are not text", () => {
    const out = scan([
      'Sure:\n```json\n<tool_call>\n{"name":"get_weather","arguments":{"city":"A"}}\n</tool_call>\n<tool_call>```json\n{"name":"get_weather","arguments":{"city":"B"}}\n```</tool_call>\n```\nok',
    ]);
    expect(out.pieces).toEqual([text("Sure:"), call("get_weather", { city: "A" }), call("get_weather", { city: "B" }), text("ok")]);
  });

  test("a missing closing tag at the end of the output", () => {
    expect(scan(['Writing.\n<tool_call>{"name":"write_file","arguments":{"path":"a.txt","content":"hi"}}\n']).pieces).toEqual([
      text("Writing."),
      call("write_file", { path: "a.txt", content: "hi" }),
    ]);
  });

  test("arguments coerced to the schema's types; arguments given as a JSON string", () => {
    expect(scan(['<tool_call>{"name":"get_weather","arguments":{"city":"A","days":"3"}}</tool_call>']).pieces).toEqual([
      call("get_weather", { city: "A", days: 3 }),
    ]);
    expect(scan(['<tool_call>{"name":"write_file","arguments":"{\\"path\\":\\"x\\",\\"append\\":\\"true\\"}"}</tool_call>']).pieces).toEqual([
      call("write_file", { path: "x", append: true }),
    ]);
  });

  test("a stray brace after the call's JSON is tolerated", () => {
    expect(scan(['<tool_call>{"name":"get_weather","arguments":{"city":"A"}}}</tool_call>']).pieces).toEqual([call("get_weather", { city: "A" })]);
  });

  test("malformed calls stay text and are reported: bad JSON, unknown tool, arguments not an object", () => {
    const bad = [
      '<tool_call>{"name":"get_weather","arguments":{"city":</tool_call>',
      '<tool_call>{"name":"launch_rocket","arguments":{}}</tool_call>',
      '<tool_call>{"name":"get_weather","arguments":[1]}</tool_call>',
    ];
    for (const b of bad) {
      const out = scan([`before ${b} after`]);
      expect(out.pieces).toEqual([text(`before ${b} after`)]);
      expect(out.malformed).toHaveLength(1);
      expect(out.malformed[0]!.text).toBe(b);
    }
    expect(scan([bad[1]!]).malformed[0]!.reason).toBe('unknown tool "launch_rocket"');
  });

  test("text that only looks like a tag is text", () => {
    for (const t of ["a < b and <tool_calls> are fine", "<tool", "use `<tool_call` tags", "```python\nx = 1\n```\n"])
      expect(scan([t]).pieces).toEqual([text(t)]);
  });

  test("a code block of the text right before a call keeps its closing fence", () => {
    const out = scan(['```sh\nls\n```\n<tool_call>{"name":"get_weather","arguments":{"city":"A"}}</tool_call>']);
    expect(out.pieces).toEqual([text("```sh\nls\n```"), call("get_weather", { city: "A" })]);
  });
});

describe("tool call tags, streamed", () => {
  const REPLY =
    'I will check both.\n```json\n<tool_call name="get_weather">{"city": "Paris"}</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Zürich", "days": "2"}}\n</tool_call>\n```\nThat is all. 1 < 2.';
  const whole = scan([REPLY]);

  test("the reply parses as expected in one piece", () => {
    expect(whole.pieces).toEqual([
      text("I will check both."),
      call("get_weather", { city: "Paris" }),
      call("get_weather", { city: "Zürich", days: 2 }),
      text("That is all. 1 < 2."),
    ]);
  });

  test("split at every point: the same pieces", () => {
    for (let i = 0; i <= REPLY.length; i++) expect(scan([REPLY.slice(0, i), REPLY.slice(i)]).pieces).toEqual(whole.pieces);
  });

  test("malformed calls and an unclosed last call, split at every point: the same pieces and reports", () => {
    const reply = 'Hm <tool_call>{"name":"nope","arguments":{}}</tool_call> ok\n<tool_call>{"name":"get_weather","arguments":{"city":"A"}}';
    const once = scan([reply]);
    expect(once.pieces).toEqual([text('Hm <tool_call>{"name":"nope","arguments":{}}</tool_call> ok'), call("get_weather", { city: "A" })]);
    for (let i = 0; i <= reply.length; i++) expect(scan([reply.slice(0, i), reply.slice(i)])).toEqual(once);
  });

  test("split at every pair of points, and char by char: the same pieces", () => {
    for (let i = 0; i <= REPLY.length; i += 3)
      for (let j = i; j <= REPLY.length; j += 5) expect(scan([REPLY.slice(0, i), REPLY.slice(i, j), REPLY.slice(j)]).pieces).toEqual(whole.pieces);
    expect(scan([...REPLY]).pieces).toEqual(whole.pieces);
  });

  test("text is passed on as it comes; only a possible tag start is held back", () => {
    const s = createScanner(TOOLS, () => {});
    expect(s.push("Hello wor")).toEqual([text("Hello wor")]);
    expect(s.push("ld <tool")).toEqual([text("ld")]);
    expect(s.push("box> x")).toEqual([text(" <toolbox> x")]);
    expect(s.push(' <tool_call>{"name":"get_weather",')).toEqual([]);
    expect(s.push('"arguments":{"city":"A"}}</tool_call> next')).toEqual([call("get_weather", { city: "A" }), text("next")]);
    expect(s.end()).toEqual([]);
  });
});

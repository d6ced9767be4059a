import { describe, expect, test } from "bun:test";
import { frameParser, frameWriter, jsonArrayParser, ndjsonParser, sseParser, writeFrame, type FrameParser } from "./frames.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** Feeds `chunks` to a fresh parser and returns every frame, including those `end()` flushes. */
function parse(make: () => FrameParser, chunks: Uint8Array[]) {
  const p = make();
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
}

/** The frames of `payload` split once at byte `at`. */
function splitAt(make: () => FrameParser, payload: Uint8Array, at: number) {
  return parse(make, [payload.subarray(0, at), payload.subarray(at)]);
}

describe("sseParser", () => {
  const sse = (text: string) => parse(sseParser, [bytes(text)]);

  test("LF, CRLF and lone CR line ends give the same events", () => {
    const expected = [{ event: "a", data: "1" }, { event: undefined, data: "2" }];
    expect(sse("event: a\ndata: 1\n\ndata: 2\n\n")).toEqual(expected);
    expect(sse("event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n")).toEqual(expected);
    expect(sse("event: a\rdata: 1\r\rdata: 2\r\r")).toEqual(expected);
    expect(sse("event: a\r\ndata: 1\r\rdata: 2\n\r\n")).toEqual(expected);
  });

  test("data: without a space; only one leading space is removed", () => {
    expect(sse("data:x\n\ndata:  two\n\n")).toEqual([{ event: undefined, data: "x" }, { event: undefined, data: " two" }]);
  });

  test("comment lines and unknown fields are ignored", () => {
    expect(sse(": keep-alive\nid: 7\nretry: 10\ndata: {}\n:another\n\n: ping\n\n")).toEqual([{ event: undefined, data: "{}" }]);
  });

  test("several data lines join with LF", () => {
    expect(sse("data: line1\ndata:\ndata: line3\n\n")).toEqual([{ event: undefined, data: "line1\n\nline3" }]);
  });

  test("an event name applies to its own event only; an event without data is not dispatched", () => {
    expect(sse("event: ping\n\nevent: message_start\ndata: {\"a\":1}\n\ndata: 2\n\n")).toEqual([
      { event: "message_start", data: '{"a":1}' },
      { event: undefined, data: "2" },
    ]);
  });

  test("push returns the events a chunk completes, no more", () => {
    const p = sseParser();
    expect(p.push(bytes("data: 1\n"))).toEqual([]);
    expect(p.push(bytes("\ndata: 2\n\ndata: 3"))).toEqual([{ event: undefined, data: "1" }, { event: undefined, data: "2" }]);
    expect(p.end()).toEqual([{ event: undefined, data: "3" }]);
  });

  test("end() flushes a final event that lacks its blank line", () => {
    expect(sse("data: a\n\nevent: last\ndata: b\n")).toEqual([{ event: undefined, data: "a" }, { event: "last", data: "b" }]);
    expect(sse("data: b")).toEqual([{ event: undefined, data: "b" }]);
    expect(sse("data: b\r")).toEqual([{ event: undefined, data: "b" }]);
  });

  // Multi-byte UTF-8 (2 and 4 bytes), CRLF, an event name, a comment and multi-line data.
  const PAYLOAD = bytes(
    'event: message_start\r\ndata: {"t":"héllo 🌍"}\r\n\r\n: note\r\ndata: a\r\ndata: é🌍\r\n\r\nevent: x\rdata: 🌍\r\rdata: tail\n\n',
  );
  const EXPECTED = [
    { event: "message_start", data: '{"t":"héllo 🌍"}' },
    { event: undefined, data: "a\né🌍" },
    { event: "x", data: "🌍" },
    { event: undefined, data: "tail" },
  ];

  test("the reference payload parses whole", () => {
    expect(parse(sseParser, [PAYLOAD])).toEqual(EXPECTED);
  });

  test("the same events for a split at every byte", () => {
    for (let at = 0; at <= PAYLOAD.length; at++) expect([at, splitAt(sseParser, PAYLOAD, at)]).toEqual([at, EXPECTED]);
  });

  test("the same events when fed one byte at a time", () => {
    expect(parse(sseParser, [...PAYLOAD].map((b) => new Uint8Array([b])))).toEqual(EXPECTED);
  });

  test("the same events for every pair of split points", () => {
    const small = bytes("data: é\r\n\r\nevent: 🌍\rdata: 1\r\r");
    const want = [{ event: undefined, data: "é" }, { event: "🌍", data: "1" }];
    for (let i = 0; i <= small.length; i++)
      for (let j = i; j <= small.length; j++) {
        const got = parse(sseParser, [small.subarray(0, i), small.subarray(i, j), small.subarray(j)]);
        expect([i, j, got]).toEqual([i, j, want]);
      }
  });

  test("a CR ending one chunk and an LF starting the next are one line end", () => {
    const p = sseParser();
    expect(p.push(bytes("data: 1\r"))).toEqual([]);
    expect(p.push(bytes("\n"))).toEqual([]);
    expect(p.push(bytes("\r"))).toEqual([{ event: undefined, data: "1" }]);
    expect(p.push(bytes("\ndata: 2\n\n"))).toEqual([{ event: undefined, data: "2" }]);
    expect(p.end()).toEqual([]);
  });
});

describe("ndjsonParser", () => {
  const PAYLOAD = bytes('{"a":"héllo 🌍"}\n\n{"b":2}\r\n   \n{"c":"🌍"}\n{"d":"end"}');
  const EXPECTED = [{ data: '{"a":"héllo 🌍"}' }, { data: '{"b":2}' }, { data: '{"c":"🌍"}' }, { data: '{"d":"end"}' }];

  test("one frame per non-empty line; the last line needs no newline", () => {
    expect(parse(ndjsonParser, [PAYLOAD])).toEqual(EXPECTED);
  });

  test("push returns complete lines only; end() flushes the rest", () => {
    const p = ndjsonParser();
    expect(p.push(bytes('{"a":1}\n{"b"'))).toEqual([{ data: '{"a":1}' }]);
    expect(p.push(bytes(":2}"))).toEqual([]);
    expect(p.end()).toEqual([{ data: '{"b":2}' }]);
  });

  test("the same frames for a split at every byte", () => {
    for (let at = 0; at <= PAYLOAD.length; at++) expect([at, splitAt(ndjsonParser, PAYLOAD, at)]).toEqual([at, EXPECTED]);
  });

  test("the same frames when fed one byte at a time", () => {
    expect(parse(ndjsonParser, [...PAYLOAD].map((b) => new Uint8Array([b])))).toEqual(EXPECTED);
  });

  test("frameParser picks the parser by frame kind", () => {
    expect(parse(() => frameParser("ndjson"), [bytes('{"x":1}\n')])).toEqual([{ data: '{"x":1}' }]);
    expect(parse(() => frameParser("sse"), [bytes("data: 1\n\n")])).toEqual([{ event: undefined, data: "1" }]);
  });
});

describe("writeFrame", () => {
  test("sse without an event name", () => {
    expect(writeFrame("sse", { data: { a: "é" } })).toBe('data: {"a":"é"}\n\n');
  });

  test("sse with an event name", () => {
    expect(writeFrame("sse", { event: "message_stop", data: { type: "message_stop" } })).toBe(
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
  });

  test("a string is written as it is (OpenAI's [DONE])", () => {
    expect(writeFrame("sse", { data: "[DONE]" })).toBe("data: [DONE]\n\n");
  });

  test("ndjson: one line, the event name dropped", () => {
    expect(writeFrame("ndjson", { event: "ignored", data: { done: true } })).toBe('{"done":true}\n');
  });

  test("what writeFrame writes, the parser reads back", () => {
    const frames = [{ event: "a", data: { x: "🌍" } }, { data: [1, 2] }];
    const sseText = frames.map((f) => writeFrame("sse", f)).join("");
    expect(parse(sseParser, [bytes(sseText)]).map((f) => ({ event: f.event, data: JSON.parse(f.data) }))).toEqual([
      { event: "a", data: { x: "🌍" } },
      { event: undefined, data: [1, 2] },
    ]);
    const ndText = frames.map((f) => writeFrame("ndjson", f)).join("");
    expect(parse(ndjsonParser, [bytes(ndText)]).map((f) => JSON.parse(f.data))).toEqual([{ x: "🌍" }, [1, 2]]);
  });
});

describe("JSON array streams (Gemini without alt=sse)", () => {
  const elements = [{ a: "x]}{\"" }, { b: [1, { c: "é€" }] }, { d: "\\" }];
  const wire = "[" + elements.map((e) => JSON.stringify(e)).join("\n,\r\n") + "]";

  test("each top-level element is one frame, brackets and quoted brackets inside strings included", () => {
    expect(parse(jsonArrayParser, [bytes(wire)]).map((f) => JSON.parse(f.data))).toEqual(elements);
    expect(frameParser("json").push(bytes(wire)).length).toBe(3);
  });

  test("split at every byte, including inside a UTF-8 character, the frames are the same", () => {
    const payload = bytes(wire);
    for (let at = 1; at < payload.length; at++)
      expect(splitAt(jsonArrayParser, payload, at).map((f) => JSON.parse(f.data))).toEqual(elements);
  });

  test("the writer opens, separates and closes the array; an empty stream is []", () => {
    const w = frameWriter("json");
    const text = elements.map((e) => w.write({ data: e })).join("") + w.end();
    expect(JSON.parse(text)).toEqual(elements);
    expect(parse(jsonArrayParser, [bytes(text)]).map((f) => JSON.parse(f.data))).toEqual(elements);
    const empty = frameWriter("json");
    expect(empty.end()).toBe("[]");
    expect(frameWriter("sse").write({ data: { a: 1 } })).toBe(writeFrame("sse", { data: { a: 1 } }));
  });
});

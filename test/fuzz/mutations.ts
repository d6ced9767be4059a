// The mutations: each turns a valid request into a hostile one, drawing every choice from the
// case's own generator. Most may get any answer but a bad one (the oracle's rules); a few must get
// one status (`expect`): a valid request succeeds, a body over the limit is a 413, and so on.
import type { Client, Route } from "./routes.ts";
import type { Rng } from "./rng.ts";
import { clone, places, remove, set, splice, type Place } from "./tree.ts";

export interface Ctx {
  route: Route;
  /** A fresh copy of the route's valid body (POST routes) */
  body: Record<string, unknown> | undefined;
  rng: Rng;
  /** The proxy's maxBodyBytes */
  limit: number;
  /** The access key that lets this request in, and the provider keys it must never see */
  accessKey: string;
  providerKeys: readonly string[];
}

/** What a mutation changes in the request; anything left out stays as the valid request had it. */
export interface Change {
  /** What was done, for a report */
  note: string;
  method?: string;
  /** Appended to the path (a query), or replacing it when `path` is set */
  query?: string;
  path?: (valid: string) => string;
  headers?: Record<string, string | undefined>;
  body?: string | Uint8Array;
  /** Sent without a content-length */
  chunked?: boolean;
  /** The one acceptable status: a number, or "2xx" */
  expect?: number | "2xx";
}

export interface Mutation {
  name: string;
  applies(route: Route): boolean;
  make(c: Ctx): Change;
}

const post = (r: Route) => r.method === "POST";
const chatty = (r: Route) => post(r) && r.name !== "POST /api/show" && r.name !== "POST /api/generate";
const json = (c: Ctx) => JSON.stringify(c.body);

/** Field names a protocol requires somewhere in a request: dropping one of them is the likeliest crash. */
const REQUIRED = new Set([
  "model", "messages", "max_tokens", "contents", "role", "content", "parts", "type", "name", "tool_call_id", "tool_use_id", "id",
  "function", "source", "data", "media_type", "url", "image_url", "input_schema", "parameters", "parametersJsonSchema", "text",
  "prompt", "functionCall", "functionResponse", "inlineData", "mimeType", "arguments", "input", "tools", "tool_calls", "generateContentRequest",
]);

const PROTO_NAMES = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "toJSON", "__defineGetter__", "isPrototypeOf"];
const OTHER_VALUES: unknown[] = [null, 0, -1, 1.5, 1e308, "", "x", true, false, [], {}, [null], [[]], { a: 1 }, ["x", 1], -0, 2 ** 53 + 1];
const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function somePlace(c: Ctx, want?: (p: Place) => boolean): Place | undefined {
  const all = places(c.body);
  const fit = want ? all.filter(want) : all;
  return fit.length ? c.rng.pick(fit) : undefined;
}

/** A long string of one of the kinds that cost a tokenizer or a parser the most. */
function hugeString(r: Rng, n: number): string {
  switch (r.int(0, 5)) {
    case 0:
      return "a".repeat(n); // no spaces: the worst case of a BPE merge
    case 1: {
      const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      let s = "";
      const block = Array.from({ length: 4096 }, () => abc[r.int(0, 63)]).join("");
      while (s.length < n) s += block;
      return s.slice(0, n);
    }
    case 2:
      return "🦀".repeat(Math.ceil(n / 8)); // 4-byte UTF-8, 2 UTF-16 units
    case 3:
      return "\u0000\u001f\"\\".repeat(Math.ceil(n / 16)); // escapes: 6 bytes of JSON a character
    case 4:
      return " ".repeat(n);
    default:
      return "word ".repeat(Math.ceil(n / 5));
  }
}

const sizes = (c: Ctx) => [64 * 1024, 512 * 1024, 1024 * 1024, Math.floor(c.limit / 2)];

/** A nested value `depth` deep, as JSON text (too deep to stringify). */
function nested(r: Rng, depth: number): string {
  switch (r.int(0, 3)) {
    case 0:
      return "[".repeat(depth) + "]".repeat(depth);
    case 1:
      return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    case 2:
      return '[{"type":"text","text":'.repeat(depth) + '"x"' + "}]".repeat(depth);
    default:
      return '{"content":['.repeat(depth) + "]}".repeat(depth);
  }
}

const INVALID_UTF8: number[][] = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xfe, 0xfe, 0xff], [0x80]];

/** The body's bytes with `bad` spliced into a string value (or, sometimes, between tokens). */
function withBytes(c: Ctx, bad: number[]): { body: Uint8Array; where: string } {
  const p = somePlace(c, (x) => typeof x.value === "string");
  const enc = new TextEncoder();
  const mark = "\u0002";
  let text: string;
  let where: string;
  if (p && c.rng.chance(0.8)) {
    const s = p.value as string;
    const at = c.rng.int(0, s.length);
    text = splice(c.body, p, JSON.stringify(s.slice(0, at) + mark + s.slice(at)).replace("\\u0002", mark));
    where = p.path;
  } else {
    text = json(c);
    const at = c.rng.int(0, text.length);
    text = text.slice(0, at) + mark + text.slice(at);
    where = `byte ${at}`;
  }
  const [head, tail] = text.split(mark) as [string, string];
  return { body: Buffer.concat([enc.encode(head), Uint8Array.from(bad), enc.encode(tail)]), where };
}

/** Where each protocol keeps tool results, images and tools: what the protocol-aware mutations need. */
const TOOLS: Record<Client, (body: any, r: Rng) => void> = {
  openai(b, r) {
    const msgs: any[] = Array.isArray(b.messages) ? b.messages : (b.messages = []);
    const orphan = r.pick([
      { role: "tool", tool_call_id: `call_${r.word()}`, content: "orphan" },
      { role: "tool", tool_call_id: `call_${r.word()}`, content: [{ type: "text", text: "orphan" }] },
      { role: "tool", content: "no id" },
      { role: "assistant", content: null, tool_calls: [{ id: `call_${r.word()}`, type: "function", function: { name: "get_weather", arguments: "{not json" } }] },
      { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: { already: "object" } } }] },
    ]);
    msgs.splice(r.int(0, msgs.length), 0, orphan);
  },
  claude(b, r) {
    const msgs: any[] = Array.isArray(b.messages) ? b.messages : (b.messages = []);
    const block = r.pick([
      { type: "tool_result", tool_use_id: `toolu_${r.word()}`, content: "orphan" },
      { type: "tool_result", tool_use_id: `toolu_${r.word()}`, content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }], is_error: true },
      { type: "tool_result", content: "no id" },
      { type: "tool_use", id: `toolu_${r.word()}`, name: "get_weather", input: "not an object" },
    ]);
    const role = block.type === "tool_use" && r.chance(0.5) ? "assistant" : "user";
    msgs.splice(r.int(0, msgs.length), 0, { role, content: [block] });
  },
  gemini(b, r) {
    const target = b.generateContentRequest ?? b;
    const contents: any[] = Array.isArray(target.contents) ? target.contents : (target.contents = []);
    const part = r.pick([
      { functionResponse: { name: r.word(), response: { output: "orphan" } } },
      { functionResponse: { name: "get_weather" } },
      { functionResponse: { response: "not an object" } },
      { functionCall: { name: "get_weather", args: "not an object" } },
      { functionCall: { args: {} } },
    ]);
    contents.splice(r.int(0, contents.length), 0, { role: r.pick(["user", "model", "function", "tool"]), parts: [part] });
  },
  ollama(b, r) {
    const msgs: any[] = Array.isArray(b.messages) ? b.messages : (b.messages = []);
    const m = r.pick([
      { role: "tool", tool_name: r.word(), content: "orphan" },
      { role: "tool", content: "no name" },
      { role: "tool", tool_call_id: "nowhere", content: { not: "a string" } },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: "not an object" } }] },
      { role: "user", content: "", tool_calls: [{ function: {} }] },
    ]);
    msgs.splice(r.int(0, msgs.length), 0, m);
  },
};

const BAD_BASE64 = ["!!!!", "iVBORw0KGgo", "====", "", "AAAA=AAAA", "data:image/png;base64,AAAA", "\u00e9\u00e9", " iVBO Rw0K ", "%%%"];
const BAD_MEDIA = ["image/png", "image/svg+xml", "text/html", "", "image/", "application/octet-stream", "image/png; charset=x"];

const IMAGES: Record<Client, (body: any, r: Rng, big: string) => void> = {
  openai(b, r, big) {
    const url = r.pick([
      `data:${r.pick(BAD_MEDIA)};base64,${r.pick(BAD_BASE64)}`,
      "data:image/png;base64",
      "data:;base64,",
      "data:image/png,not-base64",
      `data:image/png;base64,${big}`,
      "http://127.0.0.1:9/nowhere.png",
      "file:///etc/passwd",
      "",
    ]);
    const part = r.pick<unknown>([{ type: "image_url", image_url: { url } }, { type: "image_url", image_url: url }, { type: "image_url" }, { type: "image_url", image_url: { url: 42 } }]);
    const msgs: any[] = Array.isArray(b.messages) ? b.messages : (b.messages = []);
    msgs.push({ role: "user", content: [{ type: "text", text: "look" }, part] });
  },
  claude(b, r, big) {
    const source = r.pick<unknown>([
      { type: "base64", media_type: r.pick(BAD_MEDIA), data: r.pick(BAD_BASE64) },
      { type: "base64", media_type: "image/png", data: big },
      { type: "base64", media_type: "image/png" },
      { type: "base64", data: 42 },
      { type: "url", url: "http://127.0.0.1:9/nowhere.png" },
      { type: "file", file_id: "file_nowhere" },
      "not an object",
    ]);
    const msgs: any[] = Array.isArray(b.messages) ? b.messages : (b.messages = []);
    msgs.push({ role: "user", content: [{ type: "image", source }, { type: "text", text: "look" }] });
  },
  gemini(b, r, big) {
    const part = r.pick<unknown>([
      { inlineData: { mimeType: r.pick(BAD_MEDIA), data: r.pick(BAD_BASE64) } },
      { inlineData: { mimeType: "image/png", data: big } },
      { inlineData: { mimeType: "image/png" } },
      { inlineData: "not an object" },
      { fileData: { mimeType: "image/png", fileUri: "http://127.0.0.1:9/nowhere.png" } },
      { fileData: {} },
    ]);
    const target = b.generateContentRequest ?? b;
    const contents: any[] = Array.isArray(target.contents) ? target.contents : (target.contents = []);
    contents.push({ role: "user", parts: [{ text: "look" }, part] });
  },
  ollama(b, r, big) {
    const images = [r.pick<unknown>([...BAD_BASE64, big, 42, null, { data: "AAAA" }])];
    if (Array.isArray(b.messages)) b.messages.push({ role: "user", content: "look", images });
    else b.images = r.chance(0.8) ? images : "not an array";
  },
};

/** Schemas that cost a cleaner, a counter or an encoder more than their size says. */
function schemaBomb(r: Rng): { schema: unknown; raw?: string; note: string } {
  switch (r.int(0, 9)) {
    case 0:
      return { note: "self $ref twice a level", schema: { $ref: "#/$defs/a", $defs: { a: { type: "object", properties: { x: { $ref: "#/$defs/a" }, y: { $ref: "#/$defs/a" } } } } } };
    case 1: {
      // A chain without a cycle that doubles at every link: 2^40 leaves from 40 definitions.
      const defs: Record<string, unknown> = { d40: { type: "string" } };
      for (let i = 39; i >= 0; i--) defs[`d${i}`] = { type: "object", properties: { x: { $ref: `#/$defs/d${i + 1}` }, y: { $ref: `#/$defs/d${i + 1}` } } };
      return { note: "doubling $ref chain", schema: { $ref: "#/$defs/d0", $defs: defs } };
    }
    case 2:
      return { note: "cyclic $ref/allOf", schema: r.pick<unknown>([{ $ref: "#" }, { allOf: [{ $ref: "#" }] }, { $defs: { a: { $ref: "#/$defs/b" }, b: { $ref: "#/$defs/a" } }, $ref: "#/$defs/a" }, { anyOf: [{ $ref: "#" }, { $ref: "#" }] }]) };
    case 3: {
      const depth = r.pick([1000, 10_000, 50_000]);
      return { note: `properties ${depth} deep`, schema: null, raw: '{"type":"object","properties":{"a":'.repeat(depth) + '{"type":"string"}' + "}}".repeat(depth) };
    }
    case 4: {
      const n = r.pick([10_000, 50_000]);
      const properties: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) properties[`p${i}`] = { type: "string", description: "x" };
      return { note: `${n} properties`, schema: { type: "object", properties, required: Object.keys(properties) } };
    }
    case 5:
      return { note: "100k-item enum", schema: { type: "object", properties: { e: { type: "string", enum: Array.from({ length: 100_000 }, (_, i) => `v${i}`) } } } };
    case 6:
      return { note: "remote and odd $refs", schema: { type: "object", properties: { a: { $ref: r.pick(["http://127.0.0.1:9/schema.json", "file:///etc/passwd", "#/nowhere", "#/$defs/", "", 5 as unknown as string, "#/properties/a/items/%25%zz"]) } } } };
    case 7:
      return { note: "ill-typed keywords", schema: r.pick<unknown>([{ type: ["string", null, 5] }, { properties: [] }, { required: "x" }, { items: true }, { type: "object", properties: { a: null } }, "a string schema", 42, [], { anyOf: {} }, { $defs: [] }, { enum: "x" }]) };
    case 8: {
      const n = r.pick([5_000, 20_000]);
      return { note: `anyOf of ${n}`, schema: { anyOf: Array.from({ length: n }, (_, i) => ({ type: "object", properties: { [`k${i}`]: { const: i } } })) } };
    }
    default: {
      const depth = r.pick([200, 2000, 20_000]);
      return { note: `allOf ${depth} deep`, schema: null, raw: '{"allOf":['.repeat(depth) + '{"type":"object"}' + "]}".repeat(depth) };
    }
  }
}

const SLOT = "__fuzz_schema__";

/** Puts a schema where the client's protocol takes one: a tool's parameters, or a structured-output format. */
function placeSchema(client: Client, route: Route, b: any, schema: unknown, r: Rng): void {
  const name = r.pick(["get_weather", "bomb", r.word()]);
  const asFormat = r.chance(0.3);
  switch (client) {
    case "openai":
      if (asFormat) b.response_format = { type: "json_schema", json_schema: { name: "out", schema } };
      else (b.tools ??= []).push({ type: "function", function: { name, description: "d", parameters: schema } });
      return;
    case "claude":
      if (asFormat) b.output_format = { type: "json_schema", schema };
      else (b.tools ??= []).push({ name, description: "d", input_schema: schema });
      return;
    case "gemini": {
      const t = b.generateContentRequest ?? b;
      if (asFormat) t.generationConfig = { ...t.generationConfig, responseMimeType: "application/json", [r.pick(["responseSchema", "responseJsonSchema"])]: schema };
      else (t.tools ??= [{ functionDeclarations: [] }]).push({ functionDeclarations: [{ name, description: "d", [r.pick(["parameters", "parametersJsonSchema"])]: schema }] });
      return;
    }
    case "ollama":
      if (asFormat || route.name === "POST /api/generate") b.format = schema;
      else (b.tools ??= []).push({ type: "function", function: { name, description: "d", parameters: schema } });
  }
}

export const MUTATIONS: readonly Mutation[] = [
  {
    name: "valid",
    applies: () => true,
    make: () => ({ note: "unchanged", expect: "2xx" }),
  },
  {
    name: "drop-field",
    applies: post,
    make(c) {
      const p = c.rng.chance(0.7) ? somePlace(c, (x) => REQUIRED.has(String(x.key))) : somePlace(c);
      if (!p) return { note: "no field to drop", body: "{}" };
      remove(p);
      return { note: `dropped ${p.path}`, body: json(c) };
    },
  },
  {
    name: "retype-field",
    applies: post,
    make(c) {
      const p = c.rng.chance(0.6) ? somePlace(c, (x) => REQUIRED.has(String(x.key))) : somePlace(c);
      if (!p) return { note: "root retyped", body: JSON.stringify(c.rng.pick(OTHER_VALUES)) };
      const others = OTHER_VALUES.filter((v) => typeOf(v) !== typeOf(p.value));
      if (c.rng.chance(0.15)) return { note: `${p.path} = 1e999`, body: splice(c.body, p, c.rng.pick(["1e999", "-1e999", "123456789012345678901234567890"])) };
      const v = c.rng.pick(others);
      set(p, clone(v));
      return { note: `${p.path} = ${JSON.stringify(v)}`, body: json(c) };
    },
  },
  {
    name: "huge-string",
    applies: post,
    make(c) {
      const n = c.rng.pick(sizes(c));
      const p = somePlace(c, (x) => typeof x.value === "string");
      const s = hugeString(c.rng, n);
      if (!p || c.rng.chance(0.1)) {
        // A huge key rather than a huge value
        return { note: `a key of ${n} characters`, body: JSON.stringify({ ...c.body, [s.slice(0, n)]: 1 }) };
      }
      set(p, s);
      return { note: `${p.path}: ${n} characters`, body: json(c) };
    },
  },
  {
    name: "huge-array",
    applies: post,
    make(c) {
      const p = somePlace(c, (x) => Array.isArray(x.value) && (x.value as unknown[]).length > 0);
      const n = c.rng.pick([1_000, 10_000, 100_000]);
      if (!p) {
        set({ parent: c.body!, key: "stop", value: undefined, path: "stop" }, Array.from({ length: n }, (_, i) => `s${i}`));
        return { note: `stop: ${n} items`, body: json(c) };
      }
      const item = JSON.stringify((p.value as unknown[])[c.rng.int(0, (p.value as unknown[]).length - 1)]);
      const count = Math.max(1, Math.min(n, Math.floor((c.limit * 0.9) / (item.length + 1))));
      return { note: `${p.path}: ${count} items`, body: splice(c.body, p, `[${Array(count).fill(item).join(",")}]`) };
    },
  },
  {
    name: "deep-nesting",
    applies: post,
    make(c) {
      const depth = c.rng.pick([100, 1_000, 10_000, 100_000]);
      const p = c.rng.chance(0.85) ? somePlace(c) : undefined;
      if (!p) return { note: `root ${depth} deep`, body: nested(c.rng, depth) };
      return { note: `${p.path}: ${depth} deep`, body: splice(c.body, p, nested(c.rng, depth)) };
    },
  },
  {
    name: "invalid-utf8",
    applies: post,
    make(c) {
      const bad = c.rng.pick(INVALID_UTF8);
      const { body, where } = withBytes(c, bad);
      return { note: `bytes ${bad.map((b) => b.toString(16)).join(" ")} at ${where}`, body };
    },
  },
  {
    name: "truncated-json",
    applies: post,
    make(c) {
      const text = json(c);
      const at = c.rng.int(0, text.length - 1);
      return { note: `cut at ${at} of ${text.length}`, body: text.slice(0, at), expect: 400 };
    },
  },
  {
    name: "wrong-content-type",
    applies: post,
    make(c) {
      const type = c.rng.pick([
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "application/xml", "application/json; charset=latin1",
        "application/octet-stream", "", "application/x-ndjson", "text/event-stream",
      ]);
      const form = type.startsWith("application/x-www") && c.rng.chance(0.5);
      const multi = type.startsWith("multipart") && c.rng.chance(0.5);
      const body = form
        ? `model=${encodeURIComponent(String(c.body?.model ?? "m"))}&messages=hi`
        : multi
          ? `--xyz\r\nContent-Disposition: form-data; name="json"\r\n\r\n${json(c)}\r\n--xyz--\r\n`
          : json(c);
      return { note: `content-type "${type}"${form ? ", a form" : multi ? ", multipart" : ""}`, headers: { "content-type": type || undefined }, body };
    },
  },
  {
    name: "duplicate-keys",
    applies: post,
    make(c) {
      const objects = [{ parent: undefined, key: "", value: c.body, path: "(root)" } as unknown as Place, ...places(c.body).filter((x) => x.value && typeof x.value === "object" && !Array.isArray(x.value))];
      const o = c.rng.pick(objects);
      const obj = o.value as Record<string, unknown>;
      const keys = Object.keys(obj);
      const key = keys.length && c.rng.chance(0.8) ? c.rng.pick(keys) : c.rng.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "prototype"]);
      const dup = JSON.stringify(c.rng.pick(OTHER_VALUES.concat([{ polluted: true }])));
      const inner = JSON.stringify(obj).slice(1, -1);
      const first = c.rng.chance(0.5);
      const raw = first ? `{${JSON.stringify(key)}:${dup}${inner ? "," + inner : ""}}` : `{${inner}${inner ? "," : ""}${JSON.stringify(key)}:${dup}}`;
      const body = o.path === "(root)" ? raw : splice(c.body, o, raw);
      return { note: `${o.path}.${key} twice (${first ? "bad first" : "bad last"}: ${dup})`, body };
    },
  },
  {
    name: "proto-keys",
    applies: post,
    make(c) {
      // Names every object inherits: as keys (a schema's "toString"), and as values ("type": "constructor").
      const name = c.rng.pick(PROTO_NAMES);
      if (c.rng.chance(0.4)) {
        const p = somePlace(c, (x) => typeof x.value === "string");
        if (p) return set(p, name), { note: `${p.path} = "${name}"`, body: json(c) };
      }
      const objects = places(c.body).filter((x) => x.value && typeof x.value === "object" && !Array.isArray(x.value));
      const o = objects.length && c.rng.chance(0.9) ? (c.rng.pick(objects).value as Record<string, unknown>) : c.body!;
      const value = c.rng.pick(OTHER_VALUES.concat([{ polluted: true }, "x"]));
      // JSON.parse makes "__proto__" an own key; an object literal here would set the prototype instead.
      Object.defineProperty(o, name, { value: clone(value), enumerable: true, writable: true, configurable: true });
      return { note: `"${name}": ${JSON.stringify(value)} in an object`, body: json(c) };
    },
  },
  {
    name: "orphan-tool-result",
    applies: chatty,
    make(c) {
      TOOLS[c.route.client](c.body, c.rng);
      return { note: "a tool result or call without its pair", body: json(c) };
    },
  },
  {
    name: "bad-image",
    applies: (r) => chatty(r) || r.name === "POST /api/generate",
    make(c) {
      const big = c.rng.chance(0.2) ? hugeString(c.rng, Math.floor(c.limit / 3)) : "AAAA";
      IMAGES[c.route.client](c.body, c.rng, big);
      return { note: big.length > 4 ? "a huge image" : "a broken image", body: json(c) };
    },
  },
  {
    name: "body-limit",
    applies: post,
    make(c) {
      const over = c.rng.chance(0.5);
      const size = c.limit + (over ? c.rng.pick([1, 1024]) : 0);
      const text = json(c);
      const inString = c.rng.chance(0.5) && c.body && "messages" in c.body;
      let body: string;
      if (inString) {
        const pad = size - text.length - `,"pad":""`.length;
        body = `${text.slice(0, -1)},"pad":"${"x".repeat(Math.max(0, pad))}"}`;
      } else body = text + " ".repeat(Math.max(0, size - text.length));
      const chunked = c.rng.chance(0.4);
      return { note: `${body.length} bytes (${over ? "over" : "at"} the limit${inString ? ", in a string" : ", whitespace"}${chunked ? ", chunked" : ""})`, body, chunked, ...(over ? { expect: 413 } : {}) };
    },
  },
  {
    name: "schema-bomb",
    applies: (r) => chatty(r) || r.name === "POST /api/generate",
    make(c) {
      const bomb = schemaBomb(c.rng);
      placeSchema(c.route.client, c.route, c.body, bomb.raw ? SLOT : bomb.schema, c.rng);
      const body = bomb.raw ? json(c).replace(JSON.stringify(SLOT), bomb.raw) : json(c);
      return { note: bomb.note, body };
    },
  },
  {
    name: "auth",
    applies: () => true,
    make(c) {
      const how = c.rng.int(0, 5);
      const key = [undefined, "wrong-key", c.rng.pick(c.providerKeys), `${c.accessKey}x`, c.accessKey.slice(0, -1), "k".repeat(8192)][how];
      const headers: Record<string, string | undefined> = { authorization: undefined, "x-api-key": undefined, "x-goog-api-key": undefined };
      if (key !== undefined) headers[c.route.client === "claude" ? "x-api-key" : c.route.client === "gemini" ? "x-goog-api-key" : "authorization"] = c.route.client === "claude" || c.route.client === "gemini" ? key : `Bearer ${key}`;
      return { note: ["no key", "a wrong key", "a provider key", "the key with a suffix", "a prefix of the key", "an 8 KB key"][how]!, headers, expect: 401 };
    },
  },
  {
    name: "wrong-method",
    applies: () => true,
    make(c) {
      const method = c.route.method === "GET" ? c.rng.pick(["POST", "PUT", "DELETE", "PATCH"]) : c.rng.pick(["GET", "PUT", "DELETE", "PATCH"]);
      const body = method === "GET" ? undefined : c.body ? json(c) : "{}";
      return { note: method, method, body, expect: 405 };
    },
  },
  {
    name: "odd-path",
    applies: () => true,
    make(c) {
      const gemini = c.route.client === "gemini" && c.route.name !== "GET /v1beta/models";
      if (gemini && c.rng.chance(0.7)) {
        const model = c.rng.pick(["%zz", "%00", "m".repeat(300), "..%2F..%2Fadmin%2Fstatus", "models%2Ffz-openai", "%E2%80%AE", "fz-openai%0d%0aX-Injected:%201", "%F0%9F%A6%80", "a:b", "%25"]);
        return { note: `model "${model.slice(0, 40)}"`, path: (p) => p.replace(/models\/[^:?]+/, `models/${model}`) };
      }
      const query = c.rng.pick(["?alt=xml", "?key=wrong", "?key=&key=", "?%zz=1", `?q=${"x".repeat(10_000)}`, "?alt=sse&alt=json", "?__proto__=1"]);
      return { note: `query ${query.slice(0, 40)}`, query };
    },
  },
];

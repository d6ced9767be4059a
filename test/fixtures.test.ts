// The mappings as data: recorded wire traffic of each protocol (test/fixtures/<protocol>/) replayed
// through its decode mapping, the unified result held to the TypeBox schemas of src/unified/, then
// encoded by every protocol's mapping and snapshotted. Streams go chunk by chunk through the real
// stream path (frames → decode → normalizer → encode), each unified event checked on the way.
//
// Fixture names: request.<case>.json, response.<case>.json, stream.<case>.sse|ndjson.
// A changed snapshot is a changed conversion: read the diff, then `bun test --update-snapshots`.
import { afterEach, beforeEach, describe, expect, setSystemTime, spyOn, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { Request, Response, StreamEvent } from "../src/unified/index.ts";
import type { ProtocolName } from "../src/mapping/load.ts";
import type { MappingContext } from "../src/mapping/functions.ts";
import { loadProtocolMappings, protocolNames } from "../src/protocols/index.ts";
import { encodeRequest } from "../src/convert/encode.ts";
import { convertStream } from "../src/convert/stream.ts";
import { settleStopReason } from "../src/convert/synthesize.ts";

/** Every registered protocol has its fixtures here */
const PROTOCOLS = protocolNames();
const loaded = loadProtocolMappings(undefined, true);
const mappings = loaded.mappings!;
const FIXTURES = join(import.meta.dir, "fixtures");

/** Gemini names the model and streaming in the URL, not the body. */
const ROUTE: Partial<Record<ProtocolName, { model: string; stream: boolean }>> = { gemini: { model: "gemini-2.5-flash", stream: false } };
/** What the router put in place of the client's model, as the upstream is asked for it. */
const UPSTREAM_MODEL = "upstream-model";
/** The name the client asked for, which every answer carries back. */
const CLIENT_MODEL = "client-model";
/** Streams are cut into pieces this long, so frames, lines and UTF-8 characters split across reads. */
const CHUNK_BYTES = 37;

/** Value.Errors as lines; [] when the value fits the schema. */
function schemaErrors(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(schema, value)].map((e) => `${e.path || "/"}: ${e.message} (got ${JSON.stringify(e.value)?.slice(0, 80)})`);
}

function fixtures(protocol: ProtocolName, kind: "request" | "response" | "stream") {
  return readdirSync(join(FIXTURES, protocol))
    .filter((f) => f.startsWith(`${kind}.`))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(FIXTURES, protocol, f), "utf8") }));
}

// Ids, clocks and durations the encoders make up are fixed, so the snapshots hold still; the ids
// restart with each replay, so every client protocol sees the same ones.
let n = 0;
beforeEach(() => {
  n = 0;
  spyOn(crypto, "getRandomValues").mockImplementation(((a: Uint8Array) => a.fill(n++ % 36)) as typeof crypto.getRandomValues);
  spyOn(Bun, "nanoseconds").mockReturnValue(1_000_000_000);
  setSystemTime(new Date("2025-07-07T20:22:19.000Z"));
});
afterEach(() => {
  setSystemTime();
  (crypto.getRandomValues as unknown as { mockRestore(): void }).mockRestore();
  (Bun.nanoseconds as unknown as { mockRestore(): void }).mockRestore();
});

test("the built-in mappings load", () => {
  expect(loaded.errors).toEqual([]);
});

test("the schema check names what a decode mapping gets wrong", () => {
  const dir = mkdtempSync(join(tmpdir(), "ccproxy-fixtures-"));
  try {
    mkdirSync(join(dir, "openai"));
    writeFileSync(join(dir, "openai", "parts.defs.yaml"), "override: keys\ndecodeFinish.table: { stop: finished }\n");
    const broken = loadProtocolMappings(dir).mappings!;
    const body = JSON.parse(readFileSync(join(FIXTURES, "openai", "response.text.json"), "utf8"));
    const errors = schemaErrors(Response, broken.openai.spec["response.decode"].run(body, { model: UPSTREAM_MODEL }));
    expect(errors[0]).toBe('/stopReason: Expected union value (got "finished")');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every protocol has a request, plain responses and streams recorded", () => {
  for (const p of PROTOCOLS) {
    const names = readdirSync(join(FIXTURES, p));
    expect({ p, request: names.some((f) => f.startsWith("request.")) }).toEqual({ p, request: true });
    for (const c of ["text", "tool-calls", "thinking", "max-tokens"])
      expect({ p, c, response: names.includes(`response.${c}.json`), stream: names.some((f) => f.startsWith(`stream.${c}.`)) }).toEqual({ p, c, response: true, stream: true });
  }
});

for (const p of PROTOCOLS) {
  describe(p, () => {
    for (const f of fixtures(p, "request"))
      test(f.name, () => {
        const body = JSON.parse(f.text);
        expect(mappings[p].require(body)).toBeUndefined();
        const ctx: MappingContext = { model: body.model ?? ROUTE[p]?.model, route: ROUTE[p] };
        const unified = mappings[p].spec["request.decode"].run(body, ctx) as Request;
        expect(schemaErrors(Request, unified)).toEqual([]);
        const encoded: Record<string, unknown> = {};
        for (const q of PROTOCOLS) {
          const out = encodeRequest(mappings[q].spec["request.encode"], { ...unified, model: UPSTREAM_MODEL }, { ...ctx, request: unified }, { protocol: p, body });
          encoded[q] = "body" in out ? out.body : { refused: out.error };
        }
        expect({ unified, encoded }).toMatchSnapshot();
      });

    for (const f of fixtures(p, "response"))
      test(f.name, () => {
        const body = JSON.parse(f.text);
        expect(mappings[p].requireOf["response.decode"]?.(body)).toBeUndefined();
        const unified = mappings[p].spec["response.decode"].run(body, { model: UPSTREAM_MODEL }) as Response;
        expect(schemaErrors(Response, unified)).toEqual([]);
        const settled = settleStopReason(structuredClone(unified));
        const encoded: Record<string, unknown> = {};
        for (const q of PROTOCOLS) encoded[q] = mappings[q].spec["response.encode"].run(settled, { model: CLIENT_MODEL });
        expect({ unified, encoded }).toMatchSnapshot();
      });

    for (const f of fixtures(p, "stream"))
      test(f.name, async () => {
        const runs: { events: StreamEvent[]; text: string }[] = [];
        for (const q of PROTOCOLS) runs.push(await replay(p, q, f.text));
        for (const [i, r] of runs.entries()) {
          const errors = r.events.flatMap((e, k) => schemaErrors(StreamEvent, e).map((s) => `event ${k} (${e.type}) ${s}`));
          expect({ client: PROTOCOLS[i], errors, last: r.events.at(-1)?.type }).toEqual({ client: PROTOCOLS[i], errors: [], last: "stop" });
        }
        const events = runs[0]!.events;
        expect({ events, encoded: Object.fromEntries(PROTOCOLS.map((q, i) => [q, runs[i]!.text])) }).toMatchSnapshot();
      });
  });
}

/** One upstream transcript of protocol `p` as a client of protocol `q` receives it, and the unified events between. */
async function replay(p: ProtocolName, q: ProtocolName, text: string): Promise<{ events: StreamEvent[]; text: string }> {
  n = 0;
  const bytes = new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) chunks.push(bytes.slice(i, i + CHUNK_BYTES));
  const upstream = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
  const events: StreamEvent[] = [];
  const ctx: MappingContext = { model: CLIENT_MODEL, request: { model: CLIENT_MODEL, messages: [], stream: true }, inputEstimate: 100 };
  const body = convertStream(upstream.getReader() as ReadableStreamDefaultReader<Uint8Array>, {
    decode: mappings[p].stream["stream.decode"],
    encode: mappings[q].stream["stream.encode"],
    ctx,
    idleTimeoutMs: 60_000,
    observe: (e) => void events.push(structuredClone(e)),
  });
  return { events, text: await new globalThis.Response(body).text() };
}

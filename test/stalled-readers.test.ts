// Streaming clients that read the response head and then nothing more (issue 15, item 3). Each
// holds its upstream fetch open under backpressure. Bun allows 256 fetches in flight by default and
// queues the rest, whatever their origin. With 300 such clients, every other request waited in that
// queue until its first-byte timeout: a 504 that also cooled a healthy pair. This runs the real
// command line with Bun's default in place, because `serve` is what lifts the limit.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startUpstream, type Upstream } from "./support/upstream.ts";
import { claudeMessage } from "./support/wire.ts";

const STALLED = 300;
const KEY = "stalled-readers-key";
const dir = mkdtempSync(join(tmpdir(), "ccproxy-stalled-"));
const enc = new TextEncoder();
const chunkOf = (text: string) =>
  enc.encode(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`);
const paced = chunkOf("token ");
const flood = chunkOf("x".repeat(1000));

/**
 * An OpenAI upstream whose every stream goes on for as long as it is read: model `m` a chunk each
 * 100 ms, as a model generates; model `flood` as fast as the proxy takes them.
 */
let streaming: ReturnType<typeof Bun.serve>;
let open = 0;
let mostOpen = 0;
/** Bytes the upstream has handed to the proxy, per model */
const sent: Record<string, number> = { m: 0, flood: 0 };
let other: Upstream;
let proc: ReturnType<typeof Bun.spawn>;
let url = "";
const sockets: Socket[] = [];

beforeAll(async () => {
  streaming = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const model = ((await req.json()) as { model: string }).model;
      const chunk = model === "flood" ? flood : paced;
      mostOpen = Math.max(mostOpen, ++open);
      let first = true;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (!first && model !== "flood") await Bun.sleep(100);
          first = false;
          sent[model]! += chunk.length;
          c.enqueue(chunk);
        },
        cancel: () => void open--,
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  });
  other = await startUpstream("claude");
  const file = join(dir, "ccproxy.yaml");
  writeFileSync(
    file,
    [
      "listen: 127.0.0.1:0",
      `accessKeys: [${KEY}]`,
      "logging: { enabled: false }",
      // Short, so that a request stuck in Bun's queue answers 504 within the test instead of hanging it
      "limits: { firstByteTimeoutMs: 3000 }",
      "providers:",
      `  streams: { protocol: openai, baseUrl: "http://127.0.0.1:${streaming.port}/v1", keys: [sk-streams] }`,
      `  other: { protocol: claude, baseUrl: "${other.url}", keys: [sk-other] }`,
      "models:",
      "  endless: { targets: [streams/m] }",
      "  flood: { targets: [streams/flood] }",
      "  fresh: { targets: [other/m] }",
    ].join("\n"),
  );
  // Bun's default fetch limit, whatever the environment running the tests says.
  const { BUN_CONFIG_MAX_HTTP_REQUESTS: _, ...env } = process.env;
  proc = Bun.spawn(["bun", join(import.meta.dir, "../src/main.ts"), "serve", "--config", file], { stdout: "pipe", stderr: "inherit", env: { ...env, HOME: dir } });
  let out = "";
  for await (const c of proc.stdout as ReadableStream<Uint8Array>) {
    out += new TextDecoder().decode(c);
    if (/listening on (\S+)/.test(out)) break;
  }
  url = /listening on (\S+)/.exec(out)?.[1] ?? "";
  if (!url) throw new Error(`ccproxy did not start: ${out}`);
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  proc?.kill();
  await proc?.exited;
  streaming?.stop(true);
  await other?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A client that sends a streamed request, reads the response head, then stops reading. */
function stalledStream(port: number, model = "endless"): Promise<number> {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "go on" }] });
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () =>
      s.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      ),
    );
    sockets.push(s);
    let head = "";
    const onData = (d: Buffer) => {
      head += d.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      s.pause();
      s.off("data", onData);
      resolve(Number(head.slice(9, 12)));
    };
    s.on("data", onData);
    s.once("error", reject);
  });
}

test(`${STALLED} streams whose clients stopped reading leave a request to another upstream answered, and no pair cooling`, async () => {
  const port = Number(new URL(url).port);
  const statuses = await Promise.all(Array.from({ length: STALLED }, () => stalledStream(port)));
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  expect(mostOpen).toBe(STALLED); // every stream has its own upstream fetch in flight

  other.script({ json: claudeMessage({ content: "answered beside the stalled streams" }) });
  const res = await fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": KEY, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "fresh", max_tokens: 20, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { content: { text: string }[] }).content[0]!.text).toBe("answered beside the stalled streams");

  const status = (await (await fetch(`${url}/admin/status`, { headers: { "x-api-key": KEY } })).json()) as { pairs: { state: string }[] };
  expect(status.pairs.filter((p) => p.state === "cooling")).toEqual([]);

  for (const s of sockets.splice(0)) s.destroy();
}, 20_000);

test("a client that stops reading stops its upstream being read: a bounded buffer, and the stream goes on when it reads again", async () => {
  await stalledStream(Number(new URL(url).port), "flood");
  const client = sockets.at(-1)!;
  // Settled: the upstream is handed nothing more for a while (kernel socket buffers and Bun's are full).
  const deadline = Date.now() + 10_000;
  let still = 0;
  let last = -1;
  while (still < 3 && Date.now() < deadline) {
    await Bun.sleep(200);
    still = sent.flood === last ? still + 1 : 0;
    last = sent.flood!;
  }
  expect(still).toBe(3);
  // Socket buffers on both sides (about 11 MB here; more where the kernel allows larger ones), not the endless stream
  expect(sent.flood).toBeLessThan(64 * 2 ** 20);

  // Backpressure, not a dead stream: reading again makes the upstream send again.
  let read = 0;
  client.on("data", (d: Buffer) => void (read += d.length));
  client.resume();
  while (sent.flood === last && Date.now() < deadline + 5_000) await Bun.sleep(50);
  expect(sent.flood).toBeGreaterThan(last);
  expect(read).toBeGreaterThan(0);
}, 20_000);

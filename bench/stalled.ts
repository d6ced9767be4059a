// Streaming clients that read the response head and then nothing (issue 15, item 3), against a real
// ccproxy process: what a fresh request to another upstream gets beside them, the proxy's RSS, how
// much each stalled stream's upstream sent, and whether any pair was cooled.
//
//   bun bench/stalled.ts [--streams 300] [--pace 20] [--seconds 10] [--bin dist/ccproxy]
//
// --pace is the upstream's pause between chunks in ms (0: as fast as the proxy takes them). Without
// --bin it runs `bun src/main.ts`. BUN_CONFIG_MAX_HTTP_REQUESTS is passed on when set, else removed:
// `BUN_CONFIG_MAX_HTTP_REQUESTS=256 bun bench/stalled.ts` shows Bun's default at work.
import { connect, type Socket } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const flag = (name: string, def: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : def);
const N = Number(flag("--streams", "300"));
const PACE = Number(flag("--pace", "20"));
const SECONDS = Number(flag("--seconds", "10"));
const BIN = flag("--bin", "");
const KEY = "bench-key";
/** The first-byte timeout: the default's 120 s would make a queued request's 504 a two-minute wait */
const FIRST_BYTE_MS = 10_000;

const chunk = new TextEncoder().encode(
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "x".repeat(200) }, finish_reason: null }] })}\n\n`,
);
let sent = 0;
let open = 0;
const streaming = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 0,
  async fetch(req) {
    await req.text();
    open++;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (PACE) await Bun.sleep(PACE);
        sent += chunk.length;
        c.enqueue(chunk);
      },
      cancel: () => void open--,
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  },
});
const other = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    await req.text();
    const usage = { input_tokens: 1, output_tokens: 1 };
    return Response.json({ id: "msg_1", type: "message", role: "assistant", model: "m", content: [{ type: "text", text: "fresh" }], stop_reason: "end_turn", stop_sequence: null, usage });
  },
});

const dir = mkdtempSync(join(tmpdir(), "ccproxy-stalled-"));
writeFileSync(
  join(dir, "ccproxy.yaml"),
  `listen: 127.0.0.1:0\naccessKeys: [${KEY}]\nlogging: { enabled: false }\nlimits: { firstByteTimeoutMs: ${FIRST_BYTE_MS} }\nproviders:\n` +
    `  streams: { protocol: openai, baseUrl: "http://127.0.0.1:${streaming.port}/v1", keys: [sk-a] }\n` +
    `  other: { protocol: claude, baseUrl: "http://127.0.0.1:${other.port}", keys: [sk-b] }\n` +
    `models:\n  endless: { targets: [streams/m] }\n  fresh: { targets: [other/m] }\n`,
);
const env: Record<string, string | undefined> = { ...process.env, HOME: dir };
const cmd = BIN ? [BIN] : ["bun", join(import.meta.dir, "../src/main.ts")];
const proc = Bun.spawn([...cmd, "serve", "--config", join(dir, "ccproxy.yaml")], { stdout: "pipe", stderr: "inherit", env });
let out = "";
for await (const c of proc.stdout) if (/listening on \S+:(\d+)/.test((out += new TextDecoder().decode(c)))) break;
const port = Number(/listening on \S+:(\d+)/.exec(out)?.[1]);
if (!port) throw new Error(`ccproxy did not start: ${out}`);

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))![1]) / 1024;
const request = (model: string, stream: boolean) => {
  const body = JSON.stringify({ model, stream, max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
  return `POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: ${KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};

/** Sends a streamed request, reads the head, then stops reading; resolves with the status. */
function stalled(sockets: Socket[]): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.write(request("endless", true)));
    sockets.push(s);
    let head = "";
    const onData = (d: Buffer) => {
      if (!(head += d.toString("latin1")).includes("\r\n\r\n")) return;
      s.pause();
      s.off("data", onData);
      resolve(Number(head.slice(9, 12)));
    };
    s.on("data", onData).once("error", () => resolve(0));
  });
}

/** A plain request to the other upstream over its own connection: its status and latency. */
function fresh(): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.write(request("fresh", false)));
    let text = "";
    s.on("data", (d) => {
      text += d.toString();
      const head = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text);
      if (head < 0 || !length || text.length - head - 4 < Number(length[1])) return;
      s.destroy();
      resolve({ status: Number(text.slice(9, 12)), ms: performance.now() - t0 });
    });
    s.once("error", () => resolve({ status: 0, ms: performance.now() - t0 }));
  });
}

const show = (f: { status: number; ms: number }) => `${f.status} in ${f.ms.toFixed(0)} ms`;
console.log(`ccproxy (${BIN || "bun src/main.ts"}), BUN_CONFIG_MAX_HTTP_REQUESTS=${env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? "(unset)"}; upstream pace ${PACE} ms; first-byte timeout ${FIRST_BYTE_MS} ms`);
await fresh(); // warm
console.log(`idle: rss ${rssMb().toFixed(0)} MB; a fresh request: ${show(await fresh())}`);
const sockets: Socket[] = [];
const t0 = performance.now();
const statuses = await Promise.all(Array.from({ length: N }, () => stalled(sockets)));
const ok = statuses.filter((s) => s === 200).length;
console.log(`${N} stalled streams: ${ok} answered 200, ${N - ok} not, in ${(performance.now() - t0).toFixed(0)} ms; ${open} upstream streams open`);
console.log(`beside them, a fresh request to the other upstream: ${show(await fresh())}`);
for (const wait of [0, SECONDS * 1000]) {
  await Bun.sleep(wait);
  console.log(`+${wait / 1000} s: rss ${rssMb().toFixed(0)} MB; upstreams sent ${(sent / 2 ** 20).toFixed(0)} MB, ${(sent / 1024 / Math.max(open, 1)).toFixed(0)} KB per open stream`);
}
type Pair = { provider: string; state: string; failures: number };
const status = (await (await fetch(`http://127.0.0.1:${port}/admin/status`, { headers: { "x-api-key": KEY } })).json()) as { pairs: Pair[] };
console.log(`pairs: ${status.pairs.map((p) => `${p.provider} ${p.state}, ${p.failures} failures`).join("; ")}`);
for (const s of sockets) s.destroy();
await Bun.sleep(1000);
console.log(`clients gone: ${open} upstream streams open, rss ${rssMb().toFixed(0)} MB`);
proc.kill();
await proc.exited;
streaming.stop(true);
other.stop(true);
rmSync(dir, { recursive: true, force: true });

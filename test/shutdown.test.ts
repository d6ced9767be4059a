// SIGTERM with streams open (issue 15: streams were cut with no error event and no log row). The real
// command line, a Claude upstream that streams slowly: the proxy stops taking connections, lets
// what can finish finish within the grace period, ends each stream still open with its protocol's
// error event, writes every row, and exits 0.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-shutdown-"));
const GRACE_MS = 1500;
let upstream: Server<undefined>;

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const opening =
  sse("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 0 } } }) +
  sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }) +
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } });
const closing =
  sse("content_block_stop", { type: "content_block_stop", index: 0 }) +
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }) +
  sse("message_stop", { type: "message_stop" });

beforeAll(() => {
  // "quick" finishes 500 ms after its first chunk, within the grace period; "slow" sends nothing more for a minute.
  upstream = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      if (req.method !== "POST") return new Response(null, { status: 404 }); // the proxy's start-up fetch of the model list
      const { model } = (await req.json()) as { model: string };
      const rest = model === "quick" ? 500 : 60_000;
      let sent = false;
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (!sent) return void ((sent = true), c.enqueue(new TextEncoder().encode(opening)));
            await Bun.sleep(rest);
            c.enqueue(new TextEncoder().encode(closing));
            c.close();
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    },
  });
});
afterAll(() => {
  upstream.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** A streamed request, read until its first bytes arrive; `rest` reads it to its end. */
async function open(url: string, path: string, body: object) {
  const res = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  const reader = res.body!.getReader();
  let text = new TextDecoder().decode((await reader.read()).value);
  const rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    return text;
  })();
  return { status: res.status, rest };
}

test("SIGTERM: the quick stream finishes, the slow ones end with their protocol's error event, every row is written, exit 0", async () => {
  const db = join(dir, "log.db");
  const file = join(dir, "ccproxy.yaml");
  writeFileSync(
    file,
    `listen: 127.0.0.1:0\nlogging: { path: ${db} }\nproviders:\n  cl: { protocol: claude, baseUrl: http://127.0.0.1:${upstream.port}, keys: [sk-up] }\nmodels:\n  "*": { targets: [cl/*] }\n`,
  );
  const proc = Bun.spawn(["bun", join(import.meta.dir, "../src/main.ts"), "serve", "--config", file], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, HOME: dir, CCPROXY_SHUTDOWN_GRACE_MS: String(GRACE_MS) },
  });
  let stdout = "";
  for await (const c of proc.stdout as ReadableStream<Uint8Array>) if (/listening on \S+/.test((stdout += new TextDecoder().decode(c)))) break;
  const url = /listening on (\S+)/.exec(stdout)![1]!;
  const ask = { max_tokens: 10, messages: [{ role: "user", content: "hi" }] };

  const quick = await open(url, "/v1/messages", { model: "quick", ...ask });
  const slowClaude = await open(url, "/v1/messages", { model: "slow", ...ask });
  const slowOpenai = await open(url, "/v1/chat/completions", { model: "slow", ...ask });
  expect([quick.status, slowClaude.status, slowOpenai.status]).toEqual([200, 200, 200]);

  proc.kill("SIGTERM");
  await Bun.sleep(200);
  expect(await fetch(`${url}/health`).then(() => "served", () => "refused")).toBe("refused");

  expect(await quick.rest).toEndWith('event: message_stop\ndata: {"type":"message_stop"}\n\n');
  const claudeText = await slowClaude.rest;
  expect(claudeText).toContain("Hel");
  expect(claudeText).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"the proxy is shutting down[^"]*"\}\}\n\n$/);
  const openaiText = await slowOpenai.rest;
  expect(openaiText).toMatch(/data: \{"error":\{"message":"the proxy is shutting down[^"]*".*\}\}\n\n$/);

  expect(await proc.exited).toBe(0);
  const stderr = await new Response(proc.stderr as ReadableStream<Uint8Array>).text();
  expect(stderr).toContain("SIGTERM: finishing 3 request(s) in flight");
  expect(stderr).toContain("ended 2 stream(s) still open after the grace period");

  const rows = new Database(db, { readonly: true }).query("SELECT model, route, status, error FROM requests ORDER BY model, route").all();
  expect(rows).toEqual([
    { model: "quick", route: "/v1/messages", status: 200, error: null },
    { model: "slow", route: "/v1/chat/completions", status: 200, error: expect.stringContaining("the proxy is shutting down") },
    { model: "slow", route: "/v1/messages", status: 200, error: expect.stringContaining("the proxy is shutting down") },
  ]);
});

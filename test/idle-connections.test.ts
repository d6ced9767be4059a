// Idle keep-alive connections are closed (issue 15: `idleTimeout: 0` held them forever), but a
// request waiting on a silent upstream is not: neither a stream whose upstream says nothing for a
// while nor a whole answer that takes long to come. Here the keep-alive limit is 1 s and the
// upstream is silent for 5 s; Bun checks idle sockets every few seconds.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import type { Server } from "bun";
import { startProxy, type Proxy } from "./support/proxy.ts";
import { Connections } from "../src/server/connections.ts";

const SILENCE_MS = 5000;
let upstream: Server<undefined>;
let proxy: Proxy;

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const message = { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 0 } };
const opening =
  sse("message_start", { type: "message_start", message }) +
  sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }) +
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } });
const closing =
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } }) +
  sse("content_block_stop", { type: "content_block_stop", index: 0 }) +
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }) +
  sse("message_stop", { type: "message_stop" });

beforeAll(async () => {
  upstream = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const body = (await req.json()) as { stream?: boolean };
      if (!body.stream) {
        await Bun.sleep(SILENCE_MS);
        return Response.json({ ...message, content: [{ type: "text", text: "Hello" }], stop_reason: "end_turn", usage: { input_tokens: 3, output_tokens: 2 } });
      }
      let sent = false;
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (!sent) return void ((sent = true), c.enqueue(new TextEncoder().encode(opening)));
            await Bun.sleep(SILENCE_MS);
            c.enqueue(new TextEncoder().encode(closing));
            c.close();
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    },
  });
  proxy = await startProxy(
    { providers: { cl: { protocol: "claude", baseUrl: `http://127.0.0.1:${upstream.port}`, keys: ["sk-up"] } }, models: { "*": { targets: ["cl/*"] } } },
    { connections: new Connections(1) },
  );
});
afterAll(async () => {
  await proxy.close();
  upstream.stop(true);
});

/** A raw HTTP/1.1 connection: what it received, and whether (and when) the server closed it. */
function rawConnection(): { socket: Socket; text: () => string; closed: Promise<void> } {
  const socket = connect(proxy.port, "127.0.0.1");
  let text = "";
  socket.on("data", (d) => (text += d.toString()));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  return { socket, text: () => text, closed };
}

const post = (path: string, body: object) => {
  const json = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
};
const ask = { model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };

test("an idle keep-alive connection is closed by the server", async () => {
  const c = rawConnection();
  c.socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await c.closed; // before: never (the test's own timeout)
  expect(c.text()).toContain('"status":"ok"');
}, 15_000);

test("a stream and a whole answer, each silent for longer than the idle limit, are not cut; their connections close once idle", async () => {
  const stream = rawConnection();
  stream.socket.write(post("/v1/messages", { ...ask, stream: true }));
  const whole = rawConnection();
  whole.socket.write(post("/v1/messages", ask));
  await Promise.all([stream.closed, whole.closed]);
  expect(stream.text()).toContain("Hel");
  expect(stream.text()).toContain('"text":"lo"');
  expect(stream.text()).toContain("event: message_stop");
  expect(whole.text()).toStartWith("HTTP/1.1 200");
  expect(whole.text()).toContain('"text":"Hello"');
}, 20_000);

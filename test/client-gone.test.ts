// A client that goes away while the upstream has not answered yet: the proxy aborts its upstream
// call (a generation nobody reads still costs tokens), on every upstream protocol, whether the
// client left at once or after the proxy began watching it, plain or streamed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type Proxy } from "./support/proxy.ts";
import type { Upstream } from "./support/upstream.ts";
import { upstreams } from "./conformance/upstreams/index.ts";

const KEY = "client-gone-access-key";
const servers = new Map<string, Upstream>();
let proxy: Proxy;

beforeAll(async () => {
  const providers: Record<string, unknown> = {};
  const models: Record<string, unknown> = {};
  for (const d of upstreams) {
    const up = await d.start();
    servers.set(d.protocol, up);
    providers[d.protocol] = { protocol: d.protocol, baseUrl: up.url, keys: [`sk-${d.protocol}-secret`] };
    models[`${d.protocol}-model`] = { targets: [`${d.protocol}/m`] };
  }
  proxy = await startProxy({ accessKeys: [KEY], providers, models });
});

afterAll(async () => {
  await proxy.close();
  await Promise.all([...servers.values()].map((s) => s.close()));
});

describe.each(upstreams)("$protocol upstream", (d) => {
  for (const [when, leaveAfterMs] of [["at once", 2], ["after a while", 150]] as const) {
    for (const stream of [false, true]) {
      test(`a client gone ${when}, before the first byte, aborts the upstream call (${stream ? "stream" : "plain"})`, async () => {
        const up = servers.get(d.protocol)!;
        let heard!: () => void;
        const arrived = new Promise<void>((r) => (heard = r));
        // The upstream takes its time: no headers for 3 s (the first-byte timeout is far longer).
        up.script(async () => {
          heard();
          await Bun.sleep(3000);
          return d.reply({ text: ["late"], stop: "end", usage: { input: 1, output: 1 } }, stream);
        });
        const before = up.received.length;
        const abort = new AbortController();
        const pending = fetch(`${proxy.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ model: `${d.protocol}-model`, stream, messages: [{ role: "user", content: "hi" }] }),
          signal: abort.signal,
        }).catch((e) => e);
        await arrived;
        await Bun.sleep(leaveAfterMs);
        abort.abort();
        await pending;
        const rec = up.received[before]!;
        const end = Date.now() + 2000;
        while (!rec.aborted && Date.now() < end) await Bun.sleep(10);
        expect(rec.aborted).toBe(true);
      });
    }
  }
});

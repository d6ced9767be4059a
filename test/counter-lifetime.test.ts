// The tokenizer (~60-75 MB once loaded) is in memory only while counts are being made here: the
// first count loads it (in the count worker), no chat request does, and a counter left unused for
// its idle time is stopped, to be loaded again by the next count.
import { expect, test } from "bun:test";
import { join } from "node:path";

// In a process of its own: the counter is one per process, and other test files count.
const SCRIPT = `
import { startProxy } from ${JSON.stringify(join(import.meta.dir, "support/proxy.ts"))};
import { startUpstream } from ${JSON.stringify(join(import.meta.dir, "support/upstream.ts"))};
import { openaiCompletion, claudeMessage } from ${JSON.stringify(join(import.meta.dir, "support/wire.ts"))};
import { counterRunning, setCounterIdleMs } from ${JSON.stringify(join(import.meta.dir, "../src/convert/counter.ts"))};
setCounterIdleMs(300);
const oa = await startUpstream("openai");
const proxy = await startProxy({ providers: { oa: { protocol: "openai", baseUrl: oa.url, keys: ["sk"] } }, models: { "*": { targets: ["oa/gpt"] } } });
oa.script({ json: openaiCompletion({ content: "one" }) }, { json: openaiCompletion({ content: "two" }) });
const post = (path, headers, body) => fetch(proxy.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const claude = { "anthropic-version": "2023-06-01" };
const ask = { model: "m", max_tokens: 5, messages: [{ role: "user", content: "How many tokens is this sentence, exactly?" }] };
const seen = {};
await post("/v1/chat/completions", {}, ask);
await post("/v1/messages", claude, ask);
seen.afterChats = counterRunning();
seen.first = (await (await post("/v1/messages/count_tokens", claude, ask)).json()).input_tokens;
seen.afterCount = counterRunning();
await Bun.sleep(100);
seen.second = (await (await post("/v1/messages/count_tokens", claude, ask)).json()).input_tokens;
seen.soonAfter = counterRunning();
await Bun.sleep(800);
seen.afterIdle = counterRunning();
seen.again = (await (await post("/v1/messages/count_tokens", claude, ask)).json()).input_tokens;
seen.reloaded = counterRunning();
await proxy.close();
await oa.close();
console.log(JSON.stringify(seen));
`;

test("chats never load the tokenizer; the first count does, and an idle counter is stopped and loaded again", async () => {
  const child = Bun.spawn(["bun", "-e", SCRIPT], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  expect(await child.exited, err).toBe(0);
  const got = JSON.parse(out.trim().split("\n").at(-1)!);
  expect(got).toMatchObject({ afterChats: false, afterCount: true, soonAfter: true, afterIdle: false, reloaded: true });
  expect(got.first).toBeGreaterThan(5);
  expect(got.second).toBe(got.first);
  expect(got.again).toBe(got.first);
}, 30_000);

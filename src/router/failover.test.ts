import { expect, test } from "bun:test";
import { inTurn, type StreamEnd } from "./failover.ts";
import type { Pair } from "./index.ts";

/** Made in a function of its own, so that no variable of the test's holds the request. */
async function streamOpened(router: { succeed(p: Pair): void; fail(): void }, pair: Pair) {
  const request = { conversation: "x".repeat(1 << 20) };
  let end: ((e: StreamEnd) => void) | undefined;
  const out = await inTurn(router, [pair], async (_p, defer) => {
    end = defer();
    return request.conversation.length; // the attempt's closure names the request, as a chat's does
  });
  return { out, end: end!, request: new WeakRef(request) };
}

test("an answer that outlives its attempt (a stream) holds the router and the pair at most, not what the attempt held", async () => {
  const succeeded: Pair[] = [];
  const router = { succeed: (p: Pair) => void succeeded.push(p), fail() {} };
  const pair = { id: "p" } as Pair;
  const { out, end, request } = await streamOpened(router, pair);
  expect(out).toBe(1 << 20);
  await Bun.sleep(0); // a WeakRef's target lives to the end of the job that made it
  Bun.gc(true);
  expect(request.deref()).toBeUndefined(); // while `end`, the stream's, is still held
  end("complete");
  expect(succeeded).toEqual([pair]);
});

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { lowerThreadPriority } from "./priority.ts";

// In a worker, so the test runner's own thread keeps its priority.
test.if(process.platform === "linux")("lowers the calling thread's priority, and that thread's alone", async () => {
  const worker = new Worker(
    URL.createObjectURL(
      new Blob([
        `import { lowerThreadPriority } from ${JSON.stringify(import.meta.dir + "/priority.ts")};
         const { dlopen, FFIType } = require("bun:ffi");
         const tid = dlopen("libc.so.6", { gettid: { args: [], returns: FFIType.i32 } }).symbols.gettid();
         postMessage({ ok: lowerThreadPriority(7), tid });
         setInterval(() => {}, 1000); // alive until terminated: its /proc entry is read after the message`,
      ]),
    ),
  );
  const { ok, tid } = await new Promise<{ ok: boolean; tid: number }>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
  const niceOf = (t: number | string) => Number(readFileSync(`/proc/${process.pid}/task/${t}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
  expect(ok).toBe(true);
  expect(niceOf(tid)).toBe(7);
  expect(niceOf(process.pid)).toBe(0);
  worker.terminate();
});

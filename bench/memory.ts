// Memory over a process's life: requests of every direction it serves, plain and streamed, sent
// from the bench until a count is reached (RSS read after 1,000 and after 10,000 tell slow growth
// from a working set), and PLAN.hold streams held open at once through it, then released.
import { join } from "node:path";
import { STREAM_SHAPE } from "./payloads.ts";
import { rssMb } from "./procs.ts";
import type { Call } from "./targets.ts";

/** Sends `n` requests, `concurrency` at a time, cycling through `calls`; each reply read whole and
 *  checked (a plain one for its markers, a stream for its protocol's end and its upstream). Returns
 *  how many failed. */
export async function mixedLoad(calls: Call[], n: number, concurrency: number, offset = 0): Promise<number> {
  let next = 0;
  let bad = 0;
  const one = async (c: Call) => {
    const res = await fetch(c.url, { method: "POST", headers: c.headers, body: c.body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const ok = c.stream && c.protocol !== "embeddings"
      ? text.includes(STREAM_SHAPE[c.protocol].end) && text.includes(`EMU-${c.upstream}`)
      : c.markers.every((m) => text.includes(m));
    if (res.status !== 200 || !ok) bad++;
  };
  const worker = async () => {
    for (let i = next++; i < n; i = next++) await one(calls[(i + offset) % calls.length]!).catch(() => bad++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return bad;
}

/** Holds `hold` streams open through one proxy: RSS while held, then after all have ended. */
export async function holdStreams(callJson: string, hold: number, pid: number, emu: string) {
  const child = Bun.spawn(["bun", join(import.meta.dir, "hold.ts"), callJson, String(hold), "30000"], {
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(hold + 100) },
  });
  const lines = (async function* () {
    const reader = child.stdout.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      buf += dec.decode(r.value, { stream: true });
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        yield buf.slice(0, i);
        buf = buf.slice(i + 1);
      }
    }
  })();
  const heldLine = (await lines.next()).value ?? "held 0";
  const heldRss = rssMb(pid);
  await fetch(`${emu}/_release`, { method: "POST" });
  const doneLine = (await lines.next()).value ?? "done 0 0";
  await child.exited;
  await Bun.sleep(1500);
  const [, completed, chunks] = doneLine.split(" ").map(Number);
  return { held: heldRss, heldStreams: Number(heldLine.split(" ")[1]), completed: completed!, chunks: chunks!, after: rssMb(pid) };
}

// One streamed call, timed per chunk: time to the first text delta, each delta's transit time
// (client arrival − emulator send stamp) and the gaps between deltas as the client sees them.
// A stream that is not the caller's protocol, lacks its final event or came from the wrong upstream
// throws, so a wrong answer cannot be timed as a right one.
import { clock, STAMP, STREAM_SHAPE } from "./payloads.ts";
import type { Call } from "./targets.ts";

export interface StreamTiming {
  ttftMs: number;
  /** arrival − send per text delta, ms */
  transitMs: number[];
  /** arrival gaps between consecutive text deltas, ms */
  gapMs: number[];
  /** text deltas received */
  chunks: number;
  /** the first delta names the upstream it came from */
  upstream?: string;
}

export async function timeStream(c: Call, limitMs = 30_000): Promise<StreamTiming> {
  const t0 = clock();
  const res = await fetch(c.url, { method: "POST", headers: c.headers, body: c.body, signal: AbortSignal.timeout(limitMs) });
  if (!res.ok) throw new Error(`${c.url}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  const out: StreamTiming = { ttftMs: NaN, transitMs: [], gapMs: [], chunks: 0 };
  if (c.protocol === "embeddings") throw new Error(`${c.url}: embeddings have no stream`);
  const shape = STREAM_SHAPE[c.protocol];
  let ended = false;
  let rest = "";
  let last = NaN;
  for (;;) {
    const r = await reader.read();
    const now = clock();
    if (r.done) break;
    const events = (rest + dec.decode(r.value, { stream: true })).split(shape.split);
    rest = events.pop()!;
    for (const e of events) {
      if (e.includes(shape.end)) ended = true;
      if (!e.includes(shape.delta)) continue;
      STAMP.lastIndex = 0;
      const m = STAMP.exec(e);
      if (!m) continue;
      if (!out.chunks) {
        out.ttftMs = now - t0;
        out.upstream = /EMU-(\w+)/.exec(e)?.[1];
      } else out.gapMs.push(now - last);
      out.transitMs.push(now - Number(m[1]));
      out.chunks++;
      last = now;
    }
  }
  if (rest.includes(shape.end)) ended = true; // a last event without its blank line
  if (!out.chunks) throw new Error(`${c.url}: no ${c.protocol} text delta in the stream`);
  if (!ended) throw new Error(`${c.url}: the ${c.protocol} stream ended without ${shape.end}`);
  if (out.upstream !== c.upstream) throw new Error(`${c.url}: the stream came from ${out.upstream ?? "no known upstream"}, not ${c.upstream}`);
  return out;
}

// Opens N streams at once and holds them: prints "held K" once every stream has delivered its first
// text delta (or the wait ran out), then reads each to its end and prints "done COMPLETED CHUNKS".
// Its own process, so its sockets and buffers are not counted in the runner, and so its fetch may
// run N requests at once (BUN_CONFIG_MAX_HTTP_REQUESTS is read at start-up).
// Usage: bun bench/hold.ts CALL_JSON N WAIT_MS
import { STAMP } from "./payloads.ts";
import type { Call } from "./targets.ts";

const c = JSON.parse(process.argv[2]!) as Call;
const n = Number(process.argv[3] ?? 1000);
const waitMs = Number(process.argv[4] ?? 30_000);
let firsts = 0;
let signal!: () => void;
const allFirst = new Promise<void>((r) => (signal = r));

async function one(): Promise<number> {
  const res = await fetch(c.url, { method: "POST", headers: c.headers, body: c.body, signal: AbortSignal.timeout(waitMs + 150_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  let chunks = 0;
  let first = false;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    text += dec.decode(r.value, { stream: true });
    const found = text.match(STAMP)?.length ?? 0;
    if (!first && found) {
      first = true;
      if (++firsts === n) signal();
    }
    chunks = found;
  }
  return chunks;
}

const all = Array.from({ length: n }, () => one().catch(() => -1));
await Promise.race([allFirst, Bun.sleep(waitMs)]);
console.log(`held ${firsts}`);
const results = await Promise.all(all);
console.log(`done ${results.filter((x) => x >= 0).length} ${results.filter((x) => x >= 0).reduce((a, b) => a + b, 0)}`);
process.exit(0); // without waiting for the timers above to run out

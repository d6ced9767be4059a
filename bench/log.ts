// What the request log costs: the same requests through three proxies (log off, rows only, rows
// and bodies) against one scripted upstream, interleaved in rounds so drift on a shared machine
// falls on all three alike; then the database size per 1,000 requests. Run: bun bench/log.ts [N]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { startUpstream } from "../test/support/upstream.ts";
import { startProxy, type Proxy } from "../test/support/proxy.ts";
import { upstream as claude } from "../test/conformance/upstreams/claude.ts";

const total = Number(process.argv[2] ?? 3000);
const rounds = 10;
const dir = mkdtempSync(join(tmpdir(), "ccproxy-bench-log-"));
const up = await startUpstream("claude");
// A Claude Code sized turn would be far larger; this is a modest prompt: ~2 KB in, ~300 B out.
const system = "You are a careful assistant. ".repeat(40);
const reply = (stream: boolean) =>
  claude.reply({ text: ["The answer ", "is forty-two, ", "as computed."], stop: "end", usage: { input: 512, output: 12 } }, stream);
up.script(...Array.from({ length: total * 3 * 2 + 10 }, (_, i) => reply(i % 2 === 1)));

const modes = { off: undefined, rows: false, bodies: true } as const;
const proxies: Record<string, Proxy> = {};
for (const [name, bodies] of Object.entries(modes)) {
  proxies[name] = await startProxy({
    accessKeys: ["bench-access-key"],
    ...(bodies !== undefined && { logging: { path: join(dir, `${name}.db`), bodies } }),
    providers: { cl: { protocol: "claude", baseUrl: up.url, keys: ["sk-bench-provider"] } },
    models: { "*": { targets: ["cl/claude-bench"] } },
  });
}

async function one(p: Proxy, stream: boolean): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${p.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer bench-access-key" },
    body: JSON.stringify({ model: "m", stream, messages: [{ role: "system", content: system }, { role: "user", content: "What is six times seven?" }] }),
  });
  await res.text();
  return performance.now() - t0;
}

const times: Record<string, { plain: number[]; stream: number[] }> = {};
for (const name of Object.keys(modes)) times[name] = { plain: [], stream: [] };
for (const name of Object.keys(modes)) for (let i = 0; i < 50; i++) await one(proxies[name]!, i % 2 === 1); // warm-up
for (let r = 0; r < rounds; r++)
  for (const name of Object.keys(modes))
    for (let i = 0; i < total / rounds; i++) {
      const stream = i % 2 === 1;
      times[name]![stream ? "stream" : "plain"].push(await one(proxies[name]!, stream));
    }

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: s[Math.floor(s.length / 2)]!, p99: s[Math.floor(s.length * 0.99)]! };
};
const fmt = (x: number) => x.toFixed(3).padStart(7);
console.log(`${total} requests per mode (half plain, half streamed), ${rounds} interleaved rounds; ms per request`);
console.log("mode     kind     mean      p50      p99   vs off (mean)");
for (const kind of ["plain", "stream"] as const) {
  const base = stat(times.off![kind]).mean;
  for (const name of Object.keys(modes)) {
    const s = stat(times[name]![kind]);
    const rel = name === "off" ? "" : `${s.mean >= base ? "+" : ""}${(((s.mean - base) / base) * 100).toFixed(1)}%`;
    console.log(`${name.padEnd(8)} ${kind.padEnd(6)} ${fmt(s.mean)}  ${fmt(s.p50)}  ${fmt(s.p99)}   ${rel}`);
  }
}

for (const name of ["rows", "bodies"]) {
  const p = proxies[name]!;
  await p.log!.flush();
  const path = join(dir, `${name}.db`);
  const db = new Database(path);
  db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  const n = (db.query("SELECT count(*) AS n FROM requests").get() as { n: number }).n;
  db.close();
  const bytes = statSync(path).size;
  console.log(`${name}: ${n} rows, ${(bytes / 1024).toFixed(0)} KiB, ${((bytes / n) * 1000 / 1024).toFixed(0)} KiB per 1,000 requests; dropped ${p.log!.dropped}`);
}

await Promise.all([...Object.values(proxies).map((p) => p.close()), up.close()]);
rmSync(dir, { recursive: true, force: true });

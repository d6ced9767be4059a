import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger } from "./logger.ts";
import { openStore, rowWriter } from "./store.ts";
import { BODIES_RETENTION, openLog, retentionOf } from "./index.ts";
import { resolveConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-logger-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (path: string, sql: string) => {
  const db = new Database(path, { readonly: true });
  // The writer thread may be opening the database (WAL recovery): wait as `ccproxy logs` does, not fail.
  db.run("PRAGMA busy_timeout = 2000");
  try {
    return db.query(sql).all();
  } finally {
    db.close();
  }
};

/** One request through a trace, answered with `status` (sync: the row is queued at once). */
function request(log: Logger, status = 200, model = "m") {
  log.begin({ client: "openai", body: { model }, headers: new Headers() }).answered(new Response(null, { status }));
}

test("a full queue drops rows and counts them instead of waiting; the count reaches the database", async () => {
  const path = join(dir, "full.db");
  const log = Logger.open({ path, bodies: false, secrets: [], queueLimit: 2, batchRows: 100, flushMs: 10_000 });
  for (let i = 0; i < 5; i++) request(log, 200, `m${i}`);
  expect(log.dropped).toBe(3);
  await log.flush();
  expect(read(path, "SELECT model FROM requests ORDER BY id")).toEqual([{ model: "m0" }, { model: "m1" }]);
  expect(read(path, "SELECT value FROM counters")).toEqual([{ value: 3 }]);
  request(log, 200, "after");
  await log.close();
  expect(read(path, "SELECT count(*) AS n FROM requests")).toEqual([{ n: 3 }]);
});

test("rows are written without a flush, within the flush interval", async () => {
  const path = join(dir, "timer.db");
  const log = Logger.open({ path, bodies: false, secrets: [], flushMs: 5 });
  request(log);
  const until = Date.now() + 2000;
  while (Date.now() < until && !(read(path, "SELECT count(*) AS n FROM requests")[0] as { n: number }).n) await Bun.sleep(10);
  expect(read(path, "SELECT count(*) AS n FROM requests")).toEqual([{ n: 1 }]);
  await log.close();
});

test("rows with bodies leave in batches of bodyRows, before a batch without them would", async () => {
  const path = join(dir, "body-batches.db");
  const log = Logger.open({ path, bodies: true, secrets: [], batchRows: 1000, bodyRows: 3, flushMs: 60_000 });
  const count = () => (read(path, "SELECT count(*) AS n FROM bodies")[0] as { n: number }).n;
  for (let i = 0; i < 3; i++) log.begin({ client: "openai", body: { model: `m${i}` }, headers: new Headers(), raw: `{"model":"m${i}"}` }).answered(new Response(null));
  const until = Date.now() + 2000;
  while (Date.now() < until && !count()) await Bun.sleep(10);
  expect(count()).toBe(3);
  await log.close();
});

test("retention: old rows go when the log opens, excess rows in the background", async () => {
  const path = join(dir, "retain.db");
  const db = openStore(path);
  const now = Date.now();
  rowWriter(db)([{ time: now - 40 * 86_400_000, client: "claude", model: "ancient", attempts: 1, stream: false }], 0);
  db.close();
  const log = Logger.open({ path, bodies: false, secrets: [], maxDays: 30, maxRows: 3, pruneEveryMs: 20 });
  await log.flush();
  expect(read(path, "SELECT count(*) AS n FROM requests")).toEqual([{ n: 0 }]);
  for (let i = 0; i < 6; i++) request(log, 200, `m${i}`);
  await log.flush();
  const until = Date.now() + 2000;
  while (Date.now() < until && (read(path, "SELECT count(*) AS n FROM requests")[0] as { n: number }).n > 3) await Bun.sleep(10);
  expect(read(path, "SELECT model FROM requests ORDER BY id")).toEqual([{ model: "m3" }, { model: "m4" }, { model: "m5" }]);
  await log.close();
});

test("the writer redacts error messages too", async () => {
  const path = join(dir, "errors.db");
  const log = Logger.open({ path, bodies: false, secrets: ["sk-live-0042"], flushMs: 1 });
  const t = log.begin({ client: "claude", body: { model: "m" }, headers: new Headers() });
  t.failed("upstream said: bad key sk-live-0042", 401);
  t.answered(Response.json({ type: "error", error: { type: "api_error", message: "refused sk-live-0042" } }, { status: 502 }));
  await log.close();
  expect(read(path, "SELECT status, error, trail FROM requests")).toEqual([
    { status: 502, error: "refused [redacted]", trail: JSON.stringify([{ target: "", keyLabel: "", status: 401, error: "upstream said: bad key [redacted]" }]) },
  ]);
});

test("keys added by a reload are redacted from then on, and the earlier ones still are", async () => {
  const path = join(dir, "reload.db");
  const log = Logger.open({ path, bodies: false, secrets: ["sk-before-1111"], flushMs: 1 });
  log.addSecrets(["sk-after-2222"]);
  const t = log.begin({ client: "openai", body: { model: "m" }, headers: new Headers() });
  t.answered(Response.json({ error: { message: "keys sk-before-1111 and sk-after-2222" } }, { status: 502 }));
  await log.close();
  expect(read(path, "SELECT error FROM requests")).toEqual([{ error: "keys [redacted] and [redacted]" }]);
});

test("a writer that stops is replaced: later rows are written, with the same secrets redacted", async () => {
  const path = join(dir, "restart.db");
  const log = Logger.open({ path, bodies: false, secrets: ["sk-first"], flushMs: 5 });
  log.addSecrets(["sk-added"]);
  request(log, 200, "before");
  await log.flush();
  const writer = (log as unknown as { worker: Worker }).worker;
  writer.terminate(); // as if its thread had died
  await Bun.sleep(100);
  expect((log as unknown as { worker: Worker }).worker).not.toBe(writer);
  log.begin({ client: "openai", body: { model: "after" }, headers: new Headers() }).answered(
    new Response(JSON.stringify({ error: { message: "keys sk-first and sk-added" } }), { status: 401 }),
  );
  await log.flush();
  expect(read(path, "SELECT model, error FROM requests ORDER BY id")).toEqual([
    { model: "before", error: null },
    { model: "after", error: "keys [redacted] and [redacted]" },
  ]);
  await log.close();
});

test("a deleted database is created again and written on (issue 15: rows went to the deleted file)", async () => {
  const path = join(dir, "deleted.db");
  const log = Logger.open({ path, bodies: false, secrets: [], flushMs: 1 });
  request(log, 200, "before");
  await log.flush();
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  request(log, 200, "after");
  await log.flush();
  expect(existsSync(path)).toBe(true);
  expect(read(path, "SELECT model FROM requests")).toEqual([{ model: "after" }]);
  await log.close();
});

/** A 1 MiB tmpfs for the full-disk test, when this process may mount one (root). */
function tinyDisk(): string | undefined {
  const at = mkdtempSync(join(tmpdir(), "ccproxy-disk-"));
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", at], { stderr: "ignore" });
  if (r.exitCode === 0) return at;
  rmSync(at, { recursive: true });
}
const disk = process.platform === "linux" ? tinyDisk() : undefined;
afterAll(() => {
  if (disk && Bun.spawnSync(["umount", "-l", disk]).exitCode === 0) rmSync(disk, { recursive: true });
});

test.skipIf(!disk)("a full disk (a 1 MiB tmpfs): every row not written is counted as dropped (issue 15: 58 of 5,079 kept, 0 counted)", async () => {
  const path = join(disk!, "log.db");
  const log = Logger.open({ path, bodies: true, secrets: [], flushMs: 1, batchRows: 50 });
  const total = 5079;
  for (let i = 0; i < total; i++) {
    log.begin({ client: "openai", body: { model: `m${i}` }, headers: new Headers(), raw: `{"model":"m${i}","pad":"${"x".repeat(4000)}"}` }).answered(new Response(null));
    if (i % 500 === 0) await log.flush();
  }
  await log.flush();
  const kept = (read(path, "SELECT count(*) AS n FROM requests")[0] as { n: number }).n;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(total);
  expect(log.dropped).toBe(total - kept);
  await log.close();
});

test("with bodies on and no retention set, rows older than 7 days go (issue 15: no default retention)", async () => {
  const path = join(dir, "bodies-retention.db");
  const db = openStore(path);
  const now = Date.now();
  rowWriter(db)([{ time: now - 8 * 86_400_000, client: "claude", model: "last-week", attempts: 1, stream: false, bodies: { clientRequest: "{}" } }], 0);
  db.close();
  const config = (bodies: boolean) => resolveConfig({ providers: {}, logging: { path, bodies } } as Config, { home: dir, cwd: dir });
  const off = openLog(config(false))!;
  await off.flush({ prune: true });
  await off.close();
  expect(read(path, "SELECT model FROM requests")).toEqual([{ model: "last-week" }]);
  const on = openLog(config(true))!;
  await on.flush({ prune: true });
  expect(read(path, "SELECT count(*) AS n FROM requests")).toEqual([{ n: 0 }]);
  expect(read(path, "SELECT count(*) AS n FROM bodies")).toEqual([{ n: 0 }]);
  await on.close();
  expect(retentionOf(config(true).logging)).toEqual(BODIES_RETENTION);
  expect(retentionOf({ ...config(true).logging, maxDays: 30 })).toEqual({ maxDays: 30, maxRows: BODIES_RETENTION.maxRows });
});

test("the writer's thread starts with the first row, not when the log opens, and a log that wrote nothing closes without one", async () => {
  const writerOf = (log: Logger) => (log as unknown as { worker?: Worker }).worker;
  const idle = Logger.open({ path: join(dir, "lazy-idle.db"), bodies: false, secrets: [] });
  expect(writerOf(idle)).toBeUndefined();
  await idle.close();
  expect(writerOf(idle)).toBeUndefined();
  const path = join(dir, "lazy.db");
  const log = Logger.open({ path, bodies: false, secrets: [], flushMs: 1 });
  expect(writerOf(log)).toBeUndefined();
  request(log, 200, "first");
  await log.flush();
  expect(writerOf(log)).toBeDefined();
  expect(read(path, "SELECT model FROM requests")).toEqual([{ model: "first" }]);
  await log.close();
});

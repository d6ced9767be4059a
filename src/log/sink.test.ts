// The writer's database through a full disk and a deleted file (issue 15: a full log disk kept 58 of
// 5,079 rows and counted 0 as dropped; a deleted log was written on as if it were there).
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type LogRow } from "./store.ts";
import { LogSink } from "./sink.ts";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-sink-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (i: number): LogRow => ({ time: i, client: "openai", model: `m${i}`, attempts: 1, stream: false, status: 200, bodies: { clientRequest: "x".repeat(6000) } });
const count = (path: string, sql: string) => {
  const db = new Database(path, { readonly: true });
  // The writer thread may be opening the database (WAL recovery): wait as `ccproxy logs` does, not fail.
  db.run("PRAGMA busy_timeout = 2000");
  try {
    return (db.query(sql).get() as { n: number } | null)?.n ?? 0;
  } finally {
    db.close();
  }
};

test("a full disk: every row not written is counted as dropped, said once, and the writer goes on when there is room again", () => {
  const path = join(dir, "full.db");
  let limit = 0;
  let db!: Database;
  const said: string[] = [];
  // SQLite's page limit makes the same SQLITE_FULL a full disk does
  const sink = new LogSink(path, {
    open: (p) => ((db = openStore(p)), (limit = (db.query("PRAGMA page_count").get() as { page_count: number }).page_count + 4), db.run(`PRAGMA max_page_count = ${limit}`), db),
    say: (m) => said.push(m),
  });
  let failed = 0;
  for (let i = 0; i < 5079; i += 3) failed += sink.rows([row(i), row(i + 1), row(i + 2)].filter((r) => r.time < 5079), 0, 0);
  const written = count(path, "SELECT count(*) AS n FROM requests");
  expect(written).toBeGreaterThan(0);
  expect(written + failed).toBe(5079);
  expect(said).toHaveLength(1);
  expect(said[0]).toContain("counting them as dropped");

  db.run(`PRAGMA max_page_count = ${limit * 1000}`); // room again
  expect(sink.rows([row(9000)], 2, 0)).toBe(0);
  expect(count(path, "SELECT value AS n FROM counters WHERE name = 'dropped'")).toBe(failed + 2);
  expect(said).toHaveLength(2);
  expect(said[1]).toContain(`${failed} were dropped meanwhile`);
  sink.close();
});

test("a deleted database is noticed at the next batch and created again, saying so", () => {
  const path = join(dir, "deleted.db");
  const said: string[] = [];
  const sink = new LogSink(path, { say: (m) => said.push(m) });
  sink.rows([row(1)], 0, 0);
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  expect(existsSync(path)).toBe(false);
  expect(sink.rows([row(2), row(3)], 0, 0)).toBe(0);
  expect(existsSync(path)).toBe(true);
  expect(count(path, "SELECT count(*) AS n FROM requests")).toBe(2);
  expect(said).toEqual([`${path} was deleted; writing to a new log there`]);

  // only the database file gone, its -wal and -shm left behind: the new one must not take them in
  rmSync(path);
  expect(sink.rows([row(4)], 0, 0)).toBe(0);
  expect(count(path, "SELECT count(*) AS n FROM requests")).toBe(1);
  sink.close();
});

import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkpoints } from "./checkpoint.ts";
import { openStore, rowWriter, type LogRow } from "./store.ts";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-checkpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 20 MB in all: past the 1,000 pages (16 MB) at which SQLite would checkpoint by itself.
const body = "x".repeat(100_000);
const rows = (n: number): LogRow[] =>
  Array.from({ length: n }, (_, i) => ({ time: i, client: "claude", attempts: 1, stream: false, bodies: { clientRequest: body + i } }));

/** Writes 200 rows with bodies and tells the checkpointer; the main file's size before and after. */
function setup(name: string, o: { quietMs: number; maxBytes: number }) {
  const path = join(dir, name);
  const db = openStore(path);
  const checkpoints = new Checkpoints(db, o);
  const size = () => statSync(path).size;
  const before = size();
  rowWriter(db)(rows(200), 0);
  checkpoints.wrote(200 * body.length);
  return { db, size, before };
}

test("a busy log leaves its WAL alone, then copies it into the database once quiet", async () => {
  const { db, size, before } = setup("quiet.db", { quietMs: 60, maxBytes: 64 * 1024 * 1024 });
  expect(size()).toBe(before); // SQLite's own checkpoint every 1,000 pages would have run in the commit
  await Bun.sleep(200);
  expect(size()).toBeGreaterThan(before + 19_000_000);
  // A reader sees every row either way.
  const reader = new Database(join(dir, "quiet.db"), { readonly: true });
  expect(reader.query("SELECT count(*) AS n FROM bodies").get()).toEqual({ n: 200 });
  reader.close();
  db.close();
});

test("a log that is never quiet still checkpoints once its WAL passes the bound", () => {
  const { db, size, before } = setup("bound.db", { quietMs: 60_000, maxBytes: 1_000_000 });
  expect(size()).toBeGreaterThan(before + 19_000_000);
  db.close();
});

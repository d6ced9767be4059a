import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS, migrate } from "./migrations.ts";
import { openStore, prune, rowWriter, type LogRow } from "./store.ts";
import { latest } from "./query.ts";
import { REDACTED, redactor } from "./redact.ts";
import { BODY_TEXT_CAP, capText } from "./trace.ts";

const dir = mkdtempSync(join(tmpdir(), "ccproxy-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (time: number, extra: Partial<LogRow> = {}): LogRow => ({ time, client: "openai", attempts: 1, stream: false, status: 200, ...extra });
const count = (db: Database, table: string) => (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("openStore", () => {
  test("creates the file (and its folder) readable by its owner only, in WAL mode, at the latest schema", () => {
    const path = join(dir, "new", "deep", "log.db");
    const db = openStore(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
    db.close();
  });

  test("waits for another process that holds the lock (two proxies starting on a new database) instead of failing", async () => {
    const path = join(dir, "shared.db");
    // The other one is still creating the database: its first transaction holds the file exclusively.
    const holder = Bun.spawn(["bun", "-e", `
      const { Database } = require("bun:sqlite");
      const db = new Database(${JSON.stringify(path)}, { create: true });
      db.run("BEGIN EXCLUSIVE");
      db.run("CREATE TABLE first (x)");
      console.log("locked");
      setTimeout(() => { db.run("COMMIT"); db.close(); }, 400);
    `], { stdout: "pipe" });
    const reader = holder.stdout.getReader();
    await reader.read(); // "locked"
    const t0 = performance.now();
    const db = openStore(path);
    expect(performance.now() - t0).toBeGreaterThan(100); // it waited rather than failing at once
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    db.close();
    await holder.exited;
  });

  test("a database of the first schema version opens, keeps its rows and gains the new tables and columns", () => {
    const path = join(dir, "v1.db");
    const old = new Database(path, { create: true });
    migrate(old, 1);
    old.run(
      `INSERT INTO requests (time, client, route, model, target, key_label, attempts, status, latency_ms, stream, input_tokens, output_tokens)
       VALUES (1700000000000, 'claude', '/v1/messages', 'sonnet', 'ds/deepseek-chat', 'ds#1', 1, 200, 812.5, 1, 100, 20)`,
    );
    expect(old.query("PRAGMA user_version").get()).toEqual({ user_version: 1 });
    old.close();

    const db = openStore(path, { create: false });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
    const [r] = latest(db, {});
    expect(r).toMatchObject({ client: "claude", model: "sonnet", target: "ds/deepseek-chat", keyLabel: "ds#1", latencyMs: 813, trail: null });
    expect(r!.tokens).toEqual({ input: 100, output: 20, cacheRead: null, cacheWrite: null, reasoning: null });
    rowWriter(db)([row(Date.now(), { trail: [{ target: "a/b", keyLabel: "a#1", status: 529, error: "overloaded" }], bodies: { clientRequest: "{}" } })], 3);
    expect(latest(db, {}).at(-1)!.trail).toEqual([{ target: "a/b", keyLabel: "a#1", status: 529, error: "overloaded" }]);
    expect(count(db, "bodies")).toBe(1);
    expect(db.query("SELECT value FROM counters WHERE name = 'dropped'").get()).toEqual({ value: 3 });
    db.close();
  });

  test("a database from a newer ccproxy is refused, not rewritten", () => {
    const path = join(dir, "future.db");
    const db = new Database(path, { create: true });
    db.run("PRAGMA user_version = 99");
    db.close();
    expect(() => openStore(path)).toThrow(`schema version 99, newer than this ccproxy knows (${MIGRATIONS.length})`);
  });
});

describe("prune", () => {
  test("maxRows keeps the newest rows and their bodies", () => {
    const db = openStore(join(dir, "rows.db"));
    const now = Date.now();
    rowWriter(db)(Array.from({ length: 12 }, (_, i) => row(now + i, { model: `m${i}`, bodies: { clientRequest: `b${i}` } })), 0);
    expect(prune(db, { maxRows: 5 }, now)).toBe(7);
    expect(latest(db, { limit: 100 }).map((r) => r.model)).toEqual(["m7", "m8", "m9", "m10", "m11"]);
    expect(db.query("SELECT client_request FROM bodies ORDER BY request_id").values().flat()).toEqual(["b7", "b8", "b9", "b10", "b11"]);
    expect(prune(db, { maxRows: 5 }, now)).toBe(0);
    db.close();
  });

  test("maxDays drops rows older than the period, with their bodies", () => {
    const db = openStore(join(dir, "days.db"));
    const now = Date.now();
    const day = 86_400_000;
    rowWriter(db)([row(now - 10 * day, { model: "old", bodies: {} }), row(now - 2.5 * day, { model: "mid" }), row(now - 1000, { model: "new", bodies: {} })], 0);
    expect(prune(db, { maxDays: 3 }, now)).toBe(1);
    expect(latest(db, {}).map((r) => r.model)).toEqual(["mid", "new"]);
    expect(count(db, "bodies")).toBe(1);
    expect(prune(db, { maxDays: 0.5 }, now)).toBe(1);
    expect(latest(db, {}).map((r) => r.model)).toEqual(["new"]);
    db.close();
  });
});

describe("redactor", () => {
  test("every secret, as written, JSON-escaped or URL-encoded; longest first; nothing else touched", () => {
    const r = redactor(["sk-abc", "sk-abcdef", 'we"ird/key+1', ""]);
    expect(r("key sk-abcdef and sk-abc.")).toBe(`key ${REDACTED} and ${REDACTED}.`);
    expect(r(JSON.stringify({ k: 'we"ird/key+1' }))).toBe(`{"k":"${REDACTED}"}`);
    expect(r(`https://x/?key=${encodeURIComponent('we"ird/key+1')}`)).toBe(`https://x/?key=${REDACTED}`);
    expect(r("sk-ab nothing here")).toBe("sk-ab nothing here");
    expect(redactor([])("sk-abc")).toBe("sk-abc");
  });

  test("a body cut at the cap in the middle of a key loses the key's first characters too", () => {
    const key = "sk-prov-0123456789abcdef";
    const r = redactor([key]);
    const cut = capText(`${"x".repeat(BODY_TEXT_CAP - 15)}Bearer ${key} and more`)!;
    expect(cut.slice(-60)).toContain("Bearer sk-prov-\n"); // the cut fell inside the key
    const tail = r(cut).slice(-60);
    expect(tail).not.toContain("sk-pr");
    expect(tail).toEndWith(`Bearer ${REDACTED}\n[… ${key.length - 8 + " and more".length} more left out]`);
    expect(r(`${"x".repeat(10)}\n[… 5 more left out]`)).toBe(`${"x".repeat(10)}\n[… 5 more left out]`);
  });
});

// The log database's schema, as numbered steps: `PRAGMA user_version` says how many have run, so a
// database written by an older ccproxy opens and is brought up to date, and a newer one is refused.
import type { Database } from "bun:sqlite";

export const MIGRATIONS: readonly string[] = [
  // 1: one row per chat request.
  `CREATE TABLE requests (
     id INTEGER PRIMARY KEY,
     time INTEGER NOT NULL,
     client TEXT NOT NULL,
     route TEXT,
     grp TEXT,
     model TEXT,
     target TEXT,
     key_label TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     status INTEGER,
     error TEXT,
     latency_ms REAL,
     ttft_ms REAL,
     stream INTEGER NOT NULL DEFAULT 0,
     input_tokens INTEGER,
     output_tokens INTEGER,
     cache_read_tokens INTEGER,
     cache_write_tokens INTEGER,
     reasoning_tokens INTEGER
   );
   CREATE INDEX requests_time ON requests(time);`,
  // 2: the failed attempts behind a failover, full bodies kept apart so the rows stay small, and
  // counters (log rows dropped when the queue was full).
  `ALTER TABLE requests ADD COLUMN trail TEXT;
   CREATE TABLE bodies (
     request_id INTEGER PRIMARY KEY,
     client_request TEXT,
     upstream_request TEXT,
     upstream_response TEXT,
     upstream_events TEXT,
     client_response TEXT
   );
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
  // 3: the client's session (Claude Code's X-Claude-Code-Session-Id), to tell one agent's requests apart.
  `ALTER TABLE requests ADD COLUMN session TEXT;`,
  // 4: the `when` rule that routed the request.
  `ALTER TABLE requests ADD COLUMN rule TEXT;`,
];

/** Runs the steps this database has not seen, each in its own transaction. */
export function migrate(db: Database, upTo = MIGRATIONS.length): void {
  const at = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (at > MIGRATIONS.length)
    throw new Error(`log database is at schema version ${at}, newer than this ccproxy knows (${MIGRATIONS.length})`);
  for (let v = at; v < upTo; v++) {
    db.transaction(() => {
      db.run(MIGRATIONS[v]!);
      db.run(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}

// When the writer copies its WAL into the database. SQLite's default does it from inside a commit
// every 1,000 pages, so under load every byte logged is written twice while requests are being
// served. The log instead checkpoints once it has been quiet for a moment, or when the WAL has
// grown past a bound. Measured at concurrency 1 with bodies on: the writer's time per row fell
// from 8.9 to 4.6 µs, and the added latency by 1.5 µs. PASSIVE never waits for, nor blocks, a
// reader such as `ccproxy logs --follow`.
import type { Database } from "bun:sqlite";

export interface CheckpointOptions {
  /** Checkpoint after this long without a batch */
  quietMs?: number;
  /** ...or once about this much has been written since the last one */
  maxBytes?: number;
}

export class Checkpoints {
  private written = 0;
  private quiet: ReturnType<typeof setTimeout> | undefined;
  private readonly quietMs: number;
  private readonly maxBytes: number;

  constructor(
    private readonly db: Database,
    o: CheckpointOptions = {},
  ) {
    this.quietMs = o.quietMs ?? 1000;
    this.maxBytes = o.maxBytes ?? 32 * 1024 * 1024;
    db.run("PRAGMA wal_autocheckpoint = 0");
    // A WAL that grew while a reader held it open is cut back to this size when it next starts over.
    db.run(`PRAGMA journal_size_limit = ${this.maxBytes * 2}`);
  }

  /** A batch of about `bytes` was committed. */
  wrote(bytes: number): void {
    this.written += bytes;
    clearTimeout(this.quiet);
    if (this.written >= this.maxBytes) this.now();
    else this.quiet = setTimeout(() => this.now(), this.quietMs);
  }

  now(): void {
    this.stop();
    this.written = 0;
    try {
      this.db.run("PRAGMA wal_checkpoint(PASSIVE)");
    } catch {} // a full disk: the WAL keeps the rows, and the next quiet moment tries again
  }

  stop(): void {
    clearTimeout(this.quiet);
    this.quiet = undefined;
  }
}

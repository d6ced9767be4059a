// The writer's hold on the database file, through what disks do to it: a batch that cannot be
// written (a full disk) is counted as dropped and the writer goes on with the next; a file deleted
// under it (a user clearing the log) is noticed at the next batch and created again, rather than
// written on unseen.
import type { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { openStore, prune, rowWriter, type LogRow, type Retention, type Writer } from "./store.ts";
import { Checkpoints } from "./checkpoint.ts";
import { latest, type Filter, type RowView } from "./query.ts";

export interface SinkOptions {
  retention?: Retention;
  /** How the file is opened (tests: with a page limit, a disk that fills) */
  open?: (path: string) => Database;
  /** Where the sink tells of trouble, once per episode */
  say?: (message: string) => void;
}

export class LogSink {
  private db!: Database;
  private write!: Writer;
  private checkpoints!: Checkpoints;
  /** The file this connection writes: a different one (or none) at `path` means it was deleted */
  private inode = 0;
  /** Rows dropped that the database's counter has not yet been told of */
  private owed = 0;
  /** Rows that failed since writes last succeeded; undefined while they succeed */
  private failing: number | undefined;
  private readonly open: (path: string) => Database;
  private readonly say: (message: string) => void;
  retention: Retention;

  constructor(
    readonly path: string,
    o: SinkOptions = {},
  ) {
    this.open = o.open ?? openStore;
    this.say = o.say ?? ((m) => console.error(`ccproxy: log: ${m}`));
    this.retention = o.retention ?? {};
    this.connect();
  }

  private connect(): void {
    this.db = this.open(this.path);
    this.write = rowWriter(this.db);
    this.checkpoints = new Checkpoints(this.db);
    this.inode = statSync(this.path).ino;
  }

  /**
   * Writes a batch, and `dropped` rows lost on the way here into the counter. Returns how many of
   * `rows` were not written: counted as dropped here and in the database once it takes writes again.
   */
  rows(rows: readonly LogRow[], dropped: number, bytes: number): number {
    try {
      this.reopenIfGone();
      this.write(rows, this.owed + dropped);
    } catch (e) {
      this.owed += dropped + rows.length;
      if (this.failing === undefined) this.say(`rows cannot be written (${(e as Error).message}); counting them as dropped until writes succeed again`);
      this.failing = (this.failing ?? 0) + rows.length;
      return rows.length;
    }
    this.owed = 0;
    if (this.failing !== undefined) this.say(`rows are written again; ${this.failing} were dropped meanwhile`);
    this.failing = undefined;
    this.quietly(() => this.checkpoints.wrote(bytes));
    return 0;
  }

  prune(): void {
    const r = this.retention;
    if (r.maxRows !== undefined || r.maxDays !== undefined) this.quietly(() => prune(this.db, r));
  }

  /** The latest rows matching, read on the writer's own connection */
  latest(f: Filter): RowView[] {
    return latest(this.db, f);
  }

  close(): void {
    this.checkpoints.stop();
    this.db.close();
  }

  /** One stat a batch, on the writer's thread. */
  private reopenIfGone(): void {
    let inode: number | undefined;
    try {
      inode = statSync(this.path).ino;
    } catch {}
    if (inode === this.inode) return;
    this.say(`${this.path} was ${inode === undefined ? "deleted" : "replaced"}; writing to a new log there`);
    // Closing the last connection checkpoints into the old file and removes its -wal and -shm,
    // which a new database at the same path must not inherit.
    this.quietly(() => this.close());
    this.connect();
  }

  /** Housekeeping that may fail on a full disk without stopping the writer: it is tried again later. */
  private quietly(f: () => void): void {
    try {
      f();
    } catch {}
  }
}

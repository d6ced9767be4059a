// A batch of rows as it crosses to the writer thread: every field a number in one Float64Array,
// which moves without a copy, and every text once in a small table. A batch's rows repeat the same
// few texts (client, route, model, target, key), so the table holds a handful of strings however
// many rows there are. As JSON lines made when the batch left, the same rows cost the request
// path's thread ~3 µs a row under load, and the writer a parse per row.
import { BODY_FIELDS, type Bodies, type LogRow } from "./store.ts";

/** Numbers per row, in order; NaN is absent */
const NUMBERS = ["time", "attempts", "status", "latencyMs", "ttftMs"] as const;
const USAGE = ["input", "output", "cacheRead", "cacheWrite", "reasoning"] as const;
/** Texts per row, as their index in the table; -1 is absent */
const TEXTS = ["client", "route", "group", "model", "target", "keyLabel", "error", "session", "rule"] as const;
/** time…ttftMs, stream, usage, texts, the trail (a text: JSON), hasBodies */
const STRIDE = NUMBERS.length + 1 + USAGE.length + TEXTS.length + 2;
/** Rows a new batch has room for; it doubles as it fills */
const FIRST_ROWS = 64;

export interface Batch {
  n: number;
  cells: Float64Array;
  texts: string[];
  /** The body texts of rows with bodies, BODY_FIELDS in order per row, end to end */
  bodies: string;
  /** Their lengths (-1: absent) */
  lengths: number[];
}

/**
 * The batch being filled. A row is packed when it arrives, while its objects are still in the CPU's
 * caches (~0.2 µs); packed a batch later, the same rows cost ten times that, read back cold. Bodies
 * are only referenced until the batch leaves: making their texts is the one costly step, kept off
 * every request's way.
 */
export class RowBatch {
  private cells = new Float64Array(FIRST_ROWS * STRIDE);
  private texts: string[] = [];
  private index = new Map<string, number>();
  private bodies: { row: number; make: () => Bodies }[] = [];
  n = 0;

  /** Rows added with bodies */
  get withBodies(): number {
    return this.bodies.length;
  }

  add(row: LogRow, bodies?: () => Bodies): void {
    if ((this.n + 1) * STRIDE > this.cells.length) {
      const more = new Float64Array(this.cells.length * 2);
      more.set(this.cells);
      this.cells = more;
    }
    const cells = this.cells;
    let at = this.n * STRIDE;
    for (const k of NUMBERS) cells[at++] = row[k] ?? NaN;
    cells[at++] = row.stream ? 1 : 0;
    const u = row.usage;
    for (const k of USAGE) cells[at++] = u?.[k] ?? NaN;
    for (const k of TEXTS) cells[at++] = this.text(row[k]);
    cells[at++] = this.text(row.trail?.length ? JSON.stringify(row.trail) : undefined);
    cells[at] = 0; // bodies: set when they are made
    if (bodies) this.bodies.push({ row: this.n, make: bodies });
    this.n++;
  }

  /** The batch as it leaves (its cells to be transferred, not copied), the bodies made by `made` (undefined: left out). */
  take(made: (make: () => Bodies) => Bodies | undefined): Batch {
    const parts: string[] = [];
    const lengths: number[] = [];
    for (const { row, make } of this.bodies) {
      const b = made(make);
      if (!b) continue;
      this.cells[row * STRIDE + STRIDE - 1] = 1;
      for (const f of BODY_FIELDS) {
        const t = b[f];
        lengths.push(t === undefined ? -1 : t.length);
        if (t) parts.push(t);
      }
    }
    const batch = { n: this.n, cells: this.cells, texts: this.texts, bodies: parts.join(""), lengths };
    this.cells = new Float64Array(FIRST_ROWS * STRIDE);
    this.texts = [];
    this.index.clear();
    this.bodies = [];
    this.n = 0;
    return batch;
  }

  private text(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.texts.push(s) - 1));
    return i;
  }
}

/** About how much a batch writes: its rows' cells (not the room left after them) and its bodies. */
export function batchBytes(b: Batch): number {
  return b.n * STRIDE * Float64Array.BYTES_PER_ELEMENT + b.bodies.length;
}

/** The rows of a batch, as the store writes them. */
export function unpackRows(b: Batch): LogRow[] {
  const { cells, texts } = b;
  const num = (v: number) => (Number.isNaN(v) ? undefined : v);
  const str = (v: number) => (v < 0 ? undefined : texts[v]);
  const rows: LogRow[] = [];
  let at = 0;
  let t = 0;
  let from = 0;
  for (let i = 0; i < b.n; i++) {
    const row = {} as LogRow & Record<string, unknown>;
    for (const k of NUMBERS) {
      const v = num(cells[at++]!);
      if (v !== undefined) row[k] = v;
    }
    row.stream = cells[at++] === 1;
    let usage: Record<string, number> | undefined;
    for (const k of USAGE) {
      const v = num(cells[at++]!);
      if (v !== undefined) (usage ??= {})[k] = v;
    }
    if (usage) row.usage = usage;
    for (const k of TEXTS) {
      const v = str(cells[at++]!);
      if (v !== undefined) row[k] = v;
    }
    const trail = str(cells[at++]!);
    if (trail !== undefined) row.trail = JSON.parse(trail);
    if (cells[at++] === 1) {
      const bodies: Bodies = (row.bodies = {});
      for (const f of BODY_FIELDS) {
        const n = b.lengths[t++]!;
        if (n >= 0) bodies[f] = b.bodies.slice(from, (from += n));
      }
    }
    rows.push(row);
  }
  return rows;
}

// One line per request on stdout, for the person watching the proxy:
//   12:01:02 claude /v1/messages claude-x → oa/gpt-4o 200 812ms 1200→85 tok (failover: oa2/gpt 429)
// Rows arrive as requests finish; each line is made then, while its row is fresh in the CPU's
// caches, and the lines are written in a batch every few milliseconds, off every request's way.
// Stdout may be a pipe nobody reads: a write that is not taken at once (Bun says so by returning
// false) holds the next lines back, up to a bound, and past it they are dropped and counted, so a
// stalled reader costs memory that is bounded and never a request.
import type { LogRow } from "../log/store.ts";
import type { ConsoleLevel } from "../config/schema.ts";

/** What the lines are written to: process.stdout, or a test's stand-in */
export interface LineOut {
  write(text: string): boolean;
  once(event: "drain", listener: () => void): unknown;
}

export interface LineOptions {
  level: ConsoleLevel;
  /** Every secret cut out and control characters escaped (console.ts's `safe`) */
  safe: (text: string) => string;
  out?: LineOut;
  flushMs?: number;
  /** Lines held while stdout does not take them, beyond which they are dropped */
  maxHeld?: number;
  /** The local time of day, as the lines show it (tests fix the zone) */
  clock?: (ms: number) => string;
}

const failed = (r: LogRow) => (r.status ?? 0) >= 400 || r.error !== undefined;

export class ConsoleLines {
  level: ConsoleLevel;
  private held: string[] = [];
  private dropped = 0;
  private blocked = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly out: LineOut;
  private readonly flushMs: number;
  private readonly maxHeld: number;
  private readonly clock: (ms: number) => string;

  constructor(private readonly o: LineOptions) {
    this.level = o.level;
    this.out = o.out ?? process.stdout;
    this.flushMs = o.flushMs ?? 20;
    this.maxHeld = o.maxHeld ?? 1000;
    this.clock = o.clock ?? timeOfDay;
  }

  /**
   * A finished request (a RequestLog watcher): its line, made now. Made a batch later, from rows
   * gone cold, the same lines cost several times as much, in one stall that delays the requests it
   * meets.
   */
  readonly watch = (row: LogRow): void => {
    if (this.level === "off" || (this.level === "errors" && !failed(row))) return;
    if (this.held.length >= this.maxHeld) return void this.dropped++;
    this.held.push(requestLine(row, this.clock, this.o.safe));
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  };

  /** Writes what is pending, unless stdout has not taken the last batch yet. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.blocked || (!this.held.length && !this.dropped)) return;
    if (this.dropped) this.held.push(`ccproxy: ${this.dropped} request line(s) left out: stdout was not being read`), (this.dropped = 0);
    const text = this.o.safe(`${this.held.join("\n")}\n`);
    this.held = [];
    if (this.out.write(text)) return;
    this.blocked = true;
    this.out.once("drain", () => {
      this.blocked = false;
      this.flush();
    });
  }
}

/**
 * The line for one request. Client and upstream words (model names, errors) are kept to one line
 * each, made safe before they are clipped: a clip through a key would leave its first half unmatched.
 */
export function requestLine(r: LogRow, clock: (ms: number) => string = timeOfDay, safe: (text: string) => string = (t) => t): string {
  // A short word of one line needs no safe pass of its own: the batch's pass covers it whole.
  const oneLine = (s: string, max: number) => (s.length <= max && !SPACE.test(s) ? s : clip(safe(s), max));
  // Concatenated rather than an array joined: 110 ns a line against 220.
  let line = `${clock(r.time)} ${r.client} ${r.group ? `/${r.group}` : ""}${r.route ?? ""}`;
  if (r.model !== undefined) line += ` ${oneLine(r.model, 80)}`;
  if (r.target !== undefined) line += ` → ${r.target}`;
  line += r.status === undefined ? " -" : ` ${r.status}`;
  if (r.latencyMs !== undefined) line += ` ${Math.round(r.latencyMs)}ms`;
  const u = r.usage;
  if (u && (u.input !== undefined || u.output !== undefined)) line += ` ${u.input ?? "?"}→${u.output ?? "?"} tok`;
  // The trail holds every failed attempt; a request that failed in the end names its last one in its error.
  const before = failed(r) ? r.trail?.slice(0, -1) : r.trail;
  if (before?.length) line += ` (failover: ${before.map((t) => `${t.target} ${t.status ?? oneLine(t.error.replace(`${t.target}: `, ""), 40)}`).join(", ")})`;
  if (r.error !== undefined) line += ` — ${oneLine(r.error, 160)}`;
  return line;
}

function clip(s: string, max: number): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const SPACE = /\s/;

// Local time costs a time-zone lookup; the lines of one second share it.
let shownSecond = -1;
let shown = "";
function timeOfDay(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === shownSecond) return shown;
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, "0");
  shownSecond = second;
  return (shown = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`);
}

// Replicas share pair health through Redis (the config's `redis`). When a pair or a key starts
// cooling or recovers here, the news goes out on `${prefix}:health` and into a key that expires
// with the cooldown (`${prefix}:health:pair:…`, `…:key:…`), so a replica that starts later, or
// connects again, reads the current state in one SCAN and MGET. What a replica hears it applies to
// its own state, and tells no one (no echo).
//
// Nothing here is on the request path: plan() reads local state only; news is queued (bounded, the
// latest per pair) and written after the request's turn; a Redis that is down, slow or silent
// costs a request nothing, and when it is back, the queue is written and the state read again.
import type { ResolvedConfig } from "../config/schema.ts";
import type { HealthNews } from "./health.ts";
import type { HealthSink, Router } from "./index.ts";
import { keyIdOf, pairIdOf } from "./ids.ts";
import { RedisLink } from "./redis.ts";

export type RedisConfig = NonNullable<ResolvedConfig["redis"]>;

/** News waiting for Redis: the latest per pair or key, the oldest dropped beyond this */
export const QUEUE_LIMIT = 1024;
/** Commands in flight at once: a Redis that does not answer holds no more than this */
const WINDOW = 64;
/** The most keys a (re)connect reads: more than any real config's pairs */
const READ_LIMIT = 4096;

/** Where a piece of news is kept in Redis, past the prefix: `pair:provider/model#hash` or `key:provider#hash` */
export const storedIdOf = (n: HealthNews) => (n.kind === "key" ? `key:${keyIdOf(n.provider, n.key)}` : `pair:${pairIdOf(n.provider, n.model, n.key)}`);

export class Share implements HealthSink {
  private readonly pending = new Map<string, HealthNews>();
  private inFlight = 0;
  private scheduled = false;
  /** This process: its own messages come back on the channel and are skipped */
  private readonly self = crypto.randomUUID();
  private readonly link: RedisLink;
  private readonly channel: string;
  private readonly keys: string;

  constructor(
    private router: Router,
    readonly redis: RedisConfig,
    say: (line: string) => void = () => {},
  ) {
    this.channel = `${redis.prefix}:health`;
    this.keys = `${redis.prefix}:health:`;
    router.share = this;
    this.link = new RedisLink({
      url: redis.url,
      channel: this.channel,
      onMessage: (text) => this.heard(text),
      onUp: () => {
        say(`ccproxy: redis ${redis.shownUrl}: connected; pair health is shared under "${redis.prefix}"`);
        this.flush();
        void this.read();
      },
      onDown: (why, wasUp) =>
        say(`ccproxy: redis ${redis.shownUrl}: ${wasUp ? "lost" : "cannot connect"} (${why}); this replica serves on its own pairs' health until it is back`),
    });
  }

  get connected(): boolean {
    return this.link.up;
  }

  /** The router's news: queued, and written after the request's turn. */
  publish(n: HealthNews): void {
    const id = storedIdOf(n);
    this.pending.delete(id); // to the newest end
    if (this.pending.size >= QUEUE_LIMIT) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(id, n);
    if (!this.scheduled) (this.scheduled = true), setImmediate(() => ((this.scheduled = false), this.flush()));
  }

  /** A reloaded config's router: it is told the news from now on, and reads the shared state now. */
  attach(router: Router): void {
    if (this.router.share === this) this.router.share = undefined;
    this.router = router;
    router.share = this;
    if (this.link.up) void this.read();
  }

  close(): void {
    if (this.router.share === this) this.router.share = undefined;
    this.link.close();
  }

  private flush(): void {
    while (this.link.up && this.inFlight < WINDOW && this.pending.size) {
      const [id, n] = this.pending.entries().next().value!;
      this.pending.delete(id);
      this.write(id, n);
    }
  }

  private write(id: string, n: HealthNews): void {
    const left = n.until - Date.now();
    if (n.until && left <= 0) return; // over before Redis could be told: no news
    const text = JSON.stringify({ from: this.self, ...n });
    const key = this.keys + id;
    this.inFlight++;
    const kept = n.until ? this.link.send("SET", [key, text, "PX", String(Math.ceil(left))]) : this.link.send("DEL", [key]);
    Promise.all([kept, this.link.send("PUBLISH", [this.channel, text])])
      .catch(() => {
        // Lost on the way: told again when Redis is back, unless newer news came meanwhile.
        if (!this.link.up && !this.pending.has(id)) this.pending.set(id, n);
      })
      .finally(() => {
        this.inFlight--;
        this.flush();
      });
  }

  private heard(text: string): void {
    const n = decode(text);
    if (n && n.from !== this.self) this.router.hear(n);
  }

  /** The shared state, read whole in the background: on connect, after a loss, and for a reloaded config's router. */
  private async read(): Promise<void> {
    const router = this.router;
    try {
      let cursor = "0";
      let read = 0;
      do {
        const [next, keys] = (await this.link.send("SCAN", [cursor, "MATCH", `${this.keys}*`, "COUNT", "500"])) as [string, string[]];
        cursor = next;
        read += keys.length;
        if (!keys.length) continue;
        for (const text of (await this.link.send("MGET", keys)) as (string | null)[]) {
          const n = text === null ? undefined : decode(text);
          if (n) router.hear(n); // this process's own too: a reloaded config's router has not heard it
        }
      } while (cursor !== "0" && read < READ_LIMIT);
    } catch {
      // Redis went away while it was read: it is read again when it is back.
    }
  }
}

/** News as another replica wrote it, checked field by field; anything else is ignored. */
export function decode(text: string): (HealthNews & { from?: string }) | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object") return undefined;
  const { kind, provider, model, key, until, failures, status, at, from } = v;
  const ok =
    (kind === "pair" || kind === "key") &&
    typeof provider === "string" &&
    typeof model === "string" &&
    model.length <= 1024 &&
    typeof key === "string" &&
    Number.isFinite(until) &&
    (until as number) >= 0 &&
    Number.isInteger(failures) &&
    (failures as number) >= 0 &&
    (status === undefined || Number.isInteger(status)) &&
    Number.isFinite(at);
  if (!ok) return undefined;
  return { kind, provider, model, key, until, failures, status, at, from: typeof from === "string" ? from : undefined } as HealthNews & { from?: string };
}

/** A process's sharing across config reloads: one Share while the config's `redis` stays the same. */
export class Sharing {
  private share?: Share;

  constructor(private readonly say?: (line: string) => void) {}

  /** The router a (re)loaded config serves with; its `redis` starts, keeps or ends the sharing. */
  use(router: Router, redis: RedisConfig | undefined): void {
    const was = this.share?.redis;
    if (this.share && redis && was!.url === redis.url && was!.prefix === redis.prefix) return this.share.attach(router);
    this.share?.close();
    this.share = redis ? new Share(router, redis, this.say) : undefined;
  }

  close(): void {
    this.share?.close();
    this.share = undefined;
  }
}

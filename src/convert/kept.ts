// A bounded, in-memory keep of earlier answers a client may name instead of resending them (the
// Responses API's previous_response_id and item references). Bounded by count, by bytes and by age;
// the least recently used go first. Per process: replicas do not share it, and a restart empties it.
import type { KeptAnswers } from "../protocols/protocol.ts";

/** Its bounds, as a protocol's `recall` reads them (src/protocols/protocol.ts) */
export type KeptLimits = KeptAnswers["limits"];

export const KEPT_LIMITS: KeptLimits = { maxEntries: 1000, maxBytes: 32 * 1024 * 1024, ttlMs: 60 * 60 * 1000 };

interface Entry<V> {
  value: V;
  bytes: number;
  at: number;
  /** Other names it is found by (an answer's item ids), dropped with it */
  aliases: string[];
}

export class Kept<V> implements KeptAnswers {
  private entries = new Map<string, Entry<V>>();
  private aliases = new Map<string, string>();
  private bytes = 0;

  constructor(
    readonly limits: KeptLimits = KEPT_LIMITS,
    private now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Keeps `value` under `key`, and under each alias; `bytes` is its size as the bound counts it. */
  set(key: string, value: V, bytes: number, aliases: string[] = []): void {
    this.delete(key);
    if (bytes > this.limits.maxBytes) return;
    this.entries.set(key, { value, bytes, at: this.now(), aliases });
    for (const a of aliases) this.aliases.set(a, key);
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.delete(oldest);
    }
  }

  /** The value under `key`, or under the key an alias names; undefined once it aged out. */
  get(key: string): V | undefined {
    const k = this.entries.has(key) ? key : this.aliases.get(key);
    const e = k === undefined ? undefined : this.entries.get(k);
    if (!e) return undefined;
    if (this.now() - e.at > this.limits.ttlMs) return void this.delete(k!);
    // Used again: it moves to the back of the line.
    this.entries.delete(k!);
    this.entries.set(k!, e);
    return e.value;
  }

  /** The same keep as one owner sees it: the keys (and aliases) they set are found by them alone. */
  within(owner: string): KeptAnswers {
    const mine = (k: string) => `${owner}\u0000${k}`;
    return {
      limits: this.limits,
      set: (key, value, bytes, aliases = []) => this.set(mine(key), value as V, bytes, aliases.map(mine)),
      get: (key) => this.get(mine(key)),
    };
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
    for (const a of e.aliases) if (this.aliases.get(a) === key) this.aliases.delete(a);
  }
}

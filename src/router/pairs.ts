// The pairs /admin/status lists, in a bounded memory: with a `*` target every model name a client
// sends is a new pair, so a client could otherwise grow it without end. Two tiers, each least
// recently used first out: pairs that have never failed (what an operator needs least), and pairs
// that have failed (cooling, or once did), which a flood of healthy names cannot push out.

export interface PairInfo {
  provider: string;
  model: string;
  keyLabel: string;
}

interface Entry extends PairInfo {
  /** `seq` when last moved to the newest end */
  at: number;
}

/** Each tier's cap: beyond a real config's pairs, far below what costs memory (~200 bytes an entry). */
export const TIER_LIMIT = 1000;

class Tier {
  private readonly map = new Map<string, Entry>();
  private seq = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): Entry | undefined {
    return this.map.get(id);
  }

  /** Marks `id` as just used; returns the id pushed out to make room, if any. */
  touch(id: string, info: PairInfo): string | undefined {
    const e = this.map.get(id);
    // An entry in the newer half is nowhere near the way out: leave it where it is (the hot path).
    if (e && this.seq - e.at < this.limit / 2) return undefined;
    if (e) this.map.delete(id);
    this.map.set(id, { provider: info.provider, model: info.model, keyLabel: info.keyLabel, at: ++this.seq });
    if (this.map.size <= this.limit) return undefined;
    const oldest = this.map.keys().next().value!;
    this.map.delete(oldest);
    return oldest;
  }

  delete(id: string): boolean {
    return this.map.delete(id);
  }

  entries(): IterableIterator<[string, Entry]> {
    return this.map.entries();
  }
}

export class PairBook {
  private readonly quiet: Tier;
  private readonly failed: Tier;

  /** `forget` hears of a failed pair pushed out, so its health goes with it. */
  constructor(
    private readonly forget: (id: string) => void,
    limit = TIER_LIMIT,
  ) {
    this.quiet = new Tier(limit);
    this.failed = new Tier(limit);
  }

  get size(): number {
    return this.quiet.size + this.failed.size;
  }

  /** The pair was planned or served. */
  used(id: string, info: PairInfo): void {
    if (this.failed.get(id)) this.failed.touch(id, info);
    else this.quiet.touch(id, info);
  }

  /** The pair failed: it moves to the tier that healthy traffic cannot empty. */
  failedOnce(id: string, info: PairInfo): void {
    this.quiet.delete(id);
    const out = this.failed.touch(id, info);
    if (out !== undefined) this.forget(out);
  }

  /** Failed pairs first, then the rest; each tier oldest first. */
  *entries(): IterableIterator<[string, PairInfo]> {
    yield* this.failed.entries();
    yield* this.quiet.entries();
  }
}

// The health of each (target × key) pair: a failing pair cools down, longer with each repeat, and
// comes back by itself. A key the provider refused cools down on every model it serves.

export interface Failure {
  /** HTTP status, absent for network errors and timeouts */
  status?: number;
  message: string;
  /** From the upstream's retry-after header, when it sent one */
  retryAfterMs?: number;
}

export interface HealthState {
  failures: number;
  coolUntil: number;
  lastError?: Failure & { at: number };
}

/**
 * A change of a pair's or a key's health, as replicas tell each other (router/share.ts): named by
 * the ids in ids.ts, with absolute times. Replicas' clocks are assumed in step (NTP): a skew of d
 * moves the cooldown's end by d on the replica that hears of it.
 */
export interface HealthNews {
  kind: "pair" | "key";
  provider: string;
  /** The upstream model; "" for a key */
  model: string;
  /** The key's hash (ids.ts) */
  key: string;
  /** Cooling until (epoch ms); 0 when it recovered (a request through it succeeded) */
  until: number;
  failures: number;
  /** The upstream's status, absent for network faults and timeouts */
  status?: number;
  /** When it failed or recovered (epoch ms) */
  at: number;
}

const SECOND = 1000;
/** Base and cap of the backoff, by what went wrong. */
const BACKOFF = {
  rateLimit: { base: 2 * SECOND, cap: 120 * SECOND },
  fault: { base: 1 * SECOND, cap: 60 * SECOND },
  refusedKey: { base: 600 * SECOND, cap: 3600 * SECOND },
};

export function cooldownMs(f: Failure, failures: number): number {
  const b = f.status === 401 || f.status === 403 ? BACKOFF.refusedKey : f.status === 429 ? BACKOFF.rateLimit : BACKOFF.fault;
  const backoff = Math.min(b.cap, b.base * 2 ** Math.max(0, failures - 1));
  return f.retryAfterMs !== undefined ? Math.min(Math.max(f.retryAfterMs, 0), b.cap * 10) : backoff;
}

/** `retry-after` as seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * SECOND;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class Health {
  private readonly states = new Map<string, HealthState>();

  constructor(private readonly now: () => number = Date.now) {}

  get(id: string): HealthState | undefined {
    return this.states.get(id);
  }

  cooling(id: string): boolean {
    const s = this.states.get(id);
    return s !== undefined && s.coolUntil > this.now();
  }

  fail(id: string, f: Failure): HealthState {
    const s = this.states.get(id) ?? { failures: 0, coolUntil: 0 };
    s.failures++;
    s.coolUntil = this.now() + cooldownMs(f, s.failures);
    s.lastError = { ...f, at: this.now() };
    this.states.set(id, s);
    return s;
  }

  /** Whether it changed anything: a pair that had failed has recovered. */
  succeed(id: string): boolean {
    const s = this.states.get(id);
    if (!s || !(s.failures || s.coolUntil)) return false;
    s.failures = 0;
    s.coolUntil = 0;
    return true;
  }

  /**
   * What another replica saw: a recovery clears; a cooling joins ours, the later end and the higher
   * count winning, so replicas that fail the same pair at once agree whatever order they hear it in.
   */
  apply(id: string, n: HealthNews, message: string): void {
    if (n.until === 0) return void this.succeed(id);
    if (n.until <= this.now()) return; // over already: old news
    const s = this.states.get(id) ?? { failures: 0, coolUntil: 0 };
    s.failures = Math.max(s.failures, n.failures);
    s.coolUntil = Math.max(s.coolUntil, n.until);
    s.lastError = { status: n.status, message, at: n.at };
    this.states.set(id, s);
  }

  forget(id: string): void {
    this.states.delete(id);
  }

  entries(): IterableIterator<[string, HealthState]> {
    return this.states.entries();
  }
}

// A link to Redis that nothing waits on: one connection for commands and one that pub/sub takes
// over, every command bounded by a timeout, a heartbeat that notices a Redis that stopped
// answering (or a connection that died without a word), and a loop that connects again, subscribes
// again and says so (onUp), so the caller can read again what it missed.
//
// Bun's RedisClient (1.4.4) is used with its own reconnect and offline queue off. Tried here: it
// reconnects by itself but does not subscribe again (the listener hears nothing more, and nothing
// says so); it queues commands while down, without a bound; it has no command timeout (a server
// that accepts and never answers holds every command forever; connectionTimeout bounds only the
// handshake, and idleTimeout closes without reconnecting). close() rejects what is pending.
import { RedisClient } from "bun";

export interface LinkOptions {
  url: string;
  channel: string;
  /** A message on the channel */
  onMessage(text: string): void;
  /** Connected and subscribed: the first time, and again after each loss */
  onUp(): void;
  /** Lost after having been up (`wasUp`), or not reached at all: once per outage; `why` in words */
  onDown(why: string, wasUp: boolean): void;
  /** Bound of each connect and each command (ms) */
  timeoutMs?: number;
}

/** Each connect's and command's bound, and the heartbeat's period: a silent Redis is left within ~2 s */
export const LINK_TIMEOUT_MS = 1000;
const RETRY_MIN_MS = 100;
/** The longest wait between connect tries: a Redis back is found within about a second */
const RETRY_MAX_MS = 1000;

export class RedisLink {
  private session?: Session;
  private closed = false;

  constructor(private readonly o: LinkOptions) {
    void this.run();
  }

  /** Connected and subscribed now */
  get up(): boolean {
    return !!this.session?.up;
  }

  /** A command: rejected at once when Redis is not up, and after the timeout when it does not answer (which also drops the link, to connect again). */
  send(command: string, args: string[]): Promise<unknown> {
    const s = this.session;
    return s?.up ? s.send(command, args) : Promise.reject(new Error("redis is not connected"));
  }

  close(): void {
    this.closed = true;
    this.session?.drop("closed");
  }

  private async run(): Promise<void> {
    let wait = RETRY_MIN_MS;
    let told = false; // that Redis cannot be reached, before it ever was
    while (!this.closed) {
      const s = (this.session = new Session(this.o));
      const why = await s.ended;
      if (this.closed) return;
      if (s.wasUp) (wait = RETRY_MIN_MS), this.o.onDown(why, true);
      else if (!told) (told = true), this.o.onDown(why, false);
      await new Promise((r) => setTimeout(r, wait).unref());
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }
}

class Timeout extends Error {}

/** `p`, or a rejection after `ms`; `p` failing later (its connection closed) is then nobody's concern. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  p.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`no answer to ${what} within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** One try: two connections, from connect to loss. */
class Session {
  up = false;
  wasUp = false;
  readonly ended: Promise<string>;
  private end!: (why: string) => void;
  private done = false;
  private cmd?: RedisClient;
  private sub?: RedisClient;
  private beat?: ReturnType<typeof setInterval>;
  private beating = false;
  private readonly ms: number;

  constructor(private readonly o: LinkOptions) {
    this.ms = o.timeoutMs ?? LINK_TIMEOUT_MS;
    this.ended = new Promise((resolve) => (this.end = resolve));
    void this.start();
  }

  private async start(): Promise<void> {
    try {
      const options = { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: this.ms };
      const cmd = (this.cmd = new RedisClient(this.o.url, options));
      const sub = (this.sub = new RedisClient(this.o.url, options));
      cmd.onclose = sub.onclose = () => this.drop("connection closed");
      await within(Promise.all([cmd.connect(), sub.connect()]), this.ms, "connect");
      await within(sub.subscribe(this.o.channel, (text) => this.o.onMessage(text)), this.ms, "SUBSCRIBE");
    } catch (e) {
      return this.drop((e as Error).message);
    }
    if (this.done) return;
    this.up = this.wasUp = true;
    this.beat = setInterval(() => this.heartbeat(), this.ms);
    this.beat.unref();
    this.o.onUp();
  }

  send(command: string, args: string[]): Promise<unknown> {
    return within(this.cmd!.send(command, args), this.ms, command).catch((e) => {
      if (e instanceof Timeout) this.drop(e.message);
      throw e;
    });
  }

  /** Both connections must answer a PING: the subscriber's is otherwise silent however dead it is. */
  private heartbeat(): void {
    if (this.beating || !this.up) return;
    this.beating = true;
    Promise.all([within(this.cmd!.ping(), this.ms, "PING"), within(this.sub!.ping(), this.ms, "PING")]).then(
      () => (this.beating = false),
      (e) => this.drop((e as Error).message),
    );
  }

  drop(why: string): void {
    if (this.done) return;
    this.done = true;
    this.up = false;
    clearInterval(this.beat);
    this.cmd?.close();
    this.sub?.close();
    this.end(why);
  }
}

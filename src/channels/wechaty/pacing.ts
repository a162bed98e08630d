/**
 * Send pacing for a personal WeChat account: WeChat restricts accounts that send like machines, so sends
 * keep a minimum gap per contact and stay within a per-account budget per minute and per day. Throttled
 * sends wait (they are never dropped); a stopped pacer rejects the waiting ones so the outbox retries them.
 */
export interface PacingOptions {
  /** Minimum time between two messages to the same contact. */
  minGapMs: number;
  /** Messages the account may send per minute (all contacts together). */
  perMinute: number;
  /** Messages the account may send per day (all contacts together). */
  perDay: number;
  /** Wall time in ms (injectable for tests). */
  now?: () => number;
  /** Sleeps ms, rejecting when the signal aborts (injectable for tests). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A token bucket: `capacity` tokens, refilled continuously at capacity per `periodMs`. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly periodMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.capacity) / this.periodMs);
    this.updatedAt = now;
  }

  /** Milliseconds until one token is available (0 = now). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) * this.periodMs) / this.capacity);
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }
}

export class PacerStoppedError extends Error {
  constructor() {
    super('send pacer stopped');
    this.name = 'PacerStoppedError';
  }
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new PacerStoppedError());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new PacerStoppedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export class SendPacer {
  private readonly lastSend = new Map<string, number>();
  private readonly minute: TokenBucket;
  private readonly day: TokenBucket;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private abort = new AbortController();

  constructor(private readonly opts: PacingOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? defaultSleep;
    this.minute = new TokenBucket(Math.max(1, opts.perMinute), 60_000, this.now());
    this.day = new TokenBucket(Math.max(1, opts.perDay), 86_400_000, this.now());
  }

  /** Milliseconds until a message to `key` may go out (0 = now). */
  delayFor(key: string): number {
    const now = this.now();
    const last = this.lastSend.get(key);
    const gap = last === undefined ? 0 : Math.max(0, last + this.opts.minGapMs - now);
    return Math.max(gap, this.minute.waitMs(now), this.day.waitMs(now));
  }

  /** Waits until a message to `key` may go out and books it. Rejects with PacerStoppedError on stop(). */
  async acquire(key: string): Promise<void> {
    const signal = this.abort.signal;
    for (;;) {
      if (signal.aborted) throw new PacerStoppedError();
      const wait = this.delayFor(key);
      if (wait <= 0) break;
      await this.sleep(wait, signal);
    }
    const now = this.now();
    this.minute.take(now);
    this.day.take(now);
    this.lastSend.set(key, now);
    if (this.lastSend.size > 10_000) this.prune(now);
  }

  /** Rejects every waiting acquire(); later calls work again (a restarted channel reuses the pacer). */
  stop(): void {
    this.abort.abort();
    this.abort = new AbortController();
  }

  private prune(now: number): void {
    for (const [k, t] of this.lastSend) if (now - t > this.opts.minGapMs) this.lastSend.delete(k);
  }
}

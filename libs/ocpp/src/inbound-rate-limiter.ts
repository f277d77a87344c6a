interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Paces the messages of each charger with a token bucket: `ratePerS` messages a second on average, bursts up
 * to `burst`, and up to `backlog` messages waiting their turn beyond that. A charger replaying its offline
 * queue is slowed down, not refused; one flooding us is refused past the backlog, so that it costs the
 * others nothing but the parsing.
 */
export class InboundRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly backlog: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** @returns how long to wait before handling the message, in ms; null to refuse it */
  reserve(key: string): number | null {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerS);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens - 1 < -this.backlog) return null;
    bucket.tokens -= 1;
    return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens / this.ratePerS) * 1000);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }
}

/**
 * Counts failed authentications per source address in a sliding window, so that guessing passwords or
 * identities costs a blocked address rather than a database lookup and a scrypt hash per try.
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(address: string): boolean {
    return this.recent(address).length >= this.maxFailures;
  }

  recordFailure(address: string): void {
    this.failures.set(address, [...this.recent(address), this.now()]);
  }

  /** The address's failures still in the window; forgets the address once it has none. */
  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    const recent = (this.failures.get(address) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(address);
    else this.failures.set(address, recent);
    return recent;
  }
}

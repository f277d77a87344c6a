export interface AuthThrottleSettings {
  /** Failures of one key within `windowMs` that block it. */
  maxFailures: number;
  windowMs: number;
  /** Each block of a key lasts twice its previous one, from `windowMs` up to this. */
  maxBlockMs: number;
}

/** Receives one line per key and window at most, however many failures there were. */
export type FailureReporter = (line: string) => void;

interface KeyState {
  failures: number[];
  blockedUntil: number;
  /** Blocks so far; the next lasts `windowMs · 2^blocks`. Forgotten once the key is quiet for `maxBlockMs`. */
  blocks: number;
  lastFailureAt: number;
  /** When a line about this key was last reported, and the failures not reported since. */
  reportedAt: number;
  unreported: number;
}

/** Keys kept before quiet ones are swept, so that addresses sprayed by an attacker cannot grow memory unbounded. */
const SWEEP_ABOVE_KEYS = 10_000;

/**
 * Counts failed authentications per key (an address, an address and identity, …) in a sliding window and
 * blocks a key that has too many, for a time that doubles with each block. Checked before the credential,
 * so that guessing costs a refusal rather than a database lookup or a hash, and failures are reported
 * summarised, so that guessing cannot flood the log either. Keys never hold a credential.
 */
export class AuthThrottle {
  private readonly keys = new Map<string, KeyState>();
  private lastSweepAt = -Infinity;

  constructor(
    private readonly settings: AuthThrottleSettings,
    private readonly report: FailureReporter,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the key may try again, or undefined when it is not blocked. */
  retryAfterS(key: string): number | undefined {
    const state = this.keys.get(key);
    const left = (state?.blockedUntil ?? 0) - this.now();
    return left > 0 ? Math.ceil(left / 1000) : undefined;
  }

  /**
   * Counts a failure of `key`; `what` says in the report what failed (never the credential). `maxFailures`
   * overrides the setting for keys that many clients share.
   */
  recordFailure(key: string, what: string, maxFailures = this.settings.maxFailures): void {
    const now = this.now();
    const state = this.stateOf(key, now);
    state.failures = [...this.recent(state, now), now];
    state.lastFailureAt = now;
    state.unreported += 1;
    if (state.failures.length >= maxFailures) this.block(key, state, what, now);
    else if (now - state.reportedAt >= this.settings.windowMs) this.reportFailures(key, state, what, now);
  }

  /** A correct credential: the key's failures and past blocks no longer count against it. */
  recordSuccess(key: string): void {
    this.keys.delete(key);
  }

  private block(key: string, state: KeyState, what: string, now: number): void {
    const durationMs = Math.min(this.settings.windowMs * 2 ** state.blocks, this.settings.maxBlockMs);
    state.blockedUntil = now + durationMs;
    state.blocks += 1;
    state.failures = [];
    this.reportFailures(key, state, `${what}, blocked for ${Math.ceil(durationMs / 1000)} s`, now);
  }

  private reportFailures(key: string, state: KeyState, what: string, now: number): void {
    this.report(`${key}: ${what} (${state.unreported} failure(s) since the last report)`);
    state.reportedAt = now;
    state.unreported = 0;
  }

  private stateOf(key: string, now: number): KeyState {
    let state = this.keys.get(key);
    if (state && this.isQuiet(state, now)) state.blocks = 0;
    if (!state) {
      if (this.keys.size >= SWEEP_ABOVE_KEYS) this.sweep(now);
      state = {
        failures: [],
        blockedUntil: 0,
        blocks: 0,
        lastFailureAt: 0,
        reportedAt: -Infinity,
        unreported: 0,
      };
      this.keys.set(key, state);
    }
    return state;
  }

  private recent(state: KeyState, now: number): number[] {
    return state.failures.filter((at) => at > now - this.settings.windowMs);
  }

  /** Neither blocked nor failing within the longest block: the key starts afresh. */
  private isQuiet(state: KeyState, now: number): boolean {
    return state.blockedUntil <= now && now - state.lastFailureAt > this.settings.maxBlockMs;
  }

  /** At most once per window, so that a spray of new keys does not cost a full scan each. */
  private sweep(now: number): void {
    if (now - this.lastSweepAt < this.settings.windowMs) return;
    this.lastSweepAt = now;
    for (const [key, state] of this.keys) {
      if (this.isQuiet(state, now)) this.keys.delete(key);
    }
  }
}

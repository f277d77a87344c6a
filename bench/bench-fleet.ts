import { LeanCharger, PayloadListener } from './lean-charger';

/** When the connectors reached a target limit, as the chargers saw it (performance.now() milliseconds). */
export interface Arrival {
  firstMs: number;
  lastMs: number;
  /** Connector profiles received meanwhile, duplicates included. */
  profiles: number;
}

interface Target {
  limit: number;
  missing: number;
  firstMs: number;
  profilesAtStart: number;
  resolve: (arrival: Arrival) => void;
}

/** Sockets opened at once: enough to keep the controller busy, few enough not to time out its answers. */
const CONNECT_PARALLELISM = 100;

/**
 * The benchmark's chargers, counted from their side: `expect(limit)` resolves once every connector's latest
 * accepted profile starts at `limit`.
 */
export class BenchFleet {
  readonly chargers: LeanCharger[];
  private profiles = 0;
  private target?: Target;

  constructor(endpoint: string, identities: string[], connectorCount: number, onPayload?: PayloadListener) {
    this.chargers = identities.map(
      (identity) =>
        new LeanCharger(
          endpoint,
          identity,
          connectorCount,
          (previous, limit) => this.onProfile(previous, limit),
          onPayload,
        ),
    );
  }

  get connectors(): number {
    return this.chargers.reduce((sum, charger) => sum + charger.connectorCount, 0);
  }

  /** Connectors not yet at the limit last expected. */
  get missing(): number {
    return this.target?.missing ?? 0;
  }

  /**
   * Connects every charger, `CONNECT_PARALLELISM` at a time, each reporting its connectors in `status`;
   * `opened` is told each charger's identity as its socket opens.
   */
  async connect(
    status: string,
    progress?: (done: number) => void,
    opened?: (identity: string) => void,
  ): Promise<void> {
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < this.chargers.length) {
        await this.chargers[next++].connect(status, opened);
        progress?.(++done);
      }
    };
    await Promise.all(Array.from({ length: CONNECT_PARALLELISM }, lane));
  }

  async report(status: string): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < this.chargers.length) await this.chargers[next++].report(status);
    };
    await Promise.all(Array.from({ length: CONNECT_PARALLELISM }, lane));
  }

  /**
   * Every charger sends `perCharger` calls one after the other, `message(charger, i)` giving the i-th,
   * `CONNECT_PARALLELISM` chargers at a time; resolves with the number of calls answered.
   */
  async sendEach(
    perCharger: number,
    message: (charger: LeanCharger, i: number) => [action: string, params: object],
  ): Promise<number> {
    let next = 0;
    let answered = 0;
    const lane = async () => {
      while (next < this.chargers.length) {
        const charger = this.chargers[next++];
        for (let i = 0; i < perCharger; i++) {
          await charger.send(...message(charger, i));
          answered++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECT_PARALLELISM }, lane));
    return answered;
  }

  /** Resolves once every connector's latest profile starts at `limit`. Call before causing it. */
  expect(limit: number): Promise<Arrival> {
    return new Promise((resolve) => {
      const missing = this.chargers.reduce(
        (sum, charger) => sum + charger.limits.filter((l, connector) => connector > 0 && l !== limit).length,
        0,
      );
      this.target = { limit, missing, firstMs: Number.NaN, profilesAtStart: this.profiles, resolve };
      this.settleIfDone(performance.now());
    });
  }

  /** Resolves once no charger has received a profile for `quietMs`. */
  async quiet(quietMs: number): Promise<void> {
    let seen = -1;
    while (seen !== this.profilesAllKinds()) {
      seen = this.profilesAllKinds();
      await new Promise((resolve) => setTimeout(resolve, quietMs));
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.chargers.map((charger) => charger.close()));
  }

  private profilesAllKinds(): number {
    return this.chargers.reduce((sum, charger) => sum + charger.profilesReceived, 0);
  }

  private onProfile(previous: number, limit: number): void {
    this.profiles++;
    const target = this.target;
    if (!target) return;
    const now = performance.now();
    if (Number.isNaN(target.firstMs)) target.firstMs = now;
    if (previous !== target.limit && limit === target.limit) target.missing--;
    else if (previous === target.limit && limit !== target.limit) target.missing++;
    this.settleIfDone(now);
  }

  private settleIfDone(now: number): void {
    const target = this.target;
    if (!target || target.missing > 0) return;
    this.target = undefined;
    target.resolve({
      firstMs: Number.isNaN(target.firstMs) ? now : target.firstMs,
      lastMs: now,
      profiles: this.profiles - target.profilesAtStart,
    });
  }
}

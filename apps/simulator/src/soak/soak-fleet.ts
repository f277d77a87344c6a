import { setTimeout as delay } from 'node:timers/promises';
import { SimulatedCharger, type SimulatedEv } from '../charger/simulated-charger';
import type { GridSafetyChecker } from '../safety/grid-safety-checker';
import type { PerPhase } from '../safety/safety-world';
import { seededRandom, type Random } from './seeded-random';
import { SOAK_VOLTAGE_V, type SoakCharger, type SoakScenario } from './soak-scenario';

/** An EV plugged in: what it still wants (Wh), until when it stays (ms), and its transaction. */
interface PluggedEv extends SimulatedEv {
  wantedWh: number;
  leaveAtMs: number;
  transactionId?: number | string;
}

interface SoakConnector {
  connectorId: number;
  phases: 1 | 3;
  maxCurrentA: number;
  registerWh: number;
  ev?: PluggedEv;
  /** When the next EV arrives on it, if it is free. */
  nextArrivalMs: number;
  lastMeterMs: number;
  /** Its own PRNG, so that its EVs do not depend on how the other connectors' turns interleave. */
  random: Random;
}

const SIMULATED_HOUR_MS = 3_600_000;

/**
 * One simulated charger of the soak: it connects (again, after the controller died) without booting twice,
 * replays EVs that arrive, draw what they are offered on their own phases (one, two or three of a connector's)
 * and leave, and tells the checker what it connected, accepted, refused, started, ended and measured. Every
 * exchange with the controller is queued, one at a time, as a charger's firmware does.
 */
class SoakStation {
  readonly charger: SimulatedCharger;
  readonly connectors: SoakConnector[];
  connected = false;
  private booted = false;
  private queue: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(
    readonly spec: SoakCharger,
    endpoint: string,
    private readonly checker: GridSafetyChecker,
    private readonly scenario: SoakScenario,
    startMs: number,
  ) {
    this.charger = new SimulatedCharger({
      endpoint,
      identity: spec.identity,
      ocppVersion: spec.ocppVersion,
      connectorCount: spec.connectors.length,
      callTimeoutMs: 30_000,
      ...spec.simulator,
      onProfileAnswer: (profile, _status, applied) =>
        checker.profileAnswered(Date.now(), spec.identity, profile, applied ? 'Accepted' : 'Refused'),
    });
    if (spec.profileAnswer) this.charger.profileAnswer = spec.profileAnswer;
    this.connectors = spec.connectors.map((c, i) => {
      const random = seededRandom(scenario.seed ^ hash(`${spec.identity}#${i + 1}`));
      return {
        connectorId: i + 1,
        ...c,
        registerWh: 0,
        nextArrivalMs: startMs + this.nextArrivalInMs(random),
        lastMeterMs: startMs,
        random,
      };
    });
  }

  /** Connects until the controller answers; boots only the first time (a reconnection is not a reboot). */
  async connect(): Promise<void> {
    for (;;) {
      try {
        await this.charger.connect();
        break;
      } catch {
        await delay(1_000);
      }
    }
    this.checker.connected(Date.now(), this.spec.identity);
    if (!this.booted) {
      await this.charger.boot();
      this.booted = true;
    }
    for (const connector of this.connectors) await this.reportStatus(connector);
    this.connected = true;
    void this.charger.waitForDisconnect().then(() => this.onDisconnect());
  }

  /** Plugs in, unplugs and meters what is due by now. */
  tick(nowMs: number): void {
    if (!this.connected) return;
    this.enqueue(async () => {
      for (const connector of this.connectors) {
        if (connector.ev && (connector.ev.wantedWh <= 0 || connector.ev.leaveAtMs <= nowMs)) {
          await this.unplug(connector);
        } else if (!connector.ev && connector.nextArrivalMs <= nowMs) {
          await this.plugIn(connector, nowMs);
        }
        if (connector.ev && nowMs - connector.lastMeterMs >= this.scenario.meterIntervalMs) {
          await this.meter(connector, nowMs);
        }
      }
    });
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.charger.close().catch(() => undefined);
  }

  private onDisconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    // Chained, so that nothing else runs against the closed socket meanwhile.
    this.enqueue(() => this.connect());
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch(() => undefined);
  }

  private async plugIn(connector: SoakConnector, nowMs: number): Promise<void> {
    const ev = this.newEv(connector, nowMs);
    const idToken = `EV-${this.spec.identity}-${++this.sequence}`;
    if (this.charger.ocppVersion === '2.0.1') {
      ev.transactionId = `${this.spec.identity}-${this.sequence}`;
      await this.charger.transactionEvent('Started', {
        transactionId: ev.transactionId,
        evseId: connector.connectorId,
        idToken,
        chargingState: 'Charging',
        readings: { energyWh: Math.round(connector.registerWh) },
      });
      connector.ev = ev;
      await this.charger.statusNotification(connector.connectorId, 'Occupied');
    } else {
      await this.charger.statusNotification(connector.connectorId, 'Preparing');
      ev.transactionId = await this.charger.startTransaction(
        connector.connectorId,
        idToken,
        Math.round(connector.registerWh),
      );
      connector.ev = ev;
      await this.charger.statusNotification(connector.connectorId, 'Charging');
    }
    this.checker.transaction(Date.now(), this.spec.identity, connector.connectorId, true);
    connector.lastMeterMs = nowMs;
  }

  private async unplug(connector: SoakConnector): Promise<void> {
    const ev = connector.ev!;
    connector.ev = undefined;
    connector.nextArrivalMs = Date.now() + this.nextArrivalInMs(connector.random);
    const meterStopWh = Math.round(connector.registerWh);
    this.checker.transaction(Date.now(), this.spec.identity, connector.connectorId, false);
    if (this.charger.ocppVersion === '2.0.1') {
      await this.charger.transactionEvent('Ended', {
        transactionId: String(ev.transactionId),
        stoppedReason: 'EVDisconnected',
        readings: { energyWh: meterStopWh },
      });
      await this.charger.statusNotification(connector.connectorId, 'Available');
      return;
    }
    await this.charger.stopTransaction(Number(ev.transactionId), meterStopWh, 'EVDisconnected');
    await this.charger.statusNotification(connector.connectorId, 'Available');
  }

  /** The EV draws what the charger offers it (its own maximum at most) on its phases, since the last reading. */
  private async meter(connector: SoakConnector, nowMs: number): Promise<void> {
    const ev = connector.ev!;
    const offeredA =
      this.charger.offeredCurrentA(connector.connectorId, new Date(nowMs)) ?? connector.maxCurrentA;
    const drawnA = Math.min(offeredA, ev.maxCurrentA, connector.maxCurrentA);
    const currentA = ev.phases.map((on) => (on ? drawnA : 0)) as PerPhase;
    const phasesUsed = ev.phases.filter(Boolean).length;
    const energyWh =
      (drawnA * SOAK_VOLTAGE_V * phasesUsed * (nowMs - connector.lastMeterMs) * this.scenario.speed) /
      SIMULATED_HOUR_MS;
    connector.registerWh += energyWh;
    ev.wantedWh -= energyWh;
    connector.lastMeterMs = nowMs;
    this.checker.draw(Date.now(), this.spec.identity, connector.connectorId, currentA);
    await this.charger.meterValues(connector.connectorId, {
      currentA,
      powerW: Math.round(drawnA * SOAK_VOLTAGE_V * phasesUsed),
      energyWh: Math.round(connector.registerWh),
      offeredCurrentA: offeredA,
      ...(typeof ev.transactionId === 'number' && { transactionId: ev.transactionId }),
    });
  }

  private async reportStatus(connector: SoakConnector): Promise<void> {
    if (this.charger.ocppVersion === '2.0.1') {
      await this.charger.statusNotification(connector.connectorId, connector.ev ? 'Occupied' : 'Available');
    } else {
      await this.charger.statusNotification(connector.connectorId, connector.ev ? 'Charging' : 'Available');
    }
  }

  /** 5–40 kWh, staying 2–10 simulated hours; on a three-phase connector, 1, 2 or 3 phases of it. */
  private newEv(connector: SoakConnector, nowMs: number): PluggedEv {
    const random = connector.random;
    const stayMs = ((2 + random() * 8) * SIMULATED_HOUR_MS) / this.scenario.speed;
    const draw = random();
    const phaseCount = connector.phases === 1 ? 1 : draw < 0.2 ? 1 : draw < 0.3 ? 2 : 3;
    return {
      maxCurrentA: random() < 0.5 ? 16 : 32,
      phases: [true, phaseCount >= 2, phaseCount === 3],
      wantedWh: 5_000 + random() * 35_000,
      leaveAtMs: nowMs + stayMs,
    };
  }

  /** Free connectors wait the scenario's `arrivalHours` (simulated) for their next EV. */
  private nextArrivalInMs(random: Random): number {
    const [from, to] = this.scenario.arrivalHours;
    return ((from + random() * (to - from)) * SIMULATED_HOUR_MS) / this.scenario.speed;
  }
}

/** FNV-1a: a connector's own seed from its name. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Every charger of the scenario, connected a few at a time and ticked together. */
export class SoakFleet {
  private readonly stations: SoakStation[];

  constructor(scenario: SoakScenario, endpoint: string, checker: GridSafetyChecker, startMs: number) {
    this.stations = scenario.sites.flatMap((site) =>
      site.chargers.map((spec) => new SoakStation(spec, endpoint, checker, scenario, startMs)),
    );
  }

  get chargers(): SimulatedCharger[] {
    return this.stations.map((s) => s.charger);
  }

  get connectedCount(): number {
    return this.stations.filter((s) => s.connected).length;
  }

  async connect(parallel = 10): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < this.stations.length) await this.stations[next++].connect();
    };
    await Promise.all(Array.from({ length: parallel }, lane));
  }

  tick(nowMs: number): void {
    for (const station of this.stations) station.tick(nowMs);
  }

  /** EVs plugged in now. */
  get evs(): number {
    return this.stations.reduce((n, s) => n + s.connectors.filter((c) => c.ev).length, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.stations.map((s) => s.close()));
  }
}

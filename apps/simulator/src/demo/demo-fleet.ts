import { CurrentNoise, noisyCurrents, SimulatedCharger } from '../charger/simulated-charger';
import type { AdminClient } from './admin-client';
import type { ReplayedSession } from './sessions';

const VOLTAGE_V = 230;

/** Meters misread as real ones do: a few tenths of an ampere, now and then a phase in use reading ~0 A. */
const DEMO_CURRENT_NOISE: CurrentNoise = { amplitudeA: 0.4, dropoutProbability: 0.05 };

/** Every this many arrivals, an EV with a single-phase on-board charger (on its charger's L1). */
const SINGLE_PHASE_EV_EVERY = 4;

interface ConnectorSpec {
  phases: 1 | 3;
  maxCurrentA: number;
}

interface ChargerSpec {
  identity: string;
  ocppVersion: '1.6' | '2.0.1';
  phaseRotation?: ['L1' | 'L2' | 'L3', 'L1' | 'L2' | 'L3', 'L1' | 'L2' | 'L3'];
  connectors: ConnectorSpec[];
}

export interface SiteSpec {
  name: string;
  groupId: string;
  gridLimitA: number;
  chargers: ChargerSpec[];
}

/** Three sites on two DSO groups: 1.6 and 2.0.1, three-phase and single-phase wired across the phases. */
export const DEMO_SITES: SiteSpec[] = [
  {
    name: 'Garage North',
    groupId: 'grp-north',
    gridLimitA: 80,
    chargers: ['N-1', 'N-2', 'N-3', 'N-4'].map((identity) => ({
      identity,
      ocppVersion: '1.6' as const,
      connectors: [{ phases: 3 as const, maxCurrentA: 32 }],
    })),
  },
  {
    name: 'Garage South',
    groupId: 'grp-north',
    gridLimitA: 63,
    chargers: [
      {
        identity: 'S-1',
        ocppVersion: '2.0.1',
        phaseRotation: ['L1', 'L2', 'L3'],
        connectors: [{ phases: 1, maxCurrentA: 32 }],
      },
      {
        identity: 'S-2',
        ocppVersion: '2.0.1',
        phaseRotation: ['L2', 'L3', 'L1'],
        connectors: [{ phases: 1, maxCurrentA: 32 }],
      },
      {
        identity: 'S-3',
        ocppVersion: '2.0.1',
        phaseRotation: ['L3', 'L1', 'L2'],
        connectors: [{ phases: 1, maxCurrentA: 32 }],
      },
      { identity: 'S-4', ocppVersion: '2.0.1', connectors: [{ phases: 3, maxCurrentA: 32 }] },
    ],
  },
  {
    name: 'Visitor Lot',
    groupId: 'grp-visitor',
    gridLimitA: 40,
    chargers: [
      {
        identity: 'V-1',
        ocppVersion: '1.6',
        connectors: [
          { phases: 1, maxCurrentA: 32 },
          { phases: 1, maxCurrentA: 32 },
        ],
        phaseRotation: ['L2', 'L3', 'L1'],
      },
      {
        identity: 'V-2',
        ocppVersion: '1.6',
        connectors: [
          { phases: 3, maxCurrentA: 16 },
          { phases: 3, maxCurrentA: 16 },
        ],
      },
    ],
  },
];

/** An EV plugged in: what it wants, what it took, and the transaction that records it. */
interface PluggedEv {
  session: ReplayedSession;
  /** The charger phases it draws on. */
  phases: [boolean, boolean, boolean];
  transactionId: number | string;
  deliveredWh: number;
  full: boolean;
}

interface DemoConnector {
  charger: SimulatedCharger;
  connectorId: number;
  spec: ConnectorSpec;
  registerWh: number;
  ev?: PluggedEv;
}

export interface FleetStats {
  chargers: number;
  charging: number;
  full: number;
  arrived: number;
  left: number;
  turnedAway: number;
  profiles: number;
}

/**
 * The demo's chargers and the EVs that come and go on them: each recorded session takes the first free
 * connector (or is turned away), draws what its connector is offered until it has the energy it took in
 * reality, and leaves at its recorded departure.
 */
export class DemoFleet {
  private readonly chargers: SimulatedCharger[] = [];
  private readonly connectors: DemoConnector[] = [];
  private readonly pending: ReplayedSession[];
  private arrived = 0;
  private left = 0;
  private turnedAway = 0;

  constructor(sessions: ReplayedSession[]) {
    this.pending = [...sessions].sort((a, b) => a.arriveAtMs - b.arriveAtMs);
  }

  /**
   * Creates the sites and chargers through the admin API; returns the site ids by name. With `upstreamUrl`
   * (proxy mode), it is every site's default upstream: each charger's messages are forwarded to it.
   */
  static async configure(admin: AdminClient, upstreamUrl?: string): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const site of DEMO_SITES) {
      const limit = { l1: site.gridLimitA, l2: site.gridLimitA, l3: site.gridLimitA };
      const created = await admin.post<{ id: string }>('/api/v1/sites', {
        name: site.name,
        groupId: site.groupId,
        nominalVoltageV: VOLTAGE_V,
        gridLimitA: limit,
        timeZone: 'America/Los_Angeles',
        ...(upstreamUrl !== undefined && { upstreamUrl }),
      });
      ids.set(site.name, created.id);
      for (const charger of site.chargers) {
        await admin.post(`/api/v1/sites/${created.id}/chargers`, {
          identity: charger.identity,
          ocppVersion: charger.ocppVersion,
          ...(charger.phaseRotation && { phaseRotation: charger.phaseRotation }),
          connectors: charger.connectors.map((c, i) => ({ connectorId: i + 1, ...c })),
        });
      }
    }
    return ids;
  }

  /** Connects every charger; connectors are taken in turn across the sites so that each gets EVs. */
  async connect(endpoint: string): Promise<void> {
    const perSite: DemoConnector[][] = [];
    for (const site of DEMO_SITES) {
      const own: DemoConnector[] = [];
      for (const spec of site.chargers) {
        const charger = new SimulatedCharger({
          endpoint,
          identity: spec.identity,
          ocppVersion: spec.ocppVersion,
          connectorCount: spec.connectors.length,
          vendor: 'gridflex-demo',
        });
        await charger.connect();
        await charger.boot();
        this.chargers.push(charger);
        for (const [i, connector] of spec.connectors.entries()) {
          await charger.statusNotification(i + 1, 'Available');
          own.push({ charger, connectorId: i + 1, spec: connector, registerWh: 0 });
        }
      }
      perSite.push(own);
    }
    const longest = Math.max(...perSite.map((own) => own.length));
    for (let i = 0; i < longest; i++) for (const own of perSite) if (own[i]) this.connectors.push(own[i]);
  }

  /** Plugs in the EVs that have arrived and unplugs those that have left, by the demo's clock. */
  async replay(elapsedMs: number): Promise<void> {
    for (const connector of this.connectors) {
      if (connector.ev && connector.ev.session.leaveAtMs <= elapsedMs) await this.unplug(connector);
    }
    while (this.pending.length > 0 && this.pending[0].arriveAtMs <= elapsedMs) {
      const session = this.pending.shift()!;
      if (session.leaveAtMs <= elapsedMs) continue;
      const free = this.connectors.find((c) => !c.ev);
      if (free) await this.plugIn(free, session);
      else this.turnedAway++;
    }
  }

  /** Every EV draws what it is offered for `intervalS` real seconds, `speed` times as long simulated. */
  async meter(intervalS: number, speed: number): Promise<void> {
    for (const connector of this.connectors) {
      const { ev, spec, charger, connectorId } = connector;
      const offered = charger.offeredCurrentA(connectorId) ?? spec.maxCurrentA;
      const currentA = ev && !ev.full ? Math.min(offered, spec.maxCurrentA) : 0;
      const drawing = ev?.phases ?? evPhases(spec, 0);
      const phaseCount = drawing.filter(Boolean).length;
      const energyWh = (currentA * VOLTAGE_V * phaseCount * intervalS * speed) / 3600;
      connector.registerWh += energyWh;
      if (ev) await this.charged(connector, ev, energyWh);
      const phases = drawing.map((used) => (used ? currentA : 0)) as [number, number, number];
      await charger.meterValues(connectorId, {
        currentA: noisyCurrents(phases, DEMO_CURRENT_NOISE),
        powerW: currentA * VOLTAGE_V * phaseCount,
        energyWh: Math.round(connector.registerWh),
        ...(ev && typeof ev.transactionId === 'number' && { transactionId: ev.transactionId }),
      });
    }
  }

  stats(): FleetStats {
    const evs = this.connectors.flatMap((c) => (c.ev ? [c.ev] : []));
    return {
      chargers: this.chargers.length,
      charging: evs.filter((ev) => !ev.full).length,
      full: evs.filter((ev) => ev.full).length,
      arrived: this.arrived,
      left: this.left,
      turnedAway: this.turnedAway,
      profiles: this.chargers.reduce((sum, c) => sum + c.receivedProfiles.length, 0),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.chargers.map((c) => c.close()));
  }

  private async plugIn(connector: DemoConnector, session: ReplayedSession): Promise<void> {
    const { charger, connectorId } = connector;
    this.arrived++;
    const phases = evPhases(connector.spec, this.arrived);
    if (charger.ocppVersion === '2.0.1') {
      const transactionId = `demo-${session.id.replace(/[^\w-]/g, '').slice(-24)}`;
      connector.ev = { session, phases, transactionId, deliveredWh: 0, full: false };
      await charger.transactionEvent('Started', {
        transactionId,
        evseId: connectorId,
        idToken: `EV-${this.arrived}`,
        chargingState: 'Charging',
        readings: { energyWh: Math.round(connector.registerWh) },
      });
      await charger.statusNotification(connectorId, 'Occupied');
      return;
    }
    await charger.statusNotification(connectorId, 'Preparing');
    const transactionId = await charger.startTransaction(
      connectorId,
      `EV-${this.arrived}`,
      Math.round(connector.registerWh),
    );
    connector.ev = { session, phases, transactionId, deliveredWh: 0, full: false };
    await charger.statusNotification(connectorId, 'Charging');
  }

  /** Counts the energy; a full EV stops drawing, as it does in reality before it leaves. */
  private async charged(connector: DemoConnector, ev: PluggedEv, energyWh: number): Promise<void> {
    ev.deliveredWh += energyWh;
    if (ev.full || ev.deliveredWh < ev.session.energyWh) return;
    ev.full = true;
    const { charger, connectorId } = connector;
    if (charger.ocppVersion === '2.0.1') {
      await charger.transactionEvent('Updated', {
        transactionId: String(ev.transactionId),
        chargingState: 'SuspendedEV',
        triggerReason: 'ChargingStateChanged',
      });
    } else await charger.statusNotification(connectorId, 'SuspendedEV');
  }

  private async unplug(connector: DemoConnector): Promise<void> {
    const { charger, connectorId, ev } = connector;
    if (!ev) return;
    connector.ev = undefined;
    this.left++;
    const meterStopWh = Math.round(connector.registerWh);
    if (charger.ocppVersion === '2.0.1') {
      await charger.transactionEvent('Ended', {
        transactionId: String(ev.transactionId),
        stoppedReason: 'EVDisconnected',
        readings: { energyWh: meterStopWh },
      });
      await charger.statusNotification(connectorId, 'Available');
      return;
    }
    await charger.stopTransaction(Number(ev.transactionId), meterStopWh, 'EVDisconnected');
    await charger.statusNotification(connectorId, 'Available');
  }
}

/** The charger phases an EV draws on: all its connector's, but every few arrivals a single-phase EV. */
function evPhases(spec: ConnectorSpec, arrival: number): [boolean, boolean, boolean] {
  const singlePhase = spec.phases === 1 || (arrival > 0 && arrival % SINGLE_PHASE_EV_EVERY === 0);
  return singlePhase ? [true, false, false] : [true, true, true];
}

import { randomBytes } from 'node:crypto';
import { SimulatedDso } from '../dso/simulated-dso';
import type { AdminClient } from './admin-client';
import type { DemoSettings } from './demo-settings';

const HEARTBEAT_S = 10;
const BLOCK_MS = 3_600_000;

/** Per group, per phase in A: the normal capacity; half of it during the curtailment; the fallback. */
export const DEMO_GROUPS = [
  { groupId: 'grp-north', capacityA: 100, fallbackA: 40 },
  { groupId: 'grp-visitor', capacityA: 32, fallbackA: 16 },
];

interface ForecastBlock {
  capacity: number;
  phase: string;
  unit: string;
  start_time: string;
  end_time: string;
}

/**
 * The DSO as a full OSCP Capacity Provider: it is configured through the admin API, registers (token swap),
 * hand-shakes asking for heartbeats and measurements, sends a 24-hour forecast per group with a 50 %
 * curtailment window and a fallback forecast, later goes silent (the controller falls back) and comes back
 * with a new handshake. Its timeline runs on the wall clock: the controller plans in real time.
 */
export class DemoDso {
  forecastsSent = 0;
  private silent = false;
  private readonly dso: SimulatedDso;

  private constructor(dso: SimulatedDso) {
    this.dso = dso;
  }

  static async start(admin: AdminClient, baseUrl: string): Promise<DemoDso> {
    const token = randomBytes(24).toString('base64url');
    const groupIds = DEMO_GROUPS.map((group) => group.groupId);
    await admin.post('/api/v1/dso-peers', { name: 'demo-dso', token, groupIds });
    const demo = new DemoDso(new SimulatedDso({ baseUrl: `${baseUrl}/oscp/fp/2.0`, token }));
    await demo.dso.listen();
    const registered = await demo.dso.register();
    if (registered.status !== 204) throw new Error(`DSO register: HTTP ${registered.status}`);
    await demo.dso.waitFor('register');
    await demo.handshake();
    return demo;
  }

  get isSilent(): boolean {
    return this.silent;
  }

  /** What the controller sent the DSO so far, by message (heartbeats, measurements…). */
  receivedCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const message of this.dso.received) counts[message.path] = (counts[message.path] ?? 0) + 1;
    return counts;
  }

  /** 24 hours of hourly blocks from now, at half the capacity in the curtailment window; and the fallback. */
  async sendForecasts(startMs: number, settings: DemoSettings): Promise<void> {
    const curtailFrom = startMs + settings.curtailAtS * 1000;
    const curtailTo = curtailFrom + settings.curtailForS * 1000;
    const edges = [startMs, curtailFrom, curtailTo];
    for (let t = startMs + BLOCK_MS; t < startMs + 24 * BLOCK_MS; t += BLOCK_MS) edges.push(t);
    edges.push(startMs + 24 * BLOCK_MS);
    const instants = [...new Set(edges)].sort((a, b) => a - b);
    for (const group of DEMO_GROUPS) {
      const blocks = instants.slice(0, -1).map((from, i) => {
        const curtailed = from >= curtailFrom && from < curtailTo;
        return block(curtailed ? group.capacityA / 2 : group.capacityA, from, instants[i + 1]);
      });
      await this.send(group.groupId, 'CONSUMPTION', blocks);
      await this.send(group.groupId, 'FALLBACK_CONSUMPTION', [
        block(group.fallbackA, startMs, startMs + 24 * BLOCK_MS),
      ]);
    }
  }

  /** No more heartbeats: the controller declares the link OFFLINE when `offline_mode_at` passes. */
  goSilent(): void {
    this.silent = true;
    this.dso.stopHeartbeats();
  }

  /** A new handshake brings the link back ONLINE. */
  async comeBack(): Promise<void> {
    this.silent = false;
    await this.handshake();
  }

  async close(): Promise<void> {
    await this.dso.close();
  }

  private async handshake(): Promise<void> {
    const reply = await this.dso.handshake({
      heartbeat_interval: HEARTBEAT_S,
      measurement_configuration: ['CONTINUOUS'],
    });
    if (reply.status !== 204) throw new Error(`DSO handshake: HTTP ${reply.status}`);
    this.dso.startHeartbeats(HEARTBEAT_S * 1000, 3);
  }

  private async send(groupId: string, type: string, blocks: ForecastBlock[]): Promise<void> {
    const reply = await this.dso.sendCapacityForecast({ groupId, type, blocks });
    if (reply.status !== 204) throw new Error(`DSO ${type} forecast for ${groupId}: HTTP ${reply.status}`);
    this.forecastsSent++;
  }
}

function block(capacity: number, fromMs: number, toMs: number): ForecastBlock {
  return {
    capacity,
    phase: 'ALL',
    unit: 'A',
    start_time: new Date(fromMs).toISOString(),
    end_time: new Date(toMs).toISOString(),
  };
}

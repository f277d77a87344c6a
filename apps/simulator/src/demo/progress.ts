import type { UpstreamCsms } from '../upstream/upstream-csms';
import type { AdminClient } from './admin-client';
import type { DemoDso } from './demo-dso';
import type { FleetStats } from './demo-fleet';

type Phases = [number | null, number | null, number | null];

/** The part of the dashboard's snapshot (`GET /dashboard/api/snapshot`) the terminal shows. */
interface Snapshot {
  peers: { name: string; link: string; lastHeartbeatAt: string | null }[];
  groups: { groupId: string; capacityNowA: Phases; measuredNowA: Phases; plannedNowA: Phases }[];
  sites: {
    name: string;
    gridLimitA: Phases;
    measuredNowA: Phases;
    plannedNowA: Phases;
    connectors: { chargerConnected: boolean; chargerIdentity: string }[];
  }[];
}

const amps = (values: Phases) => values.map((a) => (a === null ? '∞' : a.toFixed(0).padStart(3))).join('/');

/** One block of progress: the demo clock, the DSO link, the fleet, and load against limit per group and site. */
export async function printProgress(
  admin: AdminClient,
  dso: DemoDso,
  fleet: FleetStats,
  clock: string,
  elapsedS: number,
): Promise<void> {
  const snapshot = await admin.get<Snapshot>('/dashboard/api/snapshot');
  const identities = new Map<string, boolean>();
  for (const c of snapshot.sites.flatMap((s) => s.connectors))
    identities.set(c.chargerIdentity, c.chargerConnected);
  const connected = [...identities.values()].filter(Boolean).length;
  const received = dso.receivedCounts();
  const peers = snapshot.peers
    .map(
      (p) =>
        `DSO ${p.name} ${p.link}${dso.isSilent ? ' (silent now)' : ''}, last heartbeat ${ago(p.lastHeartbeatAt)}`,
    )
    .join('; ');
  console.log(
    `\n[${clock} simulated · ${Math.floor(elapsedS / 60)}m${String(Math.floor(elapsedS % 60)).padStart(2, '0')}s] ` +
      `${peers} · forecasts sent ${dso.forecastsSent} · DSO received ${received.heartbeat ?? 0} heartbeats, ` +
      `${received.update_group_measurements ?? 0} measurements`,
  );
  console.log(
    `  chargers ${connected}/${identities.size} connected · EVs ${fleet.charging} charging, ${fleet.full} full, ` +
      `${fleet.left} left, ${fleet.turnedAway} turned away · profiles pushed ${fleet.profiles}`,
  );
  for (const g of snapshot.groups) {
    console.log(
      `  group ${g.groupId.padEnd(12)} measured ${amps(g.measuredNowA)} A · planned ${amps(g.plannedNowA)} A · ` +
        `DSO capacity ${amps(g.capacityNowA)} A`,
    );
  }
  for (const s of snapshot.sites) {
    console.log(
      `  site  ${s.name.padEnd(12)} measured ${amps(s.measuredNowA)} A · planned ${amps(s.plannedNowA)} A · ` +
        `grid limit ${amps(s.gridLimitA)} A`,
    );
  }
}

/** The upstream CSMS's part of the progress, in proxy mode: who is connected to it and what it received. */
export function upstreamProgress(csms: UpstreamCsms): string {
  return `  upstream CSMS ${csms.connected.size} chargers connected · received ${csms.summary()}`;
}

function ago(iso: string | null): string {
  return iso ? `${Math.round((Date.now() - Date.parse(iso)) / 1000)} s ago` : 'never';
}

import type { AddressInfo } from 'node:net';
import { RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { eq } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { answerAsAcceptingCsms, SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

const IDENTITY = 'UP-MAX-16';
/** What the site gives each of the two sessions without an upstream bound. */
const GRID_SHARE_A = 20;
/** The upstream's charger maximum: first above one connector's share, then below what both were planned. */
const FIRST_MAX_A = 30;
const LATER_MAX_A = 12;
/** When the upstream's charger maximum drops, counted from its start. */
const DROP_AFTER_S = 20;
const WAIT_MS = 60_000;

type Schedule = { startSchedule: string; chargingSchedulePeriod: { startPeriod: number; limit: number }[] };
type Received = { connectorId: number; purpose: string; schedule: Schedule };

/** The limit a received schedule sets at `atMs` (the last period holds for good); undefined before it starts. */
function limitAt(schedule: Schedule, atMs: number): number | undefined {
  const elapsedS = (atMs - Date.parse(schedule.startSchedule)) / 1000;
  return schedule.chargingSchedulePeriod.filter((p) => p.startPeriod <= elapsedS).at(-1)?.limit;
}

describe('proxy mode: the upstream’s charger maximum holds for the whole charger at every instant', () => {
  let database: { url: string; drop(): Promise<void> };
  let controller: TestController;
  let upstreamServer: RPCServer;
  let upstream: RPCServerClient | undefined;
  let charger: SimulatedCharger;
  let chargerId: string;
  /** Every SetChargingProfile the charger got, in order. */
  const received: Received[] = [];

  const latest = (match: (r: Received) => boolean) => received.filter(match).at(-1);
  const connectorLimitNow = (connectorId: number) => {
    const profile = latest((r) => r.connectorId === connectorId);
    return profile && limitAt(profile.schedule, Date.now());
  };

  beforeAll(async () => {
    database = await createSharedPostgresDatabase();
    upstreamServer = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
    upstreamServer.on('client', (client: RPCServerClient) => {
      upstream = client;
      answerAsAcceptingCsms(client, 7000);
    });
    const http = await upstreamServer.listen(0, '127.0.0.1');
    const upstreamUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/csms`;
    controller = await startController({ DATABASE_URL: database.url });
    const siteLimitA = 2 * GRID_SHARE_A;
    const { body } = await controller.admin
      .post('/api/v1/sites', {
        name: 'Proxied, two connectors',
        nominalVoltageV: 230,
        gridLimitA: { l1: siteLimitA, l2: siteLimitA, l3: siteLimitA },
      })
      .expect(201);
    chargerId = await registerCharger(controller, body.id as string, IDENTITY, {
      upstreamUrl,
      connectors: [
        { connectorId: 1, maxCurrentA: 32, phases: 3 },
        { connectorId: 2, maxCurrentA: 32, phases: 3 },
      ],
    });
    charger = await connectCharger(controller, IDENTITY, {
      connectorCount: 2,
      profileAnswerFor: (payload) => {
        const { connectorId, csChargingProfiles } = payload as {
          connectorId: number;
          csChargingProfiles: { chargingProfilePurpose: string; chargingSchedule: Schedule };
        };
        const { chargingProfilePurpose: purpose, chargingSchedule: schedule } = csChargingProfiles;
        received.push({ connectorId, purpose, schedule });
        return 'Accepted';
      },
    });
    await charger.boot();
    for (const connectorId of [1, 2]) {
      await charger.statusNotification(connectorId, 'Preparing');
      await charger.startTransaction(connectorId, `CARD-${connectorId}`, 0);
      await charger.statusNotification(connectorId, 'Charging');
    }
    await waitFor(
      () =>
        Promise.resolve(
          connectorLimitNow(1) === GRID_SHARE_A && connectorLimitNow(2) === GRID_SHARE_A ? true : undefined,
        ),
      WAIT_MS / 100,
    );
  }, 120_000);

  afterAll(async () => {
    await charger?.close();
    await controller?.app.close();
    await upstreamServer?.close({ force: true });
    await database?.drop();
  });

  it('keeps the station maximum and the connectors together under a charger maximum that drops later', async () => {
    const startMs = Math.floor(Date.now() / 1000) * 1000;
    const boundAt = (atMs: number) => (atMs < startMs + DROP_AFTER_S * 1000 ? FIRST_MAX_A : LATER_MAX_A);
    const answer = await waitFor(() => Promise.resolve(upstream)).then((side) =>
      side.call('SetChargingProfile', {
        connectorId: 0,
        csChargingProfiles: {
          chargingProfileId: 900,
          stackLevel: 1,
          chargingProfilePurpose: 'ChargePointMaxProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: {
            chargingRateUnit: 'A',
            startSchedule: new Date(startMs).toISOString(),
            chargingSchedulePeriod: [
              { startPeriod: 0, limit: FIRST_MAX_A },
              { startPeriod: DROP_AFTER_S, limit: LATER_MAX_A },
            ],
          },
        },
      }),
    );
    expect(answer).toEqual({ status: 'Accepted' });

    const stationMax = latest((r) => r.purpose === 'ChargePointMaxProfile')!;
    const connectors = [1, 2].map((id) => latest((r) => r.connectorId === id)!);
    // Planned under 30 A now: together below it, each 15 A.
    expect(connectors.map((profile) => limitAt(profile.schedule, Date.now()))).toEqual([15, 15]);
    // Every second of the next ten minutes (and the tails after), before and after the drop.
    for (let atMs = Date.now(); atMs < startMs + 600_000; atMs += 1000) {
      expect(limitAt(stationMax.schedule, atMs)).toBeLessThanOrEqual(boundAt(atMs));
      const together = connectors.reduce((sum, profile) => sum + (limitAt(profile.schedule, atMs) ?? 0), 0);
      expect(together).toBeLessThanOrEqual(boundAt(atMs));
    }
    const afterDrop = startMs + DROP_AFTER_S * 1000;
    expect(limitAt(stationMax.schedule, afterDrop)).toBe(LATER_MAX_A);
    expect(connectors.map((profile) => limitAt(profile.schedule, afterDrop))).toEqual([6, 6]);
  });

  it('plans again once the upstream’s charger maximum has dropped', async () => {
    const db = controller.app.get<Database>(DATABASE);
    const planNow = async () => {
      const rows = await db
        .select({ periods: schema.connectorPlans.periods })
        .from(schema.connectorPlans)
        .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
        .where(eq(schema.connectors.chargerId, chargerId));
      const nowMs = Date.now();
      return rows.map(
        ({ periods }) =>
          periods.find((p) => Date.parse(p.start) <= nowMs && (p.end === null || nowMs < Date.parse(p.end)))
            ?.limitA ?? 0,
      );
    };
    // The pushed schedules already follow the drop; the plan itself (what the planner shares out) only
    // follows it when planning runs again at the drop.
    const planned = await waitFor(
      async () => {
        const limits = await planNow();
        const total = limits.reduce((sum, limitA) => sum + limitA, 0);
        return limits.length === 2 && total <= LATER_MAX_A ? limits : undefined;
      },
      (DROP_AFTER_S * 1000 + WAIT_MS) / 100,
    );
    expect(planned.reduce((sum, limitA) => sum + limitA, 0)).toBeLessThanOrEqual(LATER_MAX_A);
  }, 120_000);
});

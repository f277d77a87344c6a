import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { AppModule } from '../src/app.module';

const API_KEY = randomBytes(24).toString('hex');
const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-e2e';
const SITE_LIMIT_A = 40;

type Period = { startPeriod: number; limit: number; numberPhases?: number };
type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    transactionId?: number;
    chargingSchedule: { startSchedule: string; chargingRateUnit: string; chargingSchedulePeriod: Period[] };
  };
};

/** The limit a profile prescribes at instant `t`. */
function limitAt(profile: Profile, t: number): number {
  const schedule = profile.csChargingProfiles.chargingSchedule;
  const offset = (t - Date.parse(schedule.startSchedule)) / 1000;
  const current = schedule.chargingSchedulePeriod.filter((p) => p.startPeriod <= offset).pop();
  return current?.limit ?? 0;
}

const limits = (profile: Profile) =>
  profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit);

describe('a DSO forecast becomes charging profiles on connected chargers', () => {
  let app: INestApplication;
  let endpoint: string;
  let siteId: string;
  const chargers: SimulatedCharger[] = [];
  const admin = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await NestFactory.create(
      AppModule.forRoot({
        PGLITE_DATA_DIR: 'memory://',
        ADMIN_API_KEY: API_KEY,
        QUEUE_PREFIX: `gridflex-e2e-${randomBytes(4).toString('hex')}`,
        LOG_LEVEL: 'warn',
        DISPATCH_BACKOFF_MS: 100,
      }),
      { logger: ['error'] },
    );
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address();
    endpoint = `ws://127.0.0.1:${port}/ocpp`;

    await admin()
      .post('/api/v1/dso-peers')
      .set('X-API-Key', API_KEY)
      .send({ name: 'dso', token: DSO_TOKEN })
      .expect(201);
    const site = await admin()
      .post('/api/v1/sites')
      .set('X-API-Key', API_KEY)
      .send({
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: SITE_LIMIT_A, l2: SITE_LIMIT_A, l3: SITE_LIMIT_A },
      })
      .expect(201);
    siteId = site.body.id;
    for (const [identity, password] of [
      ['CP-A', 'secret-password-A1'],
      ['CP-B', undefined],
      ['CP-C', undefined],
    ]) {
      await admin()
        .post(`/api/v1/sites/${siteId}/chargers`)
        .set('X-API-Key', API_KEY)
        .send({
          identity,
          password,
          ocppVersion: '1.6',
          connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
        })
        .expect(201);
    }
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await app.close();
  });

  it('allocates the forecast among the EVs, pushes the profiles and shows them accepted', async () => {
    for (const [identity, password] of [
      ['CP-A', 'secret-password-A1'],
      ['CP-B', undefined],
      ['CP-C', undefined],
    ]) {
      const charger = new SimulatedCharger({ endpoint, identity: identity!, password, connectorCount: 1 });
      await charger.connect();
      await charger.boot();
      await charger.statusNotification(1, 'Available');
      chargers.push(charger);
    }
    const [a, b, c] = chargers;
    for (const charger of [a, b]) {
      await charger.statusNotification(1, 'Preparing');
      await charger.startTransaction(1, 'TAG-1', 0);
      await charger.statusNotification(1, 'Charging');
    }

    const now = Date.now();
    const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
    const dso = new SimulatedDso({
      baseUrl: `${endpoint.replace('ws:', 'http:').replace('/ocpp', '')}/oscp/fp/2.0`,
      token: DSO_TOKEN,
    });
    const forecast = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'CONSUMPTION',
      blocks: [
        { capacity: 30, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(15) },
        { capacity: 20, phase: 'ALL', unit: 'A', start_time: at(15), end_time: at(30) },
        { capacity: 10, phase: 'ALL', unit: 'A', start_time: at(30), end_time: at(45) },
      ],
    });
    expect(forecast.status).toBe(204);

    // Two EVs share 30 A, then 20 A; at 10 A only one can get its 6 A minimum; then the site limit.
    // Equal neighbouring periods are merged: A's 10 A spans two blocks.
    const expected = { first: [15, 10, 20], second: [15, 10, 0, 20] };
    const profileA = await a.waitForProfile<Profile>(
      (p: Profile) =>
        p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        limits(p).join() === expected.first.join(),
      20_000,
    );
    const profileB = await b.waitForProfile<Profile>(
      (p: Profile) =>
        p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        limits(p).join() === expected.second.join(),
      20_000,
    );
    const profileC = await c.waitForProfile<Profile>(
      (p: Profile) =>
        p.csChargingProfiles.chargingProfilePurpose === 'TxDefaultProfile' && limits(p).every((l) => l === 0),
      20_000,
    );

    expect(profileA.csChargingProfiles.transactionId).toEqual(expect.any(Number));
    expect(profileA.csChargingProfiles.chargingSchedule.chargingRateUnit).toBe('A');
    const capacities: [number, number][] = [
      [-2, 30],
      [20, 20],
      [35, 10],
      [50, SITE_LIMIT_A],
    ];
    for (const [minute, capacity] of capacities) {
      const t = now + minute * 60_000;
      // All three connectors are three-phase: each phase carries the sum of their limits.
      const perPhase = limitAt(profileA, t) + limitAt(profileB, t) + limitAt(profileC, t);
      expect(perPhase).toBeLessThanOrEqual(capacity);
      expect(perPhase).toBeLessThanOrEqual(SITE_LIMIT_A);
    }

    const plan = await waitFor(async () => {
      const response = await admin()
        .get(`/api/v1/sites/${siteId}/plan`)
        .set('X-API-Key', API_KEY)
        .expect(200);
      const connectors = response.body.connectors as {
        dispatch: { status: string; version: number };
        version: number;
      }[];
      return connectors.length === 3 &&
        connectors.every((x) => x.dispatch.status === 'accepted' && x.dispatch.version === x.version)
        ? response.body
        : undefined;
    });
    expect(plan.groupId).toBe(GROUP);
    expect(plan.connectors.map((x: { chargerIdentity: string }) => x.chargerIdentity)).toEqual([
      'CP-A',
      'CP-B',
      'CP-C',
    ]);
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, attempts = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met');
}

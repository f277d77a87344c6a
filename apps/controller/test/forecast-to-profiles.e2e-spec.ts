import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-e2e';
const SITE_LIMIT_A = 40;
const CHARGERS: [string, string | undefined][] = [
  ['CP-A', 'secret-password-A1'],
  ['CP-B', undefined],
  ['CP-C', undefined],
];

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
const purposeAndLimits = (purpose: string, expected: number[]) => (p: Profile) =>
  p.csChargingProfiles.chargingProfilePurpose === purpose && limits(p).join() === expected.join();

describe('a DSO forecast becomes charging profiles on connected chargers', () => {
  let controller: TestController;
  let siteId: string;
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    controller = await startController();
    const { admin } = controller;
    await admin.post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] }).expect(201);
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: SITE_LIMIT_A, l2: SITE_LIMIT_A, l3: SITE_LIMIT_A },
      })
      .expect(201);
    siteId = site.body.id;
    for (const [identity, password] of CHARGERS) {
      await admin
        .post(`/api/v1/sites/${siteId}/chargers`, {
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
    await controller.app.close();
  });

  it('allocates the forecast among the EVs, pushes the profiles and shows them accepted', async () => {
    for (const [identity, password] of CHARGERS) {
      const charger = new SimulatedCharger({
        endpoint: `ws://${controller.host}/ocpp`,
        identity,
        password,
        connectorCount: 1,
      });
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
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
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

    // Two EVs share 30 A, then 20 A; at 10 A only the first session can get its 6 A minimum; after the
    // forecast the DSO's safe default, 0 A (it sent no fallback): a DSO's silence is never "unlimited".
    // Equal neighbouring periods are merged: A's 10 A spans two blocks, B's 0 A the last block and after.
    const profileA = await a.waitForProfile<Profile>(purposeAndLimits('TxProfile', [15, 10, 0]), 20_000);
    const profileB = await b.waitForProfile<Profile>(purposeAndLimits('TxProfile', [15, 10, 0]), 20_000);
    const profileC = await c.waitForProfile<Profile>(purposeAndLimits('TxDefaultProfile', [0]), 20_000);

    expect(profileA.csChargingProfiles.transactionId).toEqual(expect.any(Number));
    expect(profileA.csChargingProfiles.chargingSchedule.chargingRateUnit).toBe('A');
    const capacityAtMinute: [number, number][] = [
      [-2, 30],
      [20, 20],
      [35, 10],
      [50, 0],
    ];
    for (const [minute, capacity] of capacityAtMinute) {
      const t = now + minute * 60_000;
      // All three connectors are three-phase: each phase carries the sum of their limits.
      const perPhase = limitAt(profileA, t) + limitAt(profileB, t) + limitAt(profileC, t);
      expect(perPhase).toBeLessThanOrEqual(capacity);
      expect(perPhase).toBeLessThanOrEqual(SITE_LIMIT_A);
    }

    type PlanBody = {
      groupId: string;
      connectors: {
        chargerIdentity: string;
        version: number;
        dispatch: { status: string; version: number };
      }[];
    };
    const plan = await waitFor(async () => {
      const body = (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanBody;
      const settled = body.connectors.every(
        (x) => x.dispatch.status === 'accepted' && x.dispatch.version === x.version,
      );
      return body.connectors.length === 3 && settled ? body : undefined;
    });
    expect(plan.groupId).toBe(GROUP);
    expect(plan.connectors.map((x) => x.chargerIdentity)).toEqual(['CP-A', 'CP-B', 'CP-C']);
  });
});

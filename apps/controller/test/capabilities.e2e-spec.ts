import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const MINUTE = 60_000;

type Profile = {
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: {
      startSchedule?: string;
      chargingRateUnit: string;
      chargingSchedulePeriod: { startPeriod: number; limit: number }[];
    };
  };
};
const schedule = (p: Profile) => p.csChargingProfiles.chargingSchedule;
const inWatts = (expected: number[]) => (p: Profile) =>
  p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
  schedule(p).chargingRateUnit === 'W' &&
  schedule(p)
    .chargingSchedulePeriod.map((x) => x.limit)
    .join() === expected.join();

describe('profiles fit what the charger reported once it has been asked', () => {
  let controller: TestController;
  let charger: SimulatedCharger | undefined;

  afterAll(async () => {
    await charger?.close();
    await controller?.app.close();
  });

  it('cuts a W-only, two-period charger its schedule without raising a limit, and shows its capabilities', async () => {
    controller = await startController();
    const { admin } = controller;
    await admin
      .post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: ['grp-cap'] })
      .expect(201);
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: 'grp-cap',
        nominalVoltageV: 230,
        gridLimitA: { l1: 40, l2: 40, l3: 40 },
      })
      .expect(201);
    const siteId: string = site.body.id;
    await registerCharger(controller, siteId, 'CP-W');
    charger = await connectCharger(controller, 'CP-W', {
      capabilities: { smartCharging: true, rateUnits: ['W'], maxPeriods: 2, maxStackLevel: 1 },
    });
    // Before anything else, the fail-safe station maximum: the only charger of a 40 A site gets its
    // connector's 32 A. It goes before discovery, in A (the safe assumption), which this charger refuses;
    // once it has reported its capabilities, in W.
    const stationMax = await charger.waitForProfile(
      (p) =>
        p.csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile' &&
        schedule(p).chargingRateUnit === 'W',
      20_000,
    );
    expect(charger.receivedProfiles[0]).toMatchObject({
      connectorId: 0,
      csChargingProfiles: {
        chargingProfilePurpose: 'ChargePointMaxProfile',
        chargingSchedule: { chargingRateUnit: 'A' },
      },
    });
    expect(stationMax.connectorId).toBe(0);
    expect(schedule(stationMax).chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 22_080, numberPhases: 3 },
    ]);
    await charger.startTransaction(1, 'TAG-1', 0);
    // 32 A on three phases at 230 V: no DSO has limited the site's group yet, so the safe share is 32 A too.
    await charger.waitForProfile(inWatts([22_080]), 20_000);

    const now = Date.now();
    const block = (from: number, to: number, capacity: number) => ({
      capacity,
      phase: 'ALL' as const,
      unit: 'A' as const,
      start_time: new Date(now + from * MINUTE).toISOString(),
      end_time: new Date(now + to * MINUTE).toISOString(),
    });
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
    const sent = await dso.sendCapacityForecast({
      groupId: 'grp-cap',
      type: 'CONSUMPTION',
      blocks: [block(-1, 10, 20), block(10, 20, 10), block(20, 30, 16)],
    });
    expect(sent.status).toBe(204);
    // Planned 20, 10, 16 A, then the DSO's 0 A safe default: two periods, the second at the lowest of the rest,
    // in W. Cutting never raises a limit; the plan is pushed again when the second period begins.
    const cut = await charger.waitForProfile(inWatts([13_800, 0]), 20_000);
    // What the charger makes of it: 20 A per phase now, 0 A from the second block on unless pushed again.
    expect(charger.offeredCurrentA(1)).toBe(20);
    expect(charger.offeredCurrentA(1, new Date(now + 25 * MINUTE))).toBe(0);
    const renewal = await waitFor(async () => {
      const { body } = await admin.get(`/api/v1/sites/${siteId}/plan`).expect(200);
      const [{ version, dispatch }] = body.connectors;
      return dispatch.status === 'accepted' && dispatch.version === version
        ? (dispatch.renewAt as string)
        : undefined;
    });
    expect(Date.parse(renewal)).toBe(
      Date.parse(schedule(cut).startSchedule ?? '') +
        (schedule(cut).chargingSchedulePeriod[1].startPeriod + 1) * 1000,
    );

    const [shown] = await waitFor(async () => {
      const { body } = await admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
      return body[0]?.capabilities?.stationMaxProfile ? body : undefined;
    });
    expect(shown.capabilities).toMatchObject({
      smartCharging: true,
      rateUnits: ['W'],
      maxPeriods: 2,
      maxStackLevel: 1,
      // Re-sent before the new TxProfile: the group's DSO sent no fallback, so its safe default (0 A) is the
      // charger's safe share from now on, and the maximum follows the plan up to its highest, 20 A.
      stationMaxProfile: { limitA: 0, ceilingA: 20, status: 'Accepted' },
    });
    const planStatus = async () =>
      (await admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body.connectors[0].dispatch.status;
    await expect(waitFor(async () => ((await planStatus()) === 'accepted' ? true : undefined))).resolves.toBe(
      true,
    );
  });
});

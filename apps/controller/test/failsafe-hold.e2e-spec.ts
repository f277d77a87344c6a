import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController } from './test-controller';

const HOLD_S = 10;
const SAFE_SHARE_A = 20;

type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: {
      startSchedule: string;
      chargingSchedulePeriod: { startPeriod: number; limit: number }[];
    };
  };
};

type PlanView = { connectors: { connectorId: number; chargerIdentity?: string; version: number }[] };

const periods = (p: Profile) => p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod;
const isHeldTxProfile = (p: Profile) =>
  p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
  periods(p)
    .map((period) => period.limit)
    .join() === `32,${SAFE_SHARE_A}`;
/** When the profile's open-ended plan stops holding and its tail begins. */
const tailStartMs = (p: Profile) =>
  Date.parse(p.csChargingProfiles.chargingSchedule.startSchedule) + periods(p)[1].startPeriod * 1000;

describe('the fail-safe hold: a charger that loses us falls back to its safe share, one that keeps us does not', () => {
  let controller: TestController;
  let charger: SimulatedCharger;
  let siteId: string;
  const planVersions = async () =>
    (
      (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanView
    ).connectors.map((c) => c.version);

  beforeAll(async () => {
    controller = await startController({
      OCPP_FAILSAFE_HOLD_S: HOLD_S,
      DISPATCH_RECONCILE_INTERVAL_MS: 1000,
    });
    const site = await controller.admin
      .post('/api/v1/sites', { name: 'Depot', nominalVoltageV: 230, gridLimitA: { l1: 40, l2: 40, l3: 40 } })
      .expect(201);
    siteId = site.body.id;
    // Two chargers share the site's 40 A: each one's safe share is 20 A, though a lone EV is planned 32 A.
    for (const identity of ['CP-H1', 'CP-H2']) await registerCharger(controller, siteId, identity);
    charger = await connectCharger(controller, 'CP-H1');
  });

  afterAll(async () => {
    await charger.close();
  });

  it('holds the open-ended plan for at most the hold, then the safe share, on the connector and the station', async () => {
    const sentAfter = Date.now();
    await charger.startTransaction(1, 'TAG-1', 0);
    const profile = await charger.waitForProfile<Profile>(isHeldTxProfile, 20_000);

    const tailMs = tailStartMs(profile);
    expect(tailMs).toBeGreaterThan(sentAfter + (HOLD_S * 1000) / 2 - 1000);
    expect(tailMs).toBeLessThanOrEqual(Date.now() + HOLD_S * 1000);
    expect(charger.offeredCurrentA(1, new Date(tailMs - 1000))).toBe(32);
    expect(charger.offeredCurrentA(1, new Date(tailMs + 1000))).toBe(SAFE_SHARE_A);
  });

  it('renews the hold while the controller is alive, without any re-plan', async () => {
    const first = await charger.waitForProfile<Profile>(isHeldTxProfile, 1);
    const versions = await planVersions();
    const renewed = await charger.waitForProfile<Profile>(
      (p) => isHeldTxProfile(p) && tailStartMs(p) > tailStartMs(first),
      HOLD_S * 1000 + 5000,
    );
    // Hold ends move in half-holds: one later when the janitor renewed it in time, more on a busy machine.
    const movedMs = tailStartMs(renewed) - tailStartMs(first);
    expect(movedMs).toBeGreaterThan(0);
    expect(movedMs % ((HOLD_S * 1000) / 2)).toBe(0);
    expect(await planVersions()).toEqual(versions);
    // The station maximum follows the held plans: it too returns to the safe share after the hold.
    const stationMax = charger.receivedProfiles
      .filter((p) => (p as Profile).csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile')
      .at(-1) as Profile;
    expect(periods(stationMax).map((period) => period.limit)).toEqual([32, SAFE_SHARE_A]);
    expect(tailStartMs(stationMax)).toBeGreaterThan(tailStartMs(first));
  });

  it('leaves a charger that lost us at its safe share once the hold ends', async () => {
    await controller.app.close();
    await charger.waitForDisconnect();
    const last = charger.receivedProfiles.filter((p) => isHeldTxProfile(p as Profile)).at(-1) as Profile;
    const afterHold = new Date(Math.max(tailStartMs(last), Date.now() + HOLD_S * 1000) + 1000);
    expect(charger.offeredCurrentA(1, afterHold)).toBe(SAFE_SHARE_A);
  });
});

describe('safe shares: every circuit holds when all chargers fall back, and a new share reaches chargers at once', () => {
  let controller: TestController;
  let charger: SimulatedCharger;
  let siteId: string;
  let feeder: string;
  const stationMaxima = () =>
    charger.receivedProfiles
      .filter((p) => (p as Profile).csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile')
      .map((p) => periods(p as Profile).map((period) => period.limit));
  const register = (identity: string, extra: Record<string, unknown> = {}) =>
    registerCharger(controller, siteId, identity, { circuitId: feeder, ...extra });

  beforeAll(async () => {
    controller = await startController();
    const site = await controller.admin
      .post('/api/v1/sites', {
        name: 'Yard',
        nominalVoltageV: 230,
        gridLimitA: { l1: 100, l2: 100, l3: 100 },
      })
      .expect(201);
    siteId = site.body.id;
    feeder = (
      await controller.admin
        .post(`/api/v1/sites/${siteId}/circuits`, { name: 'Feeder', limitA: { l1: 32, l2: 32, l3: 32 } })
        .expect(201)
    ).body.id;
    await register('CP-C1');
    await register('CP-C2');
    // Not steered: it may draw its 10 A whatever we do, on the feeder too.
    await register('CP-X', {
      smartChargingExcluded: true,
      connectors: [{ connectorId: 1, maxCurrentA: 10, phases: 3 }],
    });
  });

  afterAll(async () => {
    await charger.close();
    await controller.app.close();
  });

  it("shares out the feeder beside the unsteered charger's maximum, not the site's 100 A", async () => {
    charger = await connectCharger(controller, 'CP-C1');
    // (32 A − 10 A) over the feeder's two steered chargers; the site's 100 A − 10 A over two would be 45 A.
    await charger.waitForProfile<Profile>(
      (p) =>
        p.csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile' &&
        periods(p)
          .map((period) => period.limit)
          .join() === '11',
      20_000,
    );
  });

  it('sends the lower share to the connected charger as soon as a third charger joins the feeder', async () => {
    await register('CP-C3');
    // (32 A − 10 A) over three, rounded down to 0.1 A; the charger's own plan did not change.
    await charger.waitForProfile<Profile>(
      (p) =>
        p.csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile' &&
        periods(p)
          .map((period) => period.limit)
          .join() === '7.3',
      20_000,
    );
    expect(stationMaxima().at(-1)).toEqual([7.3]);
  });
});

describe("a schedule cut to the charger's period limit is pushed again when its cut period begins", () => {
  const token = randomBytes(24).toString('hex');
  let controller: TestController;
  let charger: SimulatedCharger;
  let siteId: string;

  beforeAll(async () => {
    controller = await startController({ DISPATCH_RECONCILE_INTERVAL_MS: 1000 });
    await controller.admin
      .post('/api/v1/dso-peers', { name: 'dso', token, groupIds: ['grp-cut'] })
      .expect(201);
    const site = await controller.admin
      .post('/api/v1/sites', {
        name: 'Short',
        groupId: 'grp-cut',
        nominalVoltageV: 230,
        gridLimitA: { l1: 40, l2: 40, l3: 40 },
      })
      .expect(201);
    siteId = site.body.id;
    await registerCharger(controller, siteId, 'CP-CUT');
    charger = await connectCharger(controller, 'CP-CUT', {
      capabilities: { smartCharging: true, rateUnits: ['A'], maxPeriods: 2, maxStackLevel: 1 },
    });
  });

  afterAll(async () => {
    await charger.close();
    await controller.app.close();
  });

  it('sends the next periods once the first has ended, without a new plan', async () => {
    await charger.startTransaction(1, 'TAG-1', 0);
    const now = Date.now();
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token });
    const block = (fromMs: number, toMs: number, capacity: number) => ({
      capacity,
      phase: 'ALL' as const,
      unit: 'A' as const,
      start_time: new Date(now + fromMs).toISOString(),
      end_time: new Date(now + toMs).toISOString(),
    });
    const sent = await dso.sendCapacityForecast({
      groupId: 'grp-cut',
      type: 'CONSUMPTION',
      blocks: [block(-60_000, 4_000, 20), block(4_000, 3_600_000, 10)],
    });
    expect(sent.status).toBe(204);
    // 20 A for four seconds, then 10 A for an hour, 32 A and the 0 A safe share: cut to two periods.
    const cut = await charger.waitForProfile<Profile>(
      (p) =>
        p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        periods(p)
          .map((x) => x.limit)
          .join() === '20,0',
      20_000,
    );
    const version = (
      (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanView
    ).connectors[0].version;
    const next = await charger.waitForProfile<Profile>(
      (p) =>
        p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        periods(p)
          .map((x) => x.limit)
          .join() === '10,0',
      20_000,
    );
    expect(Date.parse(next.csChargingProfiles.chargingSchedule.startSchedule)).toBeGreaterThanOrEqual(
      tailStartMs(cut) - 5_000,
    );
    expect(charger.offeredCurrentA(1)).toBe(10);
    const after = ((await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanView)
      .connectors[0].version;
    expect(after).toBe(version);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');

type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
  };
};
type PlanView = { connectors: { connectorId: number; version: number; periods: { limitA: number }[] }[] };

const limits = (p: Profile) =>
  p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((x) => x.limit);
const profile = (connectorId: number, purpose: string, expected: number[]) => (p: Profile) =>
  p.connectorId === connectorId &&
  p.csChargingProfiles.chargingProfilePurpose === purpose &&
  limits(p).join() === expected.join();

describe('re-planning on state changes, and across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridflex-e2e-'));
  const environment = {
    PGLITE_DATA_DIR: join(dataDir, 'pglite'),
    QUEUE_PREFIX: `gridflex-e2e-${randomBytes(4).toString('hex')}`,
  };
  let controller: TestController;
  let charger: SimulatedCharger | undefined;

  const plan = async (siteId: string): Promise<PlanView> =>
    (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body;

  afterAll(async () => {
    await charger?.close();
    await controller?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Up to eight waits of 20 s each for a profile: the whole budget, not a guess at this machine's speed.
  it('follows sessions, a forecast and a restart without losing anything', async () => {
    controller = await startController(environment);
    const { admin } = controller;
    await admin.post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: ['grp-r'] }).expect(201);
    const site = await admin
      .post('/api/v1/sites', { name: 'Solo', nominalVoltageV: 230, gridLimitA: { l1: 20, l2: 20, l3: 20 } })
      .expect(201);
    const siteId: string = site.body.id;
    await registerCharger(controller, siteId, 'CP-R', {
      connectors: [
        { connectorId: 1, maxCurrentA: 16, phases: 3 },
        { connectorId: 2, maxCurrentA: 16, phases: 3 },
      ],
    });
    charger = await connectCharger(controller, 'CP-R', { connectorCount: 2 });
    await charger.boot();

    // A site mapped to no group is planned with its own grid limit: one EV is held at its maximum, and
    // should the charger lose us, at its connector's safe share: the site's 20 A over two connectors.
    const first = await charger.startTransaction(1, 'TAG-1', 0);
    await charger.waitForProfile(profile(1, 'TxProfile', [16, 10]), 20_000);

    // A second EV: the 20 A site limit is shared.
    const second = await charger.startTransaction(2, 'TAG-2', 0);
    await charger.waitForProfile(profile(1, 'TxProfile', [10]), 20_000);
    await charger.waitForProfile(profile(2, 'TxProfile', [10]), 20_000);

    // It leaves: the first gets its maximum back, the empty connector a 0 A default.
    await charger.stopTransaction(second, 1000);
    await charger.statusNotification(2, 'Available');
    await charger.waitForProfile(profile(1, 'TxProfile', [16, 10]), 20_000);
    await charger.waitForProfile(profile(2, 'TxDefaultProfile', [0]), 20_000);

    // The site joins a DSO group, which limits it to 12 A for the next half hour. The DSO sent no fallback:
    // after the half hour, and should the charger lose us, its safe default applies, 0 A.
    await admin.put(`/api/v1/sites/${siteId}/group`, { groupId: 'grp-r' }).expect(200);
    const now = Date.now();
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
    const sent = await dso.sendCapacityForecast({
      groupId: 'grp-r',
      type: 'CONSUMPTION',
      blocks: [
        {
          capacity: 12,
          phase: 'ALL',
          unit: 'A',
          start_time: new Date(now - 60_000).toISOString(),
          end_time: new Date(now + 30 * 60_000).toISOString(),
        },
      ],
    });
    expect(sent.status).toBe(204);
    await charger.waitForProfile(profile(1, 'TxProfile', [12, 0]), 20_000);
    const before = await plan(siteId);

    // A restart keeps the forecast, the configuration and the plan; nothing changed, so nothing is re-sent.
    await charger.close();
    await controller.app.close();
    controller = await startController(environment);
    charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity: 'CP-R',
      connectorCount: 2,
    });
    await charger.connect();
    const after = await plan(siteId);
    expect(after.connectors.map((c) => [c.connectorId, c.version, c.periods.map((p) => p.limitA)])).toEqual(
      before.connectors.map((c) => [c.connectorId, c.version, c.periods.map((p) => p.limitA)]),
    );
    expect(after.connectors[0].periods.map((p) => p.limitA)).toEqual([12, 0]);
    expect(first).toEqual(expect.any(Number));
  }, 180_000);
});

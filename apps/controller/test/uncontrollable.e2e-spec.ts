import { SimulatedCharger } from '@gridflex/simulator';
import { registerCharger, startController, TestController, waitFor } from './test-controller';

type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
  };
};
type ChargerView = { identity: string; connectors: { uncontrollableReason: string | null }[] };

const profile = (purpose: string, limits: number[]) => (p: Profile) =>
  p.csChargingProfiles.chargingProfilePurpose === purpose &&
  p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((x) => x.limit).join() === limits.join();

describe('a charger that refuses our profiles', () => {
  let controller: TestController;
  const chargers: SimulatedCharger[] = [];

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await controller?.app.close();
  });

  it('is shown uncontrollable, reserved at its maximum, and tried again when it reconnects', async () => {
    controller = await startController();
    const { admin } = controller;
    const site = await admin
      .post('/api/v1/sites', { name: 'Yard', nominalVoltageV: 230, gridLimitA: { l1: 20, l2: 20, l3: 20 } })
      .expect(201);
    const siteId: string = site.body.id;
    for (const [identity, maxCurrentA] of [
      ['CP-OK', 16],
      ['CP-NO', 12],
    ] as const) {
      await registerCharger(controller, siteId, identity, {
        connectors: [{ connectorId: 1, maxCurrentA, phases: 3 }],
      });
    }
    const simulate = (identity: string) => {
      const charger = new SimulatedCharger({
        endpoint: `ws://${controller.host}/ocpp`,
        identity,
        connectorCount: 1,
      });
      chargers.push(charger);
      return charger;
    };
    const reasonOf = async (identity: string) => {
      const { body } = await admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
      return (body as ChargerView[]).find((c) => c.identity === identity)!.connectors[0].uncontrollableReason;
    };

    const ok = simulate('CP-OK');
    await ok.connect();
    await ok.startTransaction(1, 'TAG-1', 0);
    // Its maximum, then its safe share should it lose us: the site's 20 A over the two chargers.
    await ok.waitForProfile(profile('TxProfile', [16, 10]), 20_000);

    const refusing = simulate('CP-NO');
    refusing.profileAnswer = 'Rejected';
    await refusing.connect();
    await expect(waitFor(async () => (await reasonOf('CP-NO')) ?? undefined)).resolves.toBe(
      'profile Rejected by the charger',
    );
    // Its 12 A are held back from the 20 A site: the EV on CP-OK gets the rest, which is its safe share too.
    await ok.waitForProfile(profile('TxProfile', [8]), 20_000);

    await refusing.close();
    const accepting = simulate('CP-NO');
    await accepting.connect();
    await accepting.waitForProfile(profile('TxDefaultProfile', [0]), 20_000);
    await ok.waitForProfile(
      (p) => profile('TxProfile', [16, 10])(p) && ok.receivedProfiles.indexOf(p) > 1,
      20_000,
    );
    expect(await reasonOf('CP-NO')).toBeNull();
  });
});

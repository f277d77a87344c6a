import { SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController } from './test-controller';

type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
  };
};

const txProfile = (connectorId: number, limit: number) => (p: Profile) =>
  p.connectorId === connectorId &&
  p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
  Math.abs((p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit ?? NaN) - limit) < 0.05;

describe("a site's total kW limit", () => {
  let controller: TestController;
  let charger: SimulatedCharger | undefined;

  beforeAll(async () => {
    controller = await startController();
  });
  afterAll(async () => {
    await charger?.close();
    await controller.app.close();
  });

  it('is used whole by single-phase chargers on one phase, and explained as the total', async () => {
    const { admin } = controller;
    // 7.36 kW at 230 V is 32 A: all of it may flow on L1; a per-phase third would be 10.7 A.
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Single-phase lot',
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
        totalLimitKw: 7.36,
      })
      .expect(201);
    const siteId: string = site.body.id;
    await registerCharger(controller, siteId, 'CP-1PH', {
      connectors: [
        { connectorId: 1, maxCurrentA: 32, phases: 1, minCurrentA: 6 },
        { connectorId: 2, maxCurrentA: 32, phases: 1, minCurrentA: 6 },
      ],
    });
    charger = await connectCharger(controller, 'CP-1PH', { connectorCount: 2 });
    await charger.boot();
    await charger.startTransaction(1, 'TAG-1', 0);
    await charger.waitForProfile(txProfile(1, 32), 20_000);
    await charger.startTransaction(2, 'TAG-2', 0);
    await charger.waitForProfile(txProfile(1, 16), 20_000);
    await charger.waitForProfile(txProfile(2, 16), 20_000);

    const simulated = await admin.post(`/api/v1/sites/${siteId}/simulate`, {}).expect(200);
    expect(simulated.body.connectors.map((c: { explanations: string[] }) => c.explanations[0])).toEqual([
      'shares site "Single-phase lot"\'s total limit of 7.36 kW',
      'shares site "Single-phase lot"\'s total limit of 7.36 kW',
    ]);
  });
});

import { SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

type Profile201 = {
  evseId: number;
  chargingProfile: {
    id: number;
    chargingProfilePurpose: string;
    transactionId?: string;
    chargingSchedule: { chargingRateUnit: string; chargingSchedulePeriod: { limit: number }[] }[];
  };
};

const limits = (p: Profile201) =>
  p.chargingProfile.chargingSchedule[0].chargingSchedulePeriod.map((x) => x.limit);
const profile =
  (evseId: number, purpose: string, expected: number[], transactionId?: string) => (p: Profile201) =>
    p.evseId === evseId &&
    p.chargingProfile.chargingProfilePurpose === purpose &&
    p.chargingProfile.transactionId === transactionId &&
    limits(p).join() === expected.join();

describe('an OCPP 2.0.1 station on the same endpoint as 1.6 chargers', () => {
  let controller: TestController;
  let station: SimulatedCharger | undefined;

  afterAll(async () => {
    await station?.close();
    await controller?.app.close();
  });

  it("is planned like a 1.6 charger and gets 2.0.1 profiles with the station's transaction ids", async () => {
    controller = await startController();
    const { admin } = controller;
    const site = await admin
      .post('/api/v1/sites', { name: 'Depot', nominalVoltageV: 230, gridLimitA: { l1: 20, l2: 20, l3: 20 } })
      .expect(201);
    const siteId: string = site.body.id;
    await registerCharger(controller, siteId, 'CS-201', {
      password: 'station-password-201',
      ocppVersion: '2.0.1',
      connectors: [
        { connectorId: 1, maxCurrentA: 16, phases: 3 },
        { connectorId: 2, maxCurrentA: 16, phases: 3 },
      ],
    });
    station = await connectCharger(controller, 'CS-201', {
      password: 'station-password-201',
      ocppVersion: '2.0.1',
      connectorCount: 2,
    });
    await expect(station.boot()).resolves.toMatchObject({ status: 'Accepted' });

    // A session on EVSE 1 alone gets its maximum, as a TxProfile for the station's transaction.
    await station.transactionEvent('Started', {
      transactionId: 'tx-201-a',
      evseId: 1,
      idToken: 'TOKEN-A',
      chargingState: 'Charging',
    });
    await station.statusNotification(1, 'Occupied');
    // Then the connector's safe share should the station lose us: the site's 20 A over its two EVSEs.
    await station.waitForProfile(profile(1, 'TxProfile', [16, 10], 'tx-201-a'), 20_000);

    // An EV plugged into EVSE 2 without a transaction yet shares the 20 A site limit.
    await station.statusNotification(2, 'Occupied');
    await station.waitForProfile(profile(1, 'TxProfile', [10], 'tx-201-a'), 20_000);
    expect(station.offeredCurrentA(1)).toBe(10);
    const defaultProfile = await station.waitForProfile(profile(2, 'TxDefaultProfile', [10]), 20_000);
    expect(defaultProfile.chargingProfile.chargingSchedule[0].chargingRateUnit).toBe('A');

    // The first session ends and its EV leaves: EVSE 2 gets the maximum, EVSE 1 a 0 A default.
    await station.transactionEvent('Ended', { transactionId: 'tx-201-a', stoppedReason: 'EVDisconnected' });
    await station.statusNotification(1, 'Available');
    await station.waitForProfile(profile(2, 'TxDefaultProfile', [16, 10]), 20_000);
    await station.waitForProfile(profile(1, 'TxDefaultProfile', [0]), 20_000);
    expect(station.offeredCurrentA(1)).toBe(0);

    const chargers = await waitFor(async () => {
      const { body } = await admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
      return body[0]?.vendor ? body : undefined;
    });
    expect(chargers[0]).toMatchObject({ identity: 'CS-201', ocppVersion: '2.0.1', vendor: 'gridflex' });
  });
});

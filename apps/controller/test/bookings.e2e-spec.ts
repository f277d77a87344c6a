import { SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
  };
};

const MINUTE_MS = 60_000;
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * MINUTE_MS).toISOString();
const txProfile = (connectorId: number, limit: number) => (p: Profile) =>
  p.connectorId === connectorId &&
  p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
  p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit === limit;

describe('a booking made before the EV arrives', () => {
  let controller: TestController;
  let charger: SimulatedCharger | undefined;

  beforeAll(async () => {
    controller = await startController();
  });
  afterAll(async () => {
    await charger?.close();
    await controller.app.close();
  });

  it('gives its priority, energy and departure to the session that starts on the connector in its window', async () => {
    const { admin } = controller;
    const site = await admin
      .post('/api/v1/sites', { name: 'Booked', nominalVoltageV: 230, gridLimitA: { l1: 20, l2: 20, l3: 20 } })
      .expect(201);
    const siteId: string = site.body.id;
    const chargerId = await registerCharger(controller, siteId, 'CP-BK', {
      connectors: [
        { connectorId: 1, maxCurrentA: 16, phases: 3, minCurrentA: 6 },
        { connectorId: 2, maxCurrentA: 16, phases: 3, minCurrentA: 6 },
      ],
    });

    // The driver books connector 2 for the next half hour through the CPO's app.
    // 30 kWh by a departure in an hour needs more than the connector's 16 A: the energy caps nothing.
    const departureAt = inMinutes(60);
    const booking = await admin
      .post(`/api/v1/sites/${siteId}/bookings`, {
        chargerId,
        connectorId: 2,
        arrivalFrom: inMinutes(-1),
        arrivalUntil: inMinutes(30),
        departureAt,
        energyWantedWh: 30_000,
        priority: 30,
      })
      .expect(201);
    expect(booking.body.status).toBe('pending');

    charger = await connectCharger(controller, 'CP-BK', { connectorCount: 2 });
    await charger.boot();

    // An EV without a booking on connector 1 gets the site's 20 A up to its maximum.
    await charger.startTransaction(1, 'TAG-1', 0);
    await charger.waitForProfile(txProfile(1, 16), 20_000);

    // The booked EV arrives: its priority 30 (weight 8) takes all but connector 1's 6 A minimum.
    const transactionId = await charger.startTransaction(2, 'TAG-2', 0);
    await charger.waitForProfile(txProfile(2, 14), 20_000);
    await charger.waitForProfile(txProfile(1, 6), 20_000);

    const session = await admin
      .get(`/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/2/session`)
      .expect(200);
    expect(session.body).toMatchObject({
      transactionId,
      priority: 30,
      energyWantedWh: 30_000,
      departureAt: new Date(departureAt).toISOString(),
      updatedBy: expect.stringContaining(`booking ${booking.body.id}`),
      source: 'booking',
    });
    const listed = await waitFor(async () => {
      const body = (await admin.get(`/api/v1/sites/${siteId}/bookings`).expect(200)).body;
      return body[0]?.status === 'claimed' ? body : undefined;
    });
    expect(listed).toEqual([{ ...booking.body, status: 'claimed', transactionId }]);
    // Connector 1's session took nothing: it started on another connector.
    const other = await admin
      .get(`/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/1/session`)
      .expect(200);
    expect(other.body).toMatchObject({
      priority: null,
      energyWantedWh: null,
      departureAt: null,
      source: 'default',
    });
  });
});

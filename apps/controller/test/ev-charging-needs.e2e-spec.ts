import { SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

type Profile201 = {
  evseId: number;
  chargingProfile: {
    chargingProfilePurpose: string;
    transactionId?: string;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] }[];
  };
};
type Profile16 = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    transactionId?: number;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
  };
};
type ChargerView = { identity: string; connectors: { wishSource: string | null }[] };
type SessionView = {
  energyWantedWh: number | null;
  departureAt: string | null;
  source: string;
  evLimits: { minCurrentA: number | null; maxCurrentA: number | null; phases: number | null } | null;
  socPercent: number | null;
};

const limits201 = (p: Profile201) =>
  p.chargingProfile.chargingSchedule[0].chargingSchedulePeriod.map((x) => x.limit);
const limits16 = (p: Profile16) =>
  p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((x) => x.limit);
/** A schedule the EV can follow: it charges now, never above its maximum nor below its minimum unless 0. */
const followable = (limits: number[], minA: number, maxA: number) =>
  limits[0] >= minA && limits.every((limit) => limit <= maxA && (limit === 0 || limit >= minA));

describe('what the EV tells us is used: ISO 15118 needs in 2.0.1, the org.gridflex DataTransfer in 1.6', () => {
  let controller: TestController;
  let siteId: string;
  const chargers: SimulatedCharger[] = [];
  const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

  beforeAll(async () => {
    controller = await startController();
    const { body } = await controller.admin
      .post('/api/v1/sites', {
        name: 'EV depot',
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    siteId = body.id as string;
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await controller?.app.close();
  });

  const session = async (chargerId: string, connectorId: number): Promise<SessionView> =>
    (
      await controller.admin
        .get(`/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/${connectorId}/session`)
        .expect(200)
    ).body;

  it('answers NotifyEVChargingNeeds Accepted and sends a TxProfile within the EV limits; Rejected without a session', async () => {
    const chargerId = await registerCharger(controller, siteId, 'CS-15118', {
      ocppVersion: '2.0.1',
      connectors: [
        { connectorId: 1, maxCurrentA: 32, phases: 3 },
        { connectorId: 2, maxCurrentA: 32, phases: 3 },
      ],
    });
    const station = await connectCharger(controller, 'CS-15118', { ocppVersion: '2.0.1', connectorCount: 2 });
    chargers.push(station);
    await station.boot();
    await station.transactionEvent('Started', {
      transactionId: 'tx-15118',
      evseId: 1,
      idToken: 'TOKEN-15118',
      chargingState: 'Charging',
    });
    await station.statusNotification(1, 'Occupied');
    expect((await session(chargerId, 1)).source).toBe('default');

    const departureTime = inHours(4);
    const needs = {
      evseId: 1,
      chargingNeeds: {
        requestedEnergyTransfer: 'AC_three_phase',
        departureTime,
        acChargingParameters: { energyAmount: 15_000, evMinCurrent: 8, evMaxCurrent: 13, evMaxVoltage: 400 },
      },
    };
    const answer = await station.call<{ status: string }>('NotifyEVChargingNeeds', needs);
    expect(answer).toEqual({ status: 'Accepted' });
    const txProfile = await station.waitForProfile<Profile201>(
      (p) =>
        p.evseId === 1 &&
        p.chargingProfile.chargingProfilePurpose === 'TxProfile' &&
        p.chargingProfile.transactionId === 'tx-15118' &&
        followable(limits201(p), 8, 13),
      20_000,
    );
    expect(Math.max(...limits201(txProfile))).toBeLessThanOrEqual(13);
    expect(await session(chargerId, 1)).toMatchObject({
      energyWantedWh: 15_000,
      departureAt: departureTime,
      source: 'ev',
      evLimits: { minCurrentA: 8, maxCurrentA: 13, phases: 3 },
    });
    // The same needs again leave the plan as it was, and the station still gets the TxProfile it waits for.
    const received = station.receivedProfiles.length;
    expect(await station.call('NotifyEVChargingNeeds', needs)).toEqual({ status: 'Accepted' });
    const later = () => station.receivedProfiles.slice(received) as unknown as Profile201[];
    const again = await waitFor(() =>
      Promise.resolve(later().find((p) => p.evseId === 1 && p.chargingProfile.transactionId === 'tx-15118')),
    );
    expect(followable(limits201(again), 8, 13)).toBe(true);

    const { body: views } = await controller.admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
    const station15118 = (views as ChargerView[]).find((c) => c.identity === 'CS-15118')!;
    expect(station15118.connectors.map((c) => c.wishSource)).toEqual(['ev', null]);

    // K17: the EV's schedule within our TxProfile is accepted; one above it is rejected and kept for the operator.
    const evSchedule = (limit: number) => ({
      timeBase: new Date().toISOString(),
      evseId: 1,
      chargingSchedule: {
        id: 1,
        // Within the plan's first hours: it ends at 0 A once the energy is delivered.
        duration: 1800,
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit }],
      },
    });
    expect(await station.call('NotifyEVChargingSchedule', evSchedule(8))).toEqual({ status: 'Accepted' });
    const rejected = await station.call<{ status: string; statusInfo?: { reasonCode: string } }>(
      'NotifyEVChargingSchedule',
      evSchedule(32),
    );
    expect(rejected).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'AboveLimit' } });
    const { body: events } = await controller.admin
      .get('/api/v1/chargers/CS-15118/events?kind=EVChargingScheduleRejected')
      .expect(200);
    expect(events.events[0].payload).toMatchObject({ evseId: 1, evLimit: 32, unit: 'A' });

    // K16: when our limit for the ISO 15118 session changes, the station gets the new TxProfile.
    const beforeLimit = station.receivedProfiles.length;
    await controller.admin
      .patch(`/api/v1/sites/${siteId}`, { gridLimitA: { l1: 6, l2: 6, l3: 6 } })
      .expect(200);
    const renegotiated = await waitFor(() =>
      Promise.resolve(
        (station.receivedProfiles.slice(beforeLimit) as unknown as Profile201[]).find(
          (p) =>
            p.evseId === 1 &&
            p.chargingProfile.chargingProfilePurpose === 'TxProfile' &&
            p.chargingProfile.transactionId === 'tx-15118' &&
            limits201(p)[0] <= 6,
        ),
      ),
    );
    expect(Math.max(...limits201(renegotiated))).toBeLessThanOrEqual(6);
    expect(await station.call('NotifyEVChargingSchedule', evSchedule(8))).toMatchObject({
      status: 'Rejected',
    });
    await controller.admin
      .patch(`/api/v1/sites/${siteId}`, { gridLimitA: { l1: 63, l2: 63, l3: 63 } })
      .expect(200);

    const noSession = await station.call<{ status: string }>('NotifyEVChargingNeeds', {
      evseId: 2,
      chargingNeeds: {
        requestedEnergyTransfer: 'AC_single_phase',
        acChargingParameters: { energyAmount: 5_000, evMinCurrent: 6, evMaxCurrent: 16, evMaxVoltage: 230 },
      },
    });
    expect(noSession).toEqual({ status: 'Rejected' });
  });

  it('takes the wish of a 1.6 DataTransfer org.gridflex/ChargingNeeds and re-plans within its maximum', async () => {
    const chargerId = await registerCharger(controller, siteId, 'CS-16-NEEDS');
    const charger = await connectCharger(controller, 'CS-16-NEEDS');
    chargers.push(charger);
    await charger.boot();
    await charger.statusNotification(1, 'Charging');
    const transactionId = await charger.startTransaction(1, 'TAG-NEEDS', 0);
    await charger.waitForProfile<Profile16>(
      (p) => p.csChargingProfiles.transactionId === transactionId && limits16(p)[0] > 10,
      20_000,
    );

    const departureTime = inHours(3);
    const data = JSON.stringify({ connectorId: 1, departureTime, energyAmountWh: 9_000, maxCurrentA: 10 });
    const answer = await charger.call('DataTransfer', {
      vendorId: 'org.gridflex',
      messageId: 'ChargingNeeds',
      data,
    });
    expect(answer).toEqual({ status: 'Accepted', data: '{"status":"Accepted"}' });
    await charger.waitForProfile<Profile16>(
      (p) =>
        p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        p.csChargingProfiles.transactionId === transactionId &&
        followable(limits16(p), 6, 10),
      20_000,
    );
    const view = await waitFor(async () => {
      const found = await session(chargerId, 1);
      return found.source === 'ev' ? found : undefined;
    });
    expect(view).toMatchObject({
      energyWantedWh: 9_000,
      departureAt: departureTime,
      evLimits: { maxCurrentA: 10 },
      socPercent: null,
    });
    // The EV's state of charge, from the SoC measurand of its meter values or the DataTransfer, is part of the
    // session view.
    await charger.meterValues(1, { currentA: [10, 10, 10], socPercent: 64 });
    expect((await session(chargerId, 1)).socPercent).toBe(64);
    const withSoc = JSON.stringify({ connectorId: 1, departureTime, energyAmountWh: 9_000, socPercent: 70 });
    await charger.call('DataTransfer', {
      vendorId: 'org.gridflex',
      messageId: 'ChargingNeeds',
      data: withSoc,
    });
    expect((await session(chargerId, 1)).socPercent).toBe(70);

    const refused = await charger.call('DataTransfer', {
      vendorId: 'org.gridflex',
      messageId: 'ChargingNeeds',
      data: '{"energyAmountWh":1}',
    });
    expect(refused).toEqual({
      status: 'Rejected',
      data: JSON.stringify({ reason: 'connectorId must be an integer of 1 or more' }),
    });
  });
});

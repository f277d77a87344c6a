import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

const TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-time';
const HOUR_MS = 3_600_000;
/** Our heartbeat interval: with the old rule a silent peer would be OFFLINE after three of them. */
const HEARTBEAT_INTERVAL_S = 1;

type Profile = {
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { startPeriod: number; limit: number }[] };
  };
};

const periods = (p: Profile) => p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod;

/**
 * A DSO from a utility testbed, as real ones behave: day-ahead forecasts of 24 hourly kW blocks in its
 * +08:00 local time, a short emergency inside one of those hours, hours left out, no heartbeats ever.
 * At the site's 230 V a kW block over three phases is kW × 1000 / 230 / 3 A per phase: 13.8 kW is 20 A,
 * 6.9 kW 10 A and 5.52 kW 8 A.
 */
describe('DSO time semantics: trimming, gaps while online, and a DSO that never heartbeats', () => {
  let controller: TestController;
  let dso: SimulatedDso;
  let charger: SimulatedCharger;
  let peerId: string;
  let onlineSince: number;
  /** Half an hour ago: the day-ahead's first hour covers now, its second is the next hour. */
  const from = new Date(Date.now() - HOUR_MS / 2);

  beforeAll(async () => {
    controller = await startController({ OSCP_HEARTBEAT_INTERVAL_S: HEARTBEAT_INTERVAL_S });
    const { admin } = controller;
    peerId = (
      await admin
        .post('/api/v1/dso-peers', { name: 'testbed-dso', token: TOKEN, groupIds: [GROUP] })
        .expect(201)
    ).body.id;
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await registerCharger(controller, site.body.id, 'CP-T');
    dso = new SimulatedDso({
      baseUrl: `http://${controller.host}/oscp/fp/2.0`,
      token: TOKEN,
      neverHeartbeats: true,
    });
    await dso.listen();
    charger = await connectCharger(controller, 'CP-T');
    await charger.boot();
    await charger.statusNotification(1, 'Preparing');
    await charger.startTransaction(1, 'TAG-T', 0);
    await charger.statusNotification(1, 'Charging');
  });

  afterAll(async () => {
    await charger.close();
    await dso.close();
    await controller.app.close();
  });

  const peer = async () => (await controller.admin.get(`/api/v1/dso-peers/${peerId}`).expect(200)).body;
  /** The next TxProfile with these limits, received after the call. */
  const nextProfile = (expected: number[]) => {
    const since = charger.receivedProfiles.length;
    return charger.waitForProfile<Profile>(
      (p) =>
        charger.receivedProfiles.indexOf(p as never) >= since &&
        p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        periods(p)
          .map((x) => x.limit)
          .join() === expected.join(),
      30_000,
    );
  };

  it('registers and hand-shakes with a DSO that asks for heartbeats but sends none: ONLINE', async () => {
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitFor(() => Promise.resolve(dso.currentToken !== TOKEN ? true : undefined));
    expect((await dso.handshake({ heartbeat_interval: 60 })).status).toBe(204);
    dso.startHeartbeats(60_000);
    await waitFor(async () => ((await peer()).link === 'ONLINE' ? true : undefined));
    onlineSince = Date.now();
  });

  it('keeps the day-ahead limit for the rest of the hour around a 10-minute emergency inside it', async () => {
    // Nothing after the day-ahead's last hour: the peer's safe default (0 A), never unlimited.
    const dayAhead = nextProfile([20, 0]);
    expect((await dso.sendDayAhead({ groupId: GROUP, from, capacityKw: 13.8 })).status).toBe(204);
    await dayAhead;

    const withEmergency = nextProfile([10, 20, 0]);
    const start = new Date(Date.now() - 60_000);
    expect((await dso.sendEmergency({ groupId: GROUP, start, minutes: 10, capacityKw: 6.9 })).status).toBe(
      204,
    );
    const [emergency, rest] = periods(await withEmergency);
    // The emergency ends nine minutes from now; the day-ahead's 20 A takes over there, not nothing.
    expect(emergency).toMatchObject({ startPeriod: 0, limit: 10 });
    expect(rest.limit).toBe(20);
    expect(rest.startPeriod).toBeGreaterThan(7 * 60);
    expect(rest.startPeriod).toBeLessThanOrEqual(10 * 60);
    const { body } = await controller.admin.get('/dashboard/api/snapshot').expect(200);
    expect(body.groups).toEqual([expect.objectContaining({ groupId: GROUP, capacitySource: 'forecast' })]);
  });

  it('plans an hour the DSO left out at its gap capacity: the fallback forecast, else the safe default', async () => {
    // A new day-ahead replaces its whole span, the emergency included; it leaves out its second hour.
    const withGap = nextProfile([20, 0, 20, 0]);
    expect((await dso.sendDayAhead({ groupId: GROUP, from, capacityKw: 13.8, skipHours: [1] })).status).toBe(
      204,
    );
    await withGap;

    const withFallback = nextProfile([20, 8, 20, 0]);
    const fallback = await dso.sendDayAhead({
      groupId: GROUP,
      from,
      capacityKw: 5.52,
      skipHours: [0, ...Array.from({ length: 22 }, (_, i) => i + 2)],
      type: 'FALLBACK_CONSUMPTION',
    });
    expect(fallback.status).toBe(204);
    await withFallback;
  });

  it('applies a fixed gap capacity set through PATCH at once', async () => {
    const fixed = nextProfile([20, 7, 20, 0]);
    await controller.admin
      .patch(`/api/v1/dso-peers/${peerId}`, { options: { gapCapacity: { capacity: 7, unit: 'A' } } })
      .expect(200);
    await fixed;
  });

  it('refuses a gap capacity in kWh with 400, changing nothing', async () => {
    const { body } = await controller.admin
      .patch(`/api/v1/dso-peers/${peerId}`, { options: { gapCapacity: { capacity: 5, unit: 'KWH' } } })
      .expect(400);
    expect(body.message).toMatch(/gapCapacity must be "FALLBACK" or/);
    expect((await peer()).options).toEqual({ gapCapacity: { capacity: 7, unit: 'A' } });
  });

  it('keeps the DSO that never heartbeats ONLINE with the default options', async () => {
    // Well past three of our heartbeat intervals since the handshake.
    const waited = Date.now() - onlineSince;
    const quiet = 4 * HEARTBEAT_INTERVAL_S * 1000;
    if (waited < quiet) await new Promise((resolve) => setTimeout(resolve, quiet - waited));
    expect(await peer()).toMatchObject({ link: 'ONLINE', lastHeartbeatAt: null });
    const events = (await controller.admin.get(`/api/v1/dso-peers/${peerId}/link-events`).expect(200)).body;
    expect(events.map((e: { to: string }) => e.to)).toEqual(['ONLINE']);
  });

  it('brings an OFFLINE DSO back at once when a PATCH turns offline detection off, re-planning its group', async () => {
    // One heartbeat arms the detection; its offline_mode_at passes with no other.
    const offline = nextProfile([0, 8, 0]);
    expect((await dso.heartbeat(new Date(Date.now() + 500))).status).toBe(204);
    await offline;
    expect((await peer()).link).toBe('OFFLINE');

    const online = nextProfile([20, 8, 20, 0]);
    const { body } = await controller.admin
      .patch(`/api/v1/dso-peers/${peerId}`, { options: { offlineDetection: false } })
      .expect(200);
    expect(body.link).toBe('ONLINE');
    await online;
    const events = (await controller.admin.get(`/api/v1/dso-peers/${peerId}/link-events`).expect(200)).body;
    expect(events[0]).toMatchObject({
      from: 'OFFLINE',
      to: 'ONLINE',
      reason: 'offline detection turned off',
    });
  });
});

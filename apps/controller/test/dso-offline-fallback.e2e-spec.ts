import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { registerCharger, startController, TestController, waitFor } from './test-controller';

const INITIAL_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-fallback';
const SAFE_DEFAULT_A = 6;

type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { startPeriod: number; limit: number }[] };
  };
};

const limits = (profile: Profile) =>
  profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit);
/** A TxProfile with these limits, received after `since` profiles had arrived. */
const txLimits =
  (charger: SimulatedCharger, expected: number[], since = charger.receivedProfiles.length) =>
  (p: Profile) =>
    charger.receivedProfiles.indexOf(p as never) >= since &&
    p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
    limits(p).join() === expected.join();

describe('a DSO that goes silent: fallback capacity reaches the chargers, and normal capacity returns', () => {
  let controller: TestController;
  let dso: SimulatedDso;
  let charger: SimulatedCharger;
  let peerId: string;
  let siteId: string;

  beforeAll(async () => {
    controller = await startController({ OSCP_HEARTBEAT_INTERVAL_S: 1, OSCP_SAFE_DEFAULT_A: SAFE_DEFAULT_A });
    const { admin } = controller;
    peerId = (
      await admin
        .post('/api/v1/dso-peers', { name: 'dso', token: INITIAL_TOKEN, groupIds: [GROUP] })
        .expect(201)
    ).body.id;
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 40, l2: 40, l3: 40 },
      })
      .expect(201);
    siteId = site.body.id;
    await registerCharger(controller, siteId, 'CP-F');
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: INITIAL_TOKEN });
    await dso.listen();
    charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity: 'CP-F',
      connectorCount: 1,
    });
  });

  afterAll(async () => {
    await charger.close();
    await dso.close();
    await controller.app.close();
  });

  const peer = async () => (await controller.admin.get(`/api/v1/dso-peers/${peerId}`).expect(200)).body;

  it('registers, hand-shakes and exchanges heartbeats both ways', async () => {
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitFor(() => Promise.resolve(dso.currentToken !== INITIAL_TOKEN ? true : undefined));

    const handshake = await dso.handshake({
      heartbeat_interval: 1,
      measurement_configuration: ['CONTINUOUS'],
    });
    expect(handshake.status).toBe(204);
    const ack = await dso.waitFor('handshake_acknowledge');
    expect(ack.correlationId).toBe(handshake.requestId);
    expect(ack.body).toEqual({
      required_behaviour: { heartbeat_interval: 1, measurement_configuration: [] },
    });
    dso.startHeartbeats(500, 4);
    await waitFor(async () => ((await peer()).link === 'ONLINE' ? true : undefined));
    const ours = await dso.waitFor('heartbeat');
    expect(Date.parse((ours.body as { offline_mode_at: string }).offline_mode_at)).toBeGreaterThan(
      ours.at.getTime(),
    );
  });

  it('plans on CONSUMPTION while the DSO is online', async () => {
    await charger.connect();
    await charger.boot();
    await charger.statusNotification(1, 'Preparing');
    await charger.startTransaction(1, 'TAG-F', 0);
    await charger.statusNotification(1, 'Charging');
    const now = Date.now();
    const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
    const send = (type: string, capacity: number, until: number) =>
      dso.sendCapacityForecast({
        groupId: GROUP,
        type,
        blocks: [{ capacity, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(until) }],
      });
    expect((await send('FALLBACK_CONSUMPTION', 10, 30)).status).toBe(204);
    expect((await send('CONSUMPTION', 24, 60)).status).toBe(204);

    // 24 A while the forecast lasts; after it, online, the gap capacity: the fallback forecast where it
    // covers the time (it ends earlier), else the safe default.
    await charger.waitForProfile<Profile>(txLimits(charger, [24, SAFE_DEFAULT_A], 0), 20_000);
  });

  it('goes OFFLINE when its heartbeats stop, and the fallback, then the safe default, reach the charger', async () => {
    const since = charger.receivedProfiles.length;
    dso.stopHeartbeats();

    await charger.waitForProfile<Profile>(txLimits(charger, [10, SAFE_DEFAULT_A], since), 20_000);
    const offline = await peer();
    expect(offline.link).toBe('OFFLINE');
    const events = (await controller.admin.get(`/api/v1/dso-peers/${peerId}/link-events`).expect(200)).body;
    expect(events[0]).toMatchObject({
      from: 'ONLINE',
      to: 'OFFLINE',
      reason: expect.stringMatching(/offline_mode_at/),
    });
  });

  it('returns to CONSUMPTION once heartbeats resume and a handshake succeeds', async () => {
    const since = charger.receivedProfiles.length;
    dso.startHeartbeats(500, 4);
    expect((await dso.handshake({ heartbeat_interval: 1 })).status).toBe(204);

    await charger.waitForProfile<Profile>(txLimits(charger, [24, SAFE_DEFAULT_A], since), 20_000);
    expect((await peer()).link).toBe('ONLINE');
    const events = (await controller.admin.get(`/api/v1/dso-peers/${peerId}/link-events`).expect(200)).body;
    expect(events.map((e: { to: string }) => e.to)).toEqual(['ONLINE', 'OFFLINE', 'ONLINE']);
  });

  it("gives a charger that connects a station maximum within its share of the DSO's fallback", async () => {
    const now = Date.now();
    const fallback = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'FALLBACK_CONSUMPTION',
      blocks: [
        {
          capacity: 24,
          phase: 'ALL',
          unit: 'A',
          start_time: new Date(now - 60_000).toISOString(),
          end_time: new Date(now + 3_600_000).toISOString(),
        },
      ],
    });
    expect(fallback.status).toBe(204);
    // The group's next plan records the site's part of the fallback.
    const db = controller.app.get<Database>(DATABASE);
    await waitFor(async () => {
      const [row] = await db.select().from(schema.sites).where(eq(schema.sites.id, siteId));
      return row.fallbackLimitsA?.[0] === 24 ? true : undefined;
    });
    await controller.admin
      .post(`/api/v1/sites/${siteId}/chargers`, {
        identity: 'CP-G',
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      })
      .expect(201);
    const second = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity: 'CP-G',
      connectorCount: 1,
    });
    try {
      await second.connect();
      const max = await second.waitForProfile<Profile>(
        (p) => p.csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile',
        10_000,
      );
      // The fallback's 24 A (not the site's 40 A grid connection) shared by the site's two chargers.
      expect(limits(max)).toEqual([12]);
    } finally {
      await second.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { startController, TestController, waitFor, sendCurrentForecast } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-scale-out';
const IDENTITIES = ['SO-1', 'SO-2', 'SO-3', 'SO-4'];

type Profile = {
  connectorId: number;
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { startPeriod: number; limit: number }[] };
  };
};
type PlanBody = {
  connectors: {
    chargerIdentity: string;
    version: number;
    dispatch: { status: string; version: number | null };
  }[];
};

const firstLimit = (profile: Profile) =>
  profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit;
const txProfile = (limit: number) => (p: Profile) =>
  p.connectorId === 1 &&
  p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
  firstLimit(p) === limit;

/** Two controller instances on one PostgreSQL database and one Redis, chargers split between them. */
describe('scale-out: two instances sharing Redis and PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: TestController;
  let b: TestController;
  let dso: SimulatedDso;
  let siteId: string;
  const chargers = new Map<string, SimulatedCharger>();

  beforeAll(async () => {
    database = await createSharedPostgresDatabase();
    const shared = {
      DATABASE_URL: database.url,
      QUEUE_PREFIX: `gridflex-so-${randomBytes(4).toString('hex')}`,
      CLUSTER_LEASE_MS: 3000,
      DISPATCH_RECONCILE_INTERVAL_MS: 1000,
    };
    a = await startController({ ...shared, INSTANCE_ID: 'instance-a' });
    b = await startController({ ...shared, INSTANCE_ID: 'instance-b' });
    await a.admin.post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] }).expect(201);
    const site = await a.admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 100, l2: 100, l3: 100 },
      })
      .expect(201);
    siteId = site.body.id;
    for (const identity of IDENTITIES) {
      await b.admin
        .post(`/api/v1/sites/${siteId}/chargers`, {
          identity,
          ocppVersion: '1.6',
          connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
        })
        .expect(201);
    }
    dso = new SimulatedDso({ baseUrl: `http://${a.host}/oscp/fp/2.0`, token: DSO_TOKEN });
  });

  afterAll(async () => {
    await Promise.all([...chargers.values()].map((charger) => charger.close()));
    await dso.close();
    await a.app.close();
    await b.app.close();
    await database.drop();
  });

  async function connectCharging(identity: string, controller: TestController): Promise<SimulatedCharger> {
    const charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity,
      connectorCount: 1,
    });
    await charger.connect();
    await charger.boot();
    await charger.statusNotification(1, 'Charging');
    chargers.set(identity, charger);
    return charger;
  }

  const forecast = (capacityA: number) => sendCurrentForecast(dso, GROUP, capacityA);

  const allAccepted = (controller: TestController) =>
    waitFor(async () => {
      const body = (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanBody;
      const done = body.connectors.every(
        (c) => c.dispatch.status === 'accepted' && c.dispatch.version === c.version,
      );
      return done && body.connectors.length === IDENTITIES.length ? body : undefined;
    });

  it('delivers one forecast to every charger, whichever instance holds its socket', async () => {
    for (const [index, identity] of IDENTITIES.entries()) {
      const charger = await connectCharging(identity, index % 2 === 0 ? a : b);
      await charger.startTransaction(1, `TAG-${identity}`, 0);
    }
    expect((await forecast(40)).status).toBe(204);
    const profiles = await Promise.all(
      IDENTITIES.map((identity) => chargers.get(identity)!.waitForProfile<Profile>(txProfile(10), 20_000)),
    );
    expect(profiles.reduce((sum, profile) => sum + firstLimit(profile), 0)).toBeLessThanOrEqual(40);
    await allAccepted(b);
  });

  it('follows a charger that moves to the other instance', async () => {
    const moved = chargers.get('SO-1')!;
    await moved.close();
    const again = await connectCharging('SO-1', b);
    expect((await forecast(32)).status).toBe(204);
    await again.waitForProfile<Profile>(txProfile(8), 20_000);
    await allAccepted(a);
  });

  it('closes the old socket when a charger connects to another instance while it looked open', async () => {
    const stale = chargers.get('SO-2')!;
    const closed = stale.waitForDisconnect();
    const fresh = new SimulatedCharger({
      endpoint: `ws://${b.host}/ocpp`,
      identity: 'SO-2',
      connectorCount: 1,
    });
    await fresh.connect();
    chargers.set('SO-2', fresh);
    await closed;
    expect((await forecast(24)).status).toBe(204);
    await fresh.waitForProfile<Profile>(txProfile(6), 20_000);
  });

  it('relays a remote operation to the instance holding the charger, errors included', async () => {
    const charger = chargers.get('SO-4')!;
    const triggered = charger.triggeredMessages.length;
    const trigger = (controller: TestController, requestedMessage: string) =>
      controller.admin.post('/api/v1/chargers/SO-4/trigger-message', { requestedMessage, connectorId: 1 });
    const [viaHolder, viaOther] = [
      await trigger(b, 'StatusNotification'),
      await trigger(a, 'StatusNotification'),
    ];
    expect([viaHolder.status, viaOther.status]).toEqual([200, 200]);
    expect(viaOther.body).toEqual({ status: 'Accepted' });
    expect(charger.triggeredMessages.slice(triggered)).toEqual(['StatusNotification', 'StatusNotification']);

    charger.callErrors.set('TriggerMessage', 'NotSupported');
    const refused = await trigger(a, 'StatusNotification');
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ code: 'NotSupported' });
    charger.callErrors.delete('TriggerMessage');
  });

  it('sends the DSO one heartbeat per interval, not one per instance', async () => {
    await dso.listen();
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    expect((await dso.handshake({ heartbeat_interval: 1 })).status).toBe(204);
    const heartbeats = () => dso.received.filter((message) => message.path === 'heartbeat');
    await waitFor(() => Promise.resolve(heartbeats().length >= 7 || undefined));
    // One sender puts about one heartbeat per second between the first and the last; two would put two.
    // Counting rather than measuring gaps keeps the check true on a busy machine, where delivery jitters.
    const times = heartbeats().map((message) => message.at.getTime());
    const seconds = (times[times.length - 1] - times[0]) / 1000;
    expect(times.length - 1).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  });
});

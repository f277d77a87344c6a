import { randomBytes } from 'node:crypto';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { buildController, ControllerProcess, startControllerProcess } from './controller-process';
import { waitFor, sendCurrentForecast } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-crash';
const CHARGER_COUNT = 100;
const CONNECTORS = 10;
const identities = Array.from({ length: CHARGER_COUNT }, (_, i) => `CRASH-${i}`);

type Profile = {
  connectorId: number;
  csChargingProfiles: { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } };
};
type PlanBody = { connectors: { version: number; dispatch: { status: string; version: number | null } }[] };

const firstLimit = (p: Profile) => p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit;
const connectorProfiles = (charger: SimulatedCharger) =>
  (charger.receivedProfiles as Profile[]).filter((p) => p.connectorId > 0);

/**
 * `kill -9` of the instance holding every socket in the middle of a 1,000-profile dispatch: once the chargers
 * have reconnected, half to a restarted instance and half to one that kept running, every connector ends
 * on the latest plan, and none receives an older one after it.
 */
describe('crash recovery across controller processes', () => {
  let database: { url: string; drop(): Promise<void> };
  let env: Record<string, string>;
  let first: ControllerProcess;
  let survivor: ControllerProcess;
  let restarted: ControllerProcess | undefined;
  let siteId: string;
  let chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    buildController();
    database = await createSharedPostgresDatabase();
    env = {
      DATABASE_URL: database.url,
      QUEUE_PREFIX: `gridflex-crash-${randomBytes(4).toString('hex')}`,
      OSCP_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      CLUSTER_LEASE_MS: '3000',
      DISPATCH_RECONCILE_INTERVAL_MS: '2000',
      DISPATCH_BACKOFF_MS: '100',
    };
    first = await startControllerProcess(env);
    survivor = await startControllerProcess(env);
    await first.admin
      .post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] })
      .expect(201);
    const site = await first.admin
      .post('/api/v1/sites', {
        name: 'Fleet depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 20_000, l2: 20_000, l3: 20_000 },
      })
      .expect(201);
    siteId = site.body.id;
    const connectors = Array.from({ length: CONNECTORS }, (_, i) => ({
      connectorId: i + 1,
      maxCurrentA: 32,
      phases: 3,
    }));
    for (const identity of identities) {
      await first.admin
        .post(`/api/v1/sites/${siteId}/chargers`, { identity, ocppVersion: '1.6', connectors })
        .expect(201);
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all(chargers.map((charger) => charger.close().catch(() => undefined)));
    await Promise.all([survivor?.stop(), restarted?.stop(), first?.kill()]);
    await database?.drop();
  });

  async function connectAll(hosts: string[], answerDelayMs: number): Promise<SimulatedCharger[]> {
    return Promise.all(
      identities.map(async (identity, index) => {
        const charger = new SimulatedCharger({
          endpoint: `ws://${hosts[index % hosts.length]}/ocpp`,
          identity,
          connectorCount: CONNECTORS,
        });
        charger.answerDelayMs = answerDelayMs;
        await charger.connect();
        for (let connectorId = 1; connectorId <= CONNECTORS; connectorId++) {
          await charger.statusNotification(connectorId, 'Charging');
        }
        return charger;
      }),
    );
  }

  const sendForecast = (capacityA: number) =>
    sendCurrentForecast(
      new SimulatedDso({
        baseUrl: `http://${first.host}/oscp/fp/2.0`,
        token: DSO_TOKEN,
      }),
      GROUP,
      capacityA,
    );

  /** Until `condition` holds, for what the chargers receive. */
  const until = (condition: () => boolean) => waitFor(() => Promise.resolve(condition() || undefined), 600);

  /** Every connector's latest profile sets `limit`. */
  const onLimit = (charger: SimulatedCharger, limit: number) => {
    const last = new Map<number, number>();
    for (const profile of connectorProfiles(charger)) last.set(profile.connectorId, firstLimit(profile));
    return last.size === CONNECTORS && [...last.values()].every((l) => l === limit);
  };

  it('converges every connector to the latest plan after a kill -9 mid-dispatch', async () => {
    chargers = await connectAll([first.host], 0);
    expect((await sendForecast(CHARGER_COUNT * CONNECTORS * 8)).status).toBe(204);
    await until(() => chargers.every((c) => onLimit(c, 8)));

    for (const charger of chargers) charger.answerDelayMs = 25;
    expect((await sendForecast(CHARGER_COUNT * CONNECTORS * 10)).status).toBe(204);
    const tenAmps = () =>
      chargers.reduce((n, c) => n + connectorProfiles(c).filter((p) => firstLimit(p) === 10).length, 0);
    await until(() => tenAmps() >= 50);
    await first.kill();
    expect(tenAmps()).toBeLessThan(CHARGER_COUNT * CONNECTORS);

    await Promise.all(chargers.map((charger) => charger.close().catch(() => undefined)));
    restarted = await startControllerProcess(env);
    chargers = await connectAll([restarted.host, survivor.host], 0);
    await until(() => chargers.every((c) => onLimit(c, 10)));
    for (const charger of chargers) {
      expect(
        connectorProfiles(charger)
          .map(firstLimit)
          .every((limit) => limit === 10),
      ).toBe(true);
    }
    const plan = await waitFor(async () => {
      const body = (await survivor.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanBody;
      return body.connectors.every(
        (c) => c.dispatch.status === 'accepted' && c.dispatch.version === c.version,
      )
        ? body
        : undefined;
    }, 600);
    expect(plan.connectors).toHaveLength(CHARGER_COUNT * CONNECTORS);
  }, 300_000);
});

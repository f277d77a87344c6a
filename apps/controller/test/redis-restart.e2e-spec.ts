import { randomBytes } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DISPATCH_JANITOR_JOB, DISPATCH_MAINTENANCE_QUEUE } from '@gridflex/dispatch';
import { PrivateRedis } from '@gridflex/observability/testing';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import {
  connectCharger,
  registerCharger,
  sendCurrentForecast,
  startController,
  TestController,
  waitFor,
} from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-redis-restart';

type Profile = {
  connectorId: number;
  csChargingProfiles: { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } };
};
const limited = (limit: number) => (p: Profile) =>
  p.connectorId === 1 && p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === limit;

/** Redis (with its append-only file, as production should run it) crashes and restarts under the controller. */
describe('a Redis restart', () => {
  let redis: PrivateRedis;
  let controller: TestController;
  let dso: SimulatedDso;
  let charger: SimulatedCharger;

  beforeAll(async () => {
    redis = await PrivateRedis.start({ persistent: true });
    controller = await startController({
      REDIS_URL: redis.url,
      CLUSTER_LEASE_MS: 3000,
      DISPATCH_RECONCILE_INTERVAL_MS: 1000,
    });
    await controller.admin
      .post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] })
      .expect(201);
    const site = await controller.admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await registerCharger(controller, site.body.id, 'RR-1');
    charger = await connectCharger(controller, 'RR-1');
    await charger.statusNotification(1, 'Charging');
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
  });

  afterAll(async () => {
    await charger.close();
    await controller.app.close();
    await redis.kill();
  });

  const forecast = (capacityA: number) => sendCurrentForecast(dso, GROUP, capacityA);

  it('refuses forecasts while Redis is down, then delivers the next one to the charger', async () => {
    expect((await forecast(20)).status).toBe(204);
    await charger.waitForProfile<Profile>(limited(20), 20_000);

    await redis.kill();
    // Once the controller has noticed (its readiness says so), writes are refused rather than half-done.
    await waitFor(async () =>
      (await controller.admin.get('/health/ready')).status === 503 ? true : undefined,
    );
    expect((await forecast(16)).status).toBe(503);
    await redis.restart();

    await waitFor(async () => ((await forecast(12)).status === 204 ? true : undefined));
    await charger.waitForProfile<Profile>(limited(12), 30_000);
    const plan = await waitFor(async () => {
      const body = (await controller.admin.get('/api/v1/sites').expect(200)).body as { id: string }[];
      const view = (await controller.admin.get(`/api/v1/sites/${body[0].id}/plan`).expect(200)).body as {
        connectors: { dispatch: { status: string } }[];
      };
      return view.connectors[0]?.dispatch.status === 'accepted' ? view : undefined;
    });
    expect(plan.connectors).toHaveLength(1);
  });
});

/** A Redis without persistence comes back empty: queues, job schedulers and timers are gone. */
describe('a Redis restart that loses every key', () => {
  const token = randomBytes(24).toString('hex');
  const group = 'grp-redis-empty';
  let redis: PrivateRedis;
  let controller: TestController;
  let dso: SimulatedDso;
  let charger: SimulatedCharger;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    controller = await startController({ REDIS_URL: redis.url, CLUSTER_LEASE_MS: 3000 });
    await controller.admin.post('/api/v1/dso-peers', { name: 'dso', token, groupIds: [group] }).expect(201);
    const site = await controller.admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: group,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await controller.admin
      .post(`/api/v1/sites/${site.body.id}/chargers`, {
        identity: 'RE-1',
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      })
      .expect(201);
    charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity: 'RE-1',
      connectorCount: 1,
    });
    await charger.connect();
    await charger.statusNotification(1, 'Charging');
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token });
    await dso.listen();
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitFor(() => Promise.resolve(dso.currentToken !== token ? true : undefined));
  });

  afterAll(async () => {
    await charger.close();
    await dso.close();
    await controller.app.close();
    await redis.kill();
  });

  const heartbeats = () => dso.received.filter((m) => m.path === 'heartbeat').length;

  it('re-creates the timers the DSO asked for and delivers the next forecast', async () => {
    expect((await dso.handshake({ heartbeat_interval: 1, measurement_configuration: [] })).status).toBe(204);
    await dso.waitFor('heartbeat');
    expect((await sendCurrentForecast(dso, group, 20)).status).toBe(204);
    await charger.waitForProfile<Profile>(limited(20), 20_000);

    await redis.kill();
    await waitFor(async () =>
      (await controller.admin.get('/health/ready')).status === 503 ? true : undefined,
    );
    await redis.restart();
    const before = heartbeats();

    // The heartbeat scheduler lived only in Redis: it beats again because the controller re-created it.
    await waitFor(() => Promise.resolve(heartbeats() >= before + 2 ? true : undefined));
    await waitFor(async () =>
      (await sendCurrentForecast(dso, group, 12)).status === 204 ? true : undefined,
    );
    await charger.waitForProfile<Profile>(limited(12), 30_000);
    // So is the janitor that re-queues plans whose pushes an emptied Redis lost.
    const maintenance = controller.app.get<Queue>(getQueueToken(DISPATCH_MAINTENANCE_QUEUE));
    const keys = await waitFor(async () => {
      const found = (await maintenance.getJobSchedulers()).map((s) => s.key);
      return found.length > 0 ? found : undefined;
    });
    expect(keys).toEqual([DISPATCH_JANITOR_JOB]);
  });
});

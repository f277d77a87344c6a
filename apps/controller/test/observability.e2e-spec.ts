import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import request from 'supertest';
import { QueueWorkerRegistry } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  DISPATCH_PUSH_FINISHED,
  DISPATCH_VERIFIED,
  DispatchPushFinishedEvent,
  DispatchVerifiedEvent,
} from '@gridflex/dispatch';
import { PrivateRedis } from '@gridflex/observability/testing';
import { PrivatePostgres } from '@gridflex/persistence/testing';
import { PLANNING_COMPLETED, PlanningCompletedEvent } from '@gridflex/planning';
import { SimulatedCharger } from '@gridflex/simulator';
import {
  connectCharger,
  registerCharger,
  startController,
  TEST_API_KEY,
  TestController,
  waitFor,
} from './test-controller';

const SITE = {
  name: 'Depot',
  groupId: 'grp-obs',
  nominalVoltageV: 230,
  gridLimitA: { l1: 40, l2: 40, l3: 40 },
};

const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;

/** The value of one series in a Prometheus text exposition; undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics, health and the queue dashboard', () => {
  let controller: TestController;
  let server: Server;
  let runtimeQueue: Queue;
  let charger: SimulatedCharger | undefined;

  beforeAll(async () => {
    controller = await startController();
    server = controller.app.getHttpServer() as Server;
    const config = controller.app.get<AppConfig>(APP_CONFIG);
    // A queue created by hand at run time, as the per-instance dispatch queue is.
    runtimeQueue = new Queue(`obs-runtime-${randomUUID()}`, {
      connection: { url: config.REDIS_URL },
      prefix: config.QUEUE_PREFIX,
    });
    controller.app.get(QueueWorkerRegistry).registerQueue(runtimeQueue);
  });

  afterAll(async () => {
    await charger?.close();
    await runtimeQueue?.obliterate({ force: true });
    await runtimeQueue?.close();
    await controller?.app.close();
  });

  const scrape = async () => {
    const response = await request(server).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    return response.text;
  };

  it('exposes process, instance, queue and charger metrics without a key', async () => {
    const text = await scrape();
    expect(text).toContain('gridflex_process_cpu_user_seconds_total');
    expect(text).toMatch(/^gridflex_instance_info\{instance="[^"]+"\} 1$/m);
    expect(sample(text, 'gridflex_queue_jobs{queue="oscp-outbound",state="waiting-children"}')).toBe(0);
    expect(sample(text, `gridflex_queue_jobs{queue="${runtimeQueue.name}",state="waiting"}`)).toBe(0);
    expect(sample(text, 'gridflex_ocpp_connected_chargers')).toBe(0);
    expect(sample(text, 'gridflex_redis_up')).toBe(1);
  });

  it('counts the jobs of a queue registered at run time, by state', async () => {
    await runtimeQueue.add('later', {}, { delay: 3_600_000 });
    await runtimeQueue.add('now', {});
    const text = await scrape();
    expect(sample(text, `gridflex_queue_jobs{queue="${runtimeQueue.name}",state="delayed"}`)).toBe(1);
    expect(sample(text, `gridflex_queue_jobs{queue="${runtimeQueue.name}",state="waiting"}`)).toBe(1);
  });

  it('follows dispatch pushes and planning runs', async () => {
    const before = await scrape();
    const events = controller.app.get(EventEmitter2);
    events.emit(DISPATCH_PUSH_FINISHED, new DispatchPushFinishedEvent('accepted', 40, 1));
    events.emit(DISPATCH_PUSH_FINISHED, new DispatchPushFinishedEvent('timeout', 30_000, 1));
    events.emit(DISPATCH_PUSH_FINISHED, new DispatchPushFinishedEvent('accepted', 70, 2));
    events.emit(DISPATCH_VERIFIED, new DispatchVerifiedEvent('mismatch'));
    events.emit(PLANNING_COMPLETED, new PlanningCompletedEvent('group:g1', 12, 10, 3));
    events.emit(PLANNING_COMPLETED, new PlanningCompletedEvent(`site:${randomUUID()}`, 3, 2, 0));
    const after = await scrape();
    // The controller's own pushes and runs count too: compare with what was there before.
    const moved = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);

    expect(moved('gridflex_dispatch_outcomes_total{outcome="accepted"}')).toBe(2);
    expect(moved('gridflex_dispatch_outcomes_total{outcome="timeout"}')).toBe(1);
    expect(moved('gridflex_dispatch_retries_total')).toBe(1);
    expect(moved('gridflex_dispatch_verifications_total{result="mismatch"}')).toBe(1);
    expect(moved('gridflex_dispatch_push_duration_seconds_count')).toBe(3);
    expect(moved('gridflex_dispatch_push_duration_seconds_bucket{le="0.05"}')).toBe(1);
    expect(moved('gridflex_dispatch_push_duration_seconds_bucket{le="0.1"}')).toBe(2);
    expect(moved('gridflex_dispatch_push_duration_seconds_sum')).toBeCloseTo(30.11, 6);
    expect(moved('gridflex_planning_runs_total')).toBe(2);
    expect(moved('gridflex_planning_duration_seconds_count{scope_kind="group"}')).toBe(1);
    expect(moved('gridflex_planning_duration_seconds_count{scope_kind="site"}')).toBe(1);
    expect(moved('gridflex_planning_duration_seconds_sum{scope_kind="group"}')).toBeCloseTo(0.012, 6);
  });

  it('counts the chargers connected to this instance', async () => {
    const site = await controller.admin.post('/api/v1/sites', SITE).expect(201);
    await registerCharger(controller, site.body.id, 'CP-OBS');
    charger = await connectCharger(controller, 'CP-OBS');
    await waitFor(async () =>
      sample(await scrape(), 'gridflex_ocpp_connected_chargers') === 1 ? true : undefined,
    );
    await charger.close();
    charger = undefined;
    await waitFor(async () =>
      sample(await scrape(), 'gridflex_ocpp_connected_chargers') === 0 ? true : undefined,
    );
  });

  it('is live and ready, publicly', async () => {
    expect((await request(server).get('/health/live').expect(200)).body).toMatchObject({ status: 'ok' });
    const ready = await request(server).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: {
        database: { status: 'up' },
        redis: { status: 'up' },
        queueWorkers: { status: 'up' },
      },
    });
    expect(ready.body.details.queueWorkers.running).toBeGreaterThanOrEqual(4);
  });

  it('serves the queue dashboard with the admin key only, as Basic password or X-API-Key', async () => {
    const refused = await request(server).get('/admin/queues').expect(401);
    expect(refused.headers['www-authenticate']).toBe('Basic realm="gridflex"');
    await request(server).get('/admin/queues').set('Authorization', basic('not-the-key')).expect(401);
    await request(server).get('/admin/queues/api/queues').expect(401);

    const page = await request(server)
      .get('/admin/queues')
      .set('Authorization', basic(TEST_API_KEY))
      .expect(200);
    expect(page.text).toContain('<html');
    const api = await request(server)
      .get('/admin/queues/api/queues')
      .set('X-API-Key', TEST_API_KEY)
      .expect(200);
    const names = (api.body.queues as { name: string }[]).map((queue) => queue.name);
    expect(names).toEqual(expect.arrayContaining(['oscp-outbound', 'oscp-timers', runtimeQueue.name]));
  });
});

describe('when Redis goes away', () => {
  let redis: PrivateRedis;
  let controller: TestController;
  let server: Server;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    controller = await startController({ REDIS_URL: redis.url });
    server = controller.app.getHttpServer() as Server;
  });

  afterAll(async () => {
    redis?.resume();
    // Closing the application with Redis back lets the workers close cleanly.
    if (redis) await redis.restart().catch(() => undefined);
    await controller?.app.close();
    await redis?.kill();
  });

  const readyStatus = async () => (await request(server).get('/health/ready')).status;
  const ready = () => waitFor(async () => ((await readyStatus()) === 200 ? true : undefined));
  const notReady = () => waitFor(async () => ((await readyStatus()) === 503 ? true : undefined));

  it('answers writes with 503 and Retry-After, changing nothing, and reads and health as before', async () => {
    await ready();
    await redis.kill();
    await notReady();

    const readiness = await request(server).get('/health/ready').expect(503);
    expect(readiness.body).toMatchObject({
      status: 'error',
      error: { redis: { status: 'down' } },
      details: { database: { status: 'up' }, redis: { status: 'down' } },
    });

    const write = await controller.admin.post('/api/v1/sites', SITE).expect(503);
    expect(write.body.message).toMatch(/^Redis unavailable: /);
    expect(write.headers['retry-after']).toBe('5');
    const forecast = await request(server)
      .post('/oscp/fp/2.0/update_group_capacity_forecast')
      .set('Authorization', 'Token whatever')
      .set('X-Request-ID', randomUUID())
      .send({ group_id: SITE.groupId, type: 'CONSUMPTION', forecasted_blocks: [] })
      .expect(503);
    expect(forecast.body.message).toMatch(/^Redis unavailable: /);

    expect((await controller.admin.get('/api/v1/sites').expect(200)).body).toEqual([]);
    await request(server).get('/health/live').expect(200);
    const metrics = await request(server).get('/metrics').expect(200);
    expect(sample(metrics.text, 'gridflex_redis_up')).toBe(0);
    expect(metrics.text).not.toContain('gridflex_queue_jobs{');

    await redis.restart();
    await ready();
    await controller.admin.post('/api/v1/sites', SITE).expect(201);
  });

  it('does not hang while Redis hangs: not ready, and writes refused', async () => {
    await ready();
    redis.pause();
    await notReady();
    const readiness = await request(server).get('/health/ready').expect(503);
    expect(readiness.body.error.redis.message).toMatch(/did not answer within/);
    const write = await controller.admin.post('/api/v1/sites', { ...SITE, name: 'Hung' }).expect(503);
    expect(write.body.message).toMatch(/^Redis unavailable: PING did not answer within/);
    redis.resume();
    await ready();
    const names = (await controller.admin.get('/api/v1/sites').expect(200)).body.map(
      (s: { name: string }) => s.name,
    );
    expect(names).toEqual(['Depot']);
  });
});

describe('when the database goes away', () => {
  let postgres: PrivatePostgres;
  let controller: TestController;

  beforeAll(async () => {
    postgres = await PrivatePostgres.start();
    controller = await startController({ DATABASE_URL: postgres.url });
  });

  afterAll(async () => {
    await controller?.app.close();
    postgres?.destroy();
  });

  it('is not ready until it is back, and still live', async () => {
    const server = controller.app.getHttpServer() as Server;
    await request(server).get('/health/ready').expect(200);
    postgres.stopHard();
    const readiness = await request(server).get('/health/ready').expect(503);
    expect(readiness.body).toMatchObject({
      status: 'error',
      error: { database: { status: 'down' } },
      details: { redis: { status: 'up' }, queueWorkers: { status: 'up' } },
    });
    await request(server).get('/health/live').expect(200);
    await postgres.restart();
    await waitFor(async () =>
      (await request(server).get('/health/ready')).status === 200 ? true : undefined,
    );
  });
});

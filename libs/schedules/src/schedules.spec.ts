import { randomBytes } from 'node:crypto';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { Job, Queue } from 'bullmq';
import request from 'supertest';
import { CommonModule } from '@gridflex/common';
import { APP_CONFIG, AppConfig, AppConfigModule } from '@gridflex/config';
import { PersistenceModule } from '@gridflex/persistence';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { edgePatterns } from './schedule-series';
import { ScheduleEdgesProcessor } from './schedule-edges.processor';
import { SCHEDULE_EDGES_QUEUE, SCHEDULE_WINDOW_EDGE, ScheduleWindowEdgeEvent } from './schedules.constants';
import { SchedulesModule } from './schedules.module';
import { WINDOW_EDGE_JOB } from './schedules.service';

const API_KEY = 'k'.repeat(32);

/** One controller instance as far as schedules go: its own database, the shared Redis under `prefix`. */
async function startInstance(prefix: string): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot({
        PGLITE_DATA_DIR: 'memory://',
        PGLITE_TEMPLATE_FILE: await pgliteTemplateFile(),
        ADMIN_API_KEY: API_KEY,
        QUEUE_PREFIX: prefix,
      }),
      PersistenceModule.forRoot(),
      CommonModule,
      EventEmitterModule.forRoot(),
      BullModule.forRootAsync({
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({
          connection: { url: config.REDIS_URL },
          prefix: config.QUEUE_PREFIX,
        }),
      }),
      SchedulesModule,
    ],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.listen(0, '127.0.0.1');
  return app;
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met');
}

describe('peak-shaving rules, tariffs and their window-edge schedulers', () => {
  let app: INestApplication;
  let queue: Queue;
  const api = () => request(app.getHttpServer());
  const post = (path: string, body: object) => api().post(path).set('X-API-Key', API_KEY).send(body);
  const get = (path: string) => api().get(path).set('X-API-Key', API_KEY);
  const schedulers = async (siteId: string) =>
    (await queue.getJobSchedulers())
      .filter((s) => s.key.startsWith(`site:${siteId}:`))
      .map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))
      .sort((a, b) => a.key.localeCompare(b.key));

  beforeAll(async () => {
    app = await startInstance(`gridflex-schedules-${randomBytes(4).toString('hex')}`);
    queue = app.get<Queue>(getQueueToken(SCHEDULE_EDGES_QUEUE));
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await app.close();
  });

  const newSite = async (timeZone = 'Europe/Amsterdam') =>
    (
      await post('/api/v1/sites', {
        name: 'Depot',
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
        timeZone,
      }).expect(201)
    ).body.id as string;
  const peak = {
    name: 'weekday peak',
    weekdays: [1, 2, 3, 4, 5],
    startTime: '17:00',
    endTime: '20:00',
    limitKw: 60,
  };

  it('stores a rule, schedules its two edges in the site zone and records the change', async () => {
    const siteId = await newSite();
    const rule = (await post(`/api/v1/sites/${siteId}/peak-shaving-rules`, peak).expect(201)).body;
    expect(rule).toEqual({ id: expect.any(String), ...peak, date: null, limitPercent: null });
    expect((await get(`/api/v1/sites/${siteId}/peak-shaving-rules`).expect(200)).body).toEqual([rule]);
    const prefix = `site:${siteId}:rule:${rule.id}`;
    await until(async () => ((await schedulers(siteId)).length === 2 ? true : undefined));
    expect(await schedulers(siteId)).toEqual([
      { key: `${prefix}:end`, pattern: '0 20 * * 1,2,3,4,5', tz: 'Europe/Amsterdam' },
      { key: `${prefix}:start`, pattern: '0 17 * * 1,2,3,4,5', tz: 'Europe/Amsterdam' },
    ]);
    const changes = (await get(`/api/v1/sites/${siteId}/changes`).expect(200)).body;
    expect(changes[0]).toMatchObject({ version: 2, action: 'peak-shaving-rule.added', details: peak });
  });

  it('moves the schedulers to the new zone when the site moves, and removes them with the rule', async () => {
    const siteId = await newSite();
    const rule = (await post(`/api/v1/sites/${siteId}/peak-shaving-rules`, peak).expect(201)).body;
    await api()
      .patch(`/api/v1/sites/${siteId}`)
      .set('X-API-Key', API_KEY)
      .send({ timeZone: 'America/New_York' })
      .expect(200);
    await until(async () => {
      const tzs = (await schedulers(siteId)).map((s) => s.tz);
      return tzs.length === 2 && tzs.every((tz) => tz === 'America/New_York') ? true : undefined;
    });
    await api()
      .delete(`/api/v1/sites/${siteId}/peak-shaving-rules/${rule.id}`)
      .set('X-API-Key', API_KEY)
      .expect(204);
    await until(async () => ((await schedulers(siteId)).length === 0 ? true : undefined));
    await api()
      .delete(`/api/v1/sites/${siteId}/peak-shaving-rules/${rule.id}`)
      .set('X-API-Key', API_KEY)
      .expect(404);
  });

  it('stores tariffs and schedules their edges too', async () => {
    const siteId = await newSite();
    const tariff = {
      name: 'night',
      startTime: '23:00',
      endTime: '07:00',
      pricePerKwh: 0.12,
      currency: 'EUR',
    };
    const created = (await post(`/api/v1/sites/${siteId}/tariffs`, tariff).expect(201)).body;
    expect(created).toEqual({ id: expect.any(String), ...tariff, weekdays: null, date: null });
    await until(async () => ((await schedulers(siteId)).length === 2 ? true : undefined));
    expect((await schedulers(siteId)).map((s) => s.pattern)).toEqual(['0 7 * * *', '0 23 * * *']);
  });

  it.each([
    ['weekdays and a date', { ...peak, date: '2026-12-24' }, 'date'],
    ['an impossible time', { ...peak, startTime: '25:00' }, 'startTime'],
    ['start equal to end', { ...peak, endTime: '17:00' }, 'endTime'],
    ['weekday 0', { ...peak, weekdays: [0, 1] }, 'weekdays'],
    ['a repeated weekday', { ...peak, weekdays: [1, 1] }, 'weekdays'],
    ['kW and percent', { ...peak, limitPercent: 50 }, 'limitPercent'],
    ['a percent above 100', { ...peak, limitKw: undefined, limitPercent: 101 }, 'limitPercent'],
    ['a malformed date', { ...peak, weekdays: undefined, date: '24-12-2026' }, 'date'],
    ['an unknown property', { ...peak, colour: 'red' }, 'colour'],
  ])('refuses a rule with %s and schedules nothing', async (_case, body, field) => {
    const siteId = await newSite();
    const response = await post(`/api/v1/sites/${siteId}/peak-shaving-rules`, body).expect(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await get(`/api/v1/sites/${siteId}/peak-shaving-rules`).expect(200)).body).toEqual([]);
    expect(await schedulers(siteId)).toEqual([]);
  });

  it('refuses a tariff without a valid currency, and answers 404 for an unknown site', async () => {
    const siteId = await newSite();
    const bad = { name: 't', startTime: '23:00', endTime: '07:00', pricePerKwh: 0.1, currency: 'EURO' };
    expect((await post(`/api/v1/sites/${siteId}/tariffs`, bad).expect(400)).body.message).toContain(
      'currency',
    );
    await post('/api/v1/sites/00000000-0000-4000-8000-000000000000/peak-shaving-rules', peak).expect(404);
  });

  describe('import and export of the whole site', () => {
    const validSite = {
      name: 'Depot',
      groupId: 'grp-1',
      nominalVoltageV: 230,
      gridLimitA: { l1: 63, l2: 63, l3: 63 },
    };
    const siteCount = async () => (await get('/api/v1/sites').expect(200)).body.length as number;
    const limitA = (a: number) => ({ l1: a, l2: a, l3: a });
    const document = (suffix: string) => ({
      format: 'gridflex.site/1',
      site: {
        ...validSite,
        timeZone: 'Europe/Amsterdam',
        totalLimitKw: 50,
        lineToLineVoltageV: 415,
        transformer: { secondaryLineLimitA: 100, primaryLineLimitA: 4, primaryVoltageV: 10_000 },
        baseLoad: { mode: 'fixed', currentA: limitA(4) },
      },
      circuits: [
        {
          ref: 'main',
          name: 'Main',
          parentRef: null,
          limitA: limitA(63),
          transformer: { secondaryLineLimitA: 70, primaryLineLimitA: 2, primaryVoltageV: 20_000 },
        },
        {
          ref: 'bay',
          name: 'Bay',
          parentRef: 'main',
          limitA: limitA(80),
          transformer: { secondaryLineLimitA: 90, primaryLineLimitA: 3, primaryVoltageV: 11_000 },
        },
      ],
      chargers: [
        {
          identity: `CP-DOC-${suffix}`,
          ocppVersion: '1.6',
          circuitRef: 'bay',
          maxCurrentA: 32,
          phaseRotation: ['L3', 'L1', 'L2'],
          smartChargingExcluded: false,
          connectors: [
            { connectorId: 1, maxCurrentA: 32, phases: 3, minCurrentA: 8, priority: 2 },
            { connectorId: 2, maxCurrentA: 32, phases: 2, lineToLine: 'BC', minCurrentA: 6, priority: 0 },
          ],
        },
      ],
      peakShavingRules: [
        peak,
        { name: 'christmas', date: '2026-12-24', startTime: '00:00', endTime: '24:00', limitPercent: 50 },
      ],
      tariffs: [{ name: 'night', startTime: '23:00', endTime: '07:00', pricePerKwh: 0.12, currency: 'EUR' }],
    });

    it('imports a whole site, flags what is allowed but odd, and exports it back the same', async () => {
      const imported = (
        await post('/api/v1/sites/import', document('A')).set('X-Actor', 'onboarding').expect(201)
      ).body;
      expect(imported.warnings).toEqual([
        'circuit "Bay": L1 limit 80 A is above its parent circuit "Main"\'s 63 A',
        'circuit "Bay": L2 limit 80 A is above its parent circuit "Main"\'s 63 A',
        'circuit "Bay": L3 limit 80 A is above its parent circuit "Main"\'s 63 A',
      ]);
      const exported = (await get(`/api/v1/sites/${imported.id}/export`).expect(200)).body;
      const refs = new Map(exported.circuits.map((c: { ref: string; name: string }) => [c.ref, c.name]));
      const byName = (doc: ReturnType<typeof document>) => ({
        ...doc,
        circuits: doc.circuits
          .map(({ ref, parentRef, ...c }) => ({
            ...c,
            ref: refs.get(ref) ?? ref,
            parentRef: parentRef && (refs.get(parentRef) ?? parentRef),
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        chargers: doc.chargers.map((c) => ({ ...c, circuitRef: refs.get(c.circuitRef) ?? c.circuitRef })),
        // Windows written by one import share their creation time, so their order is not the document's.
        peakShavingRules: [...doc.peakShavingRules].sort((a, b) => a.name.localeCompare(b.name)),
      });
      expect(byName(exported)).toEqual(
        byName({
          ...document('A'),
          circuits: document('A').circuits.map((c) => ({
            ...c,
            ref: c.name,
            parentRef: c.parentRef === 'main' ? 'Main' : null,
          })),
          chargers: document('A').chargers.map((c) => ({ ...c, circuitRef: 'Bay' })),
        }),
      );
      expect((await get(`/api/v1/sites/${imported.id}/changes`)).body).toEqual([
        expect.objectContaining({ version: 1, actor: 'onboarding', action: 'site.imported' }),
      ]);
      await until(async () => ((await schedulers(imported.id)).length === 6 ? true : undefined));
      // The export is accepted back as it is (once its charger identities are free).
      exported.chargers[0].identity = 'CP-DOC-A2';
      await post('/api/v1/sites/import', exported).expect(201);
    });

    it('carries the upstream URLs and modes of proxy mode across export and import, never their passwords', async () => {
      const base = document('UP');
      const charger = base.chargers[0];
      const proxied = {
        ...base,
        site: { ...base.site, upstreamUrl: 'wss://csms.example/ocpp', upstreamPassword: 'site-secret-1' },
        chargers: [
          { ...charger, upstreamPassword: 'own-secret-1' },
          {
            ...charger,
            identity: 'CP-DOC-UP-OWN',
            upstreamUrl: 'ws://other:9000/x',
            upstreamPassword: 'own-2',
          },
          { ...charger, identity: 'CP-DOC-UP-NONE', upstreamMode: 'none' },
        ],
      };
      const imported = (await post('/api/v1/sites/import', proxied).expect(201)).body;
      expect(imported).toMatchObject({ upstreamUrl: 'wss://csms.example/ocpp', upstreamPasswordSet: true });
      const views = (await get(`/api/v1/sites/${imported.id}/chargers`).expect(200)).body;
      const effective = (identity: string) =>
        views.find((c: { identity: string }) => c.identity === identity).effectiveUpstream;
      expect(effective('CP-DOC-UP')).toEqual({
        url: 'wss://csms.example/ocpp',
        source: 'site',
        passwordSet: true,
      });
      expect(effective('CP-DOC-UP-OWN')).toEqual({
        url: 'ws://other:9000/x',
        source: 'charger',
        passwordSet: true,
      });
      expect(effective('CP-DOC-UP-NONE')).toBeNull();

      const exported = (await get(`/api/v1/sites/${imported.id}/export`).expect(200)).body;
      expect(exported.site.upstreamUrl).toBe('wss://csms.example/ocpp');
      const upstreams = exported.chargers.map((c: Record<string, unknown>) => [
        c.identity,
        c.upstreamMode,
        c.upstreamUrl,
      ]);
      expect(upstreams.sort()).toEqual([
        ['CP-DOC-UP', undefined, undefined],
        ['CP-DOC-UP-NONE', 'none', undefined],
        ['CP-DOC-UP-OWN', 'own', 'ws://other:9000/x'],
      ]);
      expect(JSON.stringify(exported)).not.toMatch(/secret|own-2|[Pp]assword/);
    });

    const broken: [string, (doc: ReturnType<typeof document>) => object, number, string][] = [
      [
        'a site upstream that is not a WebSocket URL',
        (d) => ({ ...d, site: { ...d.site, upstreamUrl: 'http://csms.example' } }),
        400,
        'upstreamUrl must be a ws:// or wss:// URL',
      ],
      [
        'a charger in upstream mode own without a URL',
        (d) => ({ ...d, chargers: [{ ...d.chargers[0], upstreamMode: 'own' }] }),
        400,
        'upstreamMode own needs an upstreamUrl',
      ],
      [
        'a line-to-line connector on three phases',
        (d) => ({
          ...d,
          chargers: [{ ...d.chargers[0], connectors: [{ ...d.chargers[0].connectors[1], phases: 3 }] }],
        }),
        400,
        'lineToLine needs phases 2',
      ],
      [
        'a cycle of circuits',
        (d) => ({ ...d, circuits: [{ ...d.circuits[0], parentRef: 'bay' }, d.circuits[1]] }),
        400,
        'circuits form a cycle',
      ],
      [
        'an unknown circuitRef',
        (d) => ({ ...d, chargers: [{ ...d.chargers[0], circuitRef: 'nowhere' }] }),
        400,
        'chargers[0].circuitRef "nowhere" names no circuit',
      ],
      [
        'an unknown parentRef',
        (d) => ({ ...d, circuits: [d.circuits[0], { ...d.circuits[1], parentRef: 'x' }] }),
        400,
        'circuits[1].parentRef "x"',
      ],
      [
        'a duplicate ref',
        (d) => ({ ...d, circuits: [d.circuits[0], { ...d.circuits[1], ref: 'main' }] }),
        400,
        'circuit ref "main" is used twice',
      ],
      [
        'a bad phase rotation',
        (d) => ({ ...d, chargers: [{ ...d.chargers[0], phaseRotation: ['L1', 'L1', 'L2'] }] }),
        400,
        'phaseRotation',
      ],
      ['an unknown format', (d) => ({ ...d, format: 'other/9' }), 400, 'format must be gridflex.site/1'],
      [
        'a bad rule',
        (d) => ({ ...d, peakShavingRules: [{ ...peak, date: '2026-12-24' }] }),
        400,
        'peakShavingRules[0].date',
      ],
      [
        'a taken charger identity',
        (d) => ({ ...d, chargers: [{ ...d.chargers[0], identity: 'CP-DOC-A' }] }),
        409,
        'CP-DOC-A',
      ],
    ];
    it.each(broken)(
      'refuses a document with %s and creates nothing',
      async (_case, breakIt, status, message) => {
        const before = await siteCount();
        const response = await post('/api/v1/sites/import', breakIt(document('B'))).expect(status);
        expect(response.body.message).toContain(message);
        expect(await siteCount()).toBe(before);
      },
    );
  });

  describe('next edge across DST changes, with the start time as a parameter', () => {
    const nextEdge = async (id: string, window: Parameters<typeof edgePatterns>[0], startDate: string) => {
      const { start } = edgePatterns(window);
      await queue.upsertJobScheduler(
        `dst:${id}`,
        { pattern: start, tz: 'Europe/Amsterdam', startDate },
        { name: 'dst-probe', data: { siteId: 'none' } },
      );
      const scheduler = await queue.getJobScheduler(`dst:${id}`);
      await queue.removeJobScheduler(`dst:${id}`);
      return new Date(scheduler!.next!).toISOString();
    };
    const evening = { weekdays: null, date: null, startTime: '17:00', endTime: '20:00' };
    const night = { weekdays: null, date: null, startTime: '02:30', endTime: '04:00' };

    it.each([
      ['the day before spring-forward', evening, '2027-03-27T12:00:00Z', '2027-03-27T16:00:00.000Z'],
      ['the spring-forward day', evening, '2027-03-28T12:00:00Z', '2027-03-28T15:00:00.000Z'],
      ['the day before fall-back', evening, '2027-10-30T12:00:00Z', '2027-10-30T15:00:00.000Z'],
      ['the fall-back day', evening, '2027-10-31T12:00:00Z', '2027-10-31T16:00:00.000Z'],
      [
        'the repeated hour of fall-back, first pass',
        night,
        '2027-10-30T12:00:00Z',
        '2027-10-31T00:30:00.000Z',
      ],
      [
        'the repeated hour of fall-back, not again',
        night,
        '2027-10-31T00:31:00Z',
        '2027-11-01T01:30:00.000Z',
      ],
      ['the hour skipped by spring-forward', night, '2027-03-27T12:00:00Z', '2027-03-28T01:30:00.000Z'],
    ])('fires 17:00 / 02:30 local at the right instant on %s', async (_case, window, startDate, expected) => {
      expect(await nextEdge(randomBytes(4).toString('hex'), window, startDate)).toBe(expected);
    });
  });
});

describe('a window edge with two instances', () => {
  const prefix = `gridflex-schedules-${randomBytes(4).toString('hex')}`;
  let instances: INestApplication[];

  beforeAll(async () => {
    instances = [await startInstance(prefix), await startInstance(prefix)];
  });
  afterAll(async () => {
    await instances[0].get<Queue>(getQueueToken(SCHEDULE_EDGES_QUEUE)).obliterate({ force: true });
    await Promise.all(instances.map((app) => app.close()));
  });

  it('is scheduled once and handled once per tick, by one of them', async () => {
    const edges: string[][] = instances.map(() => []);
    const completed: string[] = [];
    instances.forEach((app, i) => {
      app
        .get(EventEmitter2)
        .on(SCHEDULE_WINDOW_EDGE, (e: ScheduleWindowEdgeEvent) => edges[i].push(e.siteId));
      app.get(ScheduleEdgesProcessor).worker.on('completed', (job: Job) => completed.push(job.id!));
    });
    // Both instances reconcile the same window at boot: upserting twice leaves one scheduler.
    for (const app of instances) {
      await app
        .get<Queue>(getQueueToken(SCHEDULE_EDGES_QUEUE))
        .upsertJobScheduler(
          'site:s1:rule:r1:start',
          { pattern: '* * * * * *' },
          { name: WINDOW_EDGE_JOB, data: { siteId: 's1' } },
        );
    }
    const queue = instances[0].get<Queue>(getQueueToken(SCHEDULE_EDGES_QUEUE));
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['site:s1:rule:r1:start']);
    await until(() => (completed.length >= 3 ? true : undefined));
    await queue.removeJobScheduler('site:s1:rule:r1:start');
    // Once the last tick in flight has completed, every tick was handled exactly once.
    await until(async () => ((await queue.getActiveCount()) === 0 ? true : undefined));
    expect(new Set(completed).size).toBe(completed.length);
    expect(edges[0].length + edges[1].length).toBe(completed.length);
    expect([...edges[0], ...edges[1]].every((siteId) => siteId === 's1')).toBe(true);
  });
});

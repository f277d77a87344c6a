import { INestApplication } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CommonModule } from '@gridflex/common';
import { AppConfigModule } from '@gridflex/config';
import { PersistenceModule } from '@gridflex/persistence';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { SITE_CONFIGURATION_CHANGED } from './events';
import { SitesModule } from './sites.module';

const API_KEY = 'k'.repeat(32);

describe('sites admin API', () => {
  let app: INestApplication;
  let emitted: unknown[];

  const api = () => request(app.getHttpServer());
  const post = (path: string, body: unknown) =>
    api()
      .post(path)
      .set('X-API-Key', API_KEY)
      .send(body as object);
  const put = (path: string, body: unknown) =>
    api()
      .put(path)
      .set('X-API-Key', API_KEY)
      .send(body as object);
  const patch = (path: string, body: unknown) =>
    api()
      .patch(path)
      .set('X-API-Key', API_KEY)
      .send(body as object);
  const del = (path: string) => api().delete(path).set('X-API-Key', API_KEY);
  const get = (path: string) => api().get(path).set('X-API-Key', API_KEY);
  const siteCount = async () => (await get('/api/v1/sites').expect(200)).body.length as number;

  const validSite = {
    name: 'Depot',
    groupId: 'grp-1',
    nominalVoltageV: 230,
    gridLimitA: { l1: 63, l2: 63, l3: 63 },
  };
  const validCharger = {
    identity: 'CP-1',
    password: 'p'.repeat(16),
    ocppVersion: '1.6',
    connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
  };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot({
          PGLITE_DATA_DIR: 'memory://',
          PGLITE_TEMPLATE_FILE: await pgliteTemplateFile(),
          ADMIN_API_KEY: API_KEY,
        }),
        PersistenceModule.forRoot(),
        CommonModule,
        EventEmitterModule.forRoot(),
        SitesModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    emitted = [];
    app.get(EventEmitter2).on(SITE_CONFIGURATION_CHANGED, (event: unknown) => emitted.push(event));
  });
  afterAll(() => app.close());
  beforeEach(() => (emitted = []));

  it('refuses requests without the admin key, or with a wrong one', async () => {
    expect((await api().get('/api/v1/sites').expect(401)).body.message).toBe('Missing X-API-Key header');
    await api().get('/api/v1/sites').set('X-API-Key', 'nope').expect(401);
    await api().post('/api/v1/sites').send(validSite).expect(401);
    expect(await siteCount()).toBe(0);
  });

  it('creates a site, reads it back and announces the change', async () => {
    const created = (await post('/api/v1/sites', validSite).expect(201)).body;
    expect(created).toMatchObject({ ...validSite, id: expect.any(String) });
    expect((await get(`/api/v1/sites/${created.id}`).expect(200)).body).toMatchObject({
      ...validSite,
      chargers: [],
    });
    expect(emitted).toEqual([{ siteId: created.id, groupIds: ['grp-1'] }]);
  });

  const badSites: [string, object, string][] = [
    ['missing name', { ...validSite, name: undefined }, 'name'],
    ['empty name', { ...validSite, name: '' }, 'name'],
    ['name too long', { ...validSite, name: 'x'.repeat(101) }, 'name'],
    ['empty groupId', { ...validSite, groupId: '' }, 'groupId'],
    ['voltage as string', { ...validSite, nominalVoltageV: '230' }, 'nominalVoltageV'],
    ['voltage too low', { ...validSite, nominalVoltageV: 50 }, 'nominalVoltageV'],
    ['voltage too high', { ...validSite, nominalVoltageV: 5000 }, 'nominalVoltageV'],
    ['missing grid limit', { ...validSite, gridLimitA: undefined }, 'gridLimitA'],
    ['negative phase limit', { ...validSite, gridLimitA: { l1: 63, l2: -1, l3: 63 } }, 'gridLimitA.l2'],
    ['phase limit as string', { ...validSite, gridLimitA: { l1: 63, l2: 63, l3: 'x' } }, 'gridLimitA.l3'],
    ['missing phase limit', { ...validSite, gridLimitA: { l1: 63, l2: 63 } }, 'gridLimitA.l3'],
    ['unknown property', { ...validSite, colour: 'red' }, 'colour'],
  ];

  it.each(badSites)('refuses a site with %s and stores nothing', async (_case, body, field) => {
    const before = await siteCount();
    const response = await post('/api/v1/sites', body).expect(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(response.body.message).toContain(field);
    expect(await siteCount()).toBe(before);
    expect(emitted).toEqual([]);
  });

  it('maps a site to another group and unmaps it, announcing both groups', async () => {
    const site = (await post('/api/v1/sites', validSite).expect(201)).body;
    emitted = [];
    expect((await put(`/api/v1/sites/${site.id}/group`, { groupId: 'grp-2' }).expect(200)).body.groupId).toBe(
      'grp-2',
    );
    expect(emitted).toEqual([{ siteId: site.id, groupIds: ['grp-1', 'grp-2'] }]);
    expect(
      (await put(`/api/v1/sites/${site.id}/group`, { groupId: null }).expect(200)).body.groupId,
    ).toBeNull();
    const bad = await put(`/api/v1/sites/${site.id}/group`, { groupId: 7 }).expect(400);
    expect(bad.body.message).toContain('groupId');
    expect((await get(`/api/v1/sites/${site.id}`)).body.groupId).toBeNull();
  });

  it('answers 400 for a malformed id and 404 for an unknown site', async () => {
    await get('/api/v1/sites/not-a-uuid').expect(400);
    await get('/api/v1/sites/00000000-0000-4000-8000-000000000000').expect(404);
    await post('/api/v1/sites/00000000-0000-4000-8000-000000000000/chargers', validCharger).expect(404);
  });

  it('registers a charger with connectors, never showing its password', async () => {
    const site = (await post('/api/v1/sites', validSite).expect(201)).body;
    const charger = (await post(`/api/v1/sites/${site.id}/chargers`, validCharger).expect(201)).body;
    expect(charger).toMatchObject({
      identity: 'CP-1',
      ocppVersion: '1.6',
      passwordProtected: true,
      connected: false,
      connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3, status: null }],
    });
    expect(JSON.stringify(charger)).not.toContain(validCharger.password);
    const detail = (await get(`/api/v1/sites/${site.id}`).expect(200)).body;
    expect(detail.chargers.map((c: { identity: string }) => c.identity)).toEqual(['CP-1']);
    const duplicate = await post(`/api/v1/sites/${site.id}/chargers`, validCharger).expect(409);
    expect(duplicate.body.message).toContain('CP-1');
  });

  const connector = validCharger.connectors[0];
  const badChargers: [string, object, string][] = [
    ['identity with a colon', { ...validCharger, identity: 'CP:1' }, 'identity'],
    ['identity too long', { ...validCharger, identity: 'C'.repeat(49) }, 'identity'],
    ['missing identity', { ...validCharger, identity: undefined }, 'identity'],
    ['short password', { ...validCharger, password: 'short' }, 'password'],
    ['unsupported OCPP version', { ...validCharger, ocppVersion: '1.5' }, 'ocppVersion'],
    ['no connectors', { ...validCharger, connectors: [] }, 'connectors'],
    [
      'connector id 0',
      { ...validCharger, connectors: [{ ...connector, connectorId: 0 }] },
      'connectors[0].connectorId',
    ],
    [
      'max current below 6 A',
      { ...validCharger, connectors: [{ ...connector, maxCurrentA: 5 }] },
      'connectors[0].maxCurrentA',
    ],
    ['four phases', { ...validCharger, connectors: [{ ...connector, phases: 4 }] }, 'connectors[0].phases'],
    [
      'line to line on three phases',
      { ...validCharger, connectors: [{ ...connector, phases: 3, lineToLine: 'AB' }] },
      'connectors[0].lineToLine',
    ],
    [
      'an unknown line pair',
      { ...validCharger, connectors: [{ ...connector, phases: 2, lineToLine: 'AC' }] },
      'connectors[0].lineToLine',
    ],
    ['duplicate connector ids', { ...validCharger, connectors: [connector, connector] }, 'connectors'],
    [
      'unknown connector property',
      { ...validCharger, connectors: [{ ...connector, x: 1 }] },
      'connectors[0].x',
    ],
  ];

  it.each(badChargers)('refuses a charger with %s and stores nothing', async (_case, body, field) => {
    const site = (await post('/api/v1/sites', validSite).expect(201)).body;
    emitted = [];
    const response = await post(`/api/v1/sites/${site.id}/chargers`, body).expect(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await get(`/api/v1/sites/${site.id}/chargers`).expect(200)).body).toEqual([]);
    expect(emitted).toEqual([]);
  });

  describe('site model', () => {
    const limitA = (a: number) => ({ l1: a, l2: a, l3: a });
    const newSite = async () => (await post('/api/v1/sites', validSite).expect(201)).body as { id: string };
    const addCircuit = async (siteId: string, name: string, parentId: string | null, a: number) =>
      (await post(`/api/v1/sites/${siteId}/circuits`, { name, parentId, limitA: limitA(a) }).expect(201))
        .body as { id: string; warnings: string[] };
    const modelVersion = async (siteId: string) =>
      (await get(`/api/v1/sites/${siteId}`).expect(200)).body.modelVersion as number;

    it('creates a site with total limit, time zone and base load, UTC and no base load by default', async () => {
      const body = {
        ...validSite,
        totalLimitKw: 40,
        timeZone: 'Europe/Amsterdam',
        baseLoad: { mode: 'metered', currentA: limitA(5) },
      };
      const created = (await post('/api/v1/sites', body).expect(201)).body;
      expect(created).toMatchObject({
        totalLimitKw: 40,
        timeZone: 'Europe/Amsterdam',
        baseLoad: { mode: 'metered', currentA: limitA(5), lastReading: null },
        modelVersion: 1,
      });
      expect((await newSite()) && (await get('/api/v1/sites').expect(200)).body.at(-1)).toMatchObject({
        totalLimitKw: null,
        timeZone: 'UTC',
        baseLoad: { mode: 'fixed', currentA: limitA(0) },
      });
    });

    it.each([
      ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, 'timeZone'],
      ['a negative total limit', { totalLimitKw: -1 }, 'totalLimitKw'],
      ['an unknown base-load mode', { baseLoad: { mode: 'guessed', currentA: limitA(1) } }, 'baseLoad.mode'],
      ['a base load without currents', { baseLoad: { mode: 'fixed' } }, 'baseLoad.currentA'],
    ])('refuses a site with %s', async (_case, extra, field) => {
      const response = await post('/api/v1/sites', { ...validSite, ...extra }).expect(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(emitted).toEqual([]);
    });

    it('nests circuits, flags a child above its parent, and records who changed what', async () => {
      const site = await newSite();
      emitted = [];
      const main = await addCircuit(site.id, 'Main', null, 63);
      expect(main.warnings).toEqual([]);
      const sub = (
        await post(`/api/v1/sites/${site.id}/circuits`, {
          name: 'Sub',
          parentId: main.id,
          limitA: limitA(80),
        })
          .set('X-Actor', 'alice@cpo.example')
          .expect(201)
      ).body;
      expect(sub.warnings).toEqual([
        'circuit "Sub": L1 limit 80 A is above its parent circuit "Main"\'s 63 A',
        'circuit "Sub": L2 limit 80 A is above its parent circuit "Main"\'s 63 A',
        'circuit "Sub": L3 limit 80 A is above its parent circuit "Main"\'s 63 A',
      ]);
      expect(emitted).toHaveLength(2);
      const detail = (await get(`/api/v1/sites/${site.id}`).expect(200)).body;
      expect(detail.circuits.map((c: { name: string; parentId: string }) => [c.name, c.parentId])).toEqual([
        ['Main', null],
        ['Sub', main.id],
      ]);
      expect(detail.warnings).toHaveLength(3);
      const changes = (await get(`/api/v1/sites/${site.id}/changes`).expect(200)).body;
      expect(
        changes.map((c: { version: number; actor: string; action: string }) => [
          c.version,
          c.actor,
          c.action,
        ]),
      ).toEqual([
        [3, 'alice@cpo.example', 'circuit.added'],
        [2, 'admin-api', 'circuit.added'],
        [1, 'admin-api', 'site.created'],
      ]);
      expect(changes[0].details).toMatchObject({ name: 'Sub', parentId: main.id });
    });

    it('refuses a cycle, an unknown parent and a circuit of another site, changing nothing', async () => {
      const site = await newSite();
      const other = await newSite();
      const a = await addCircuit(site.id, 'A', null, 63);
      const b = await addCircuit(site.id, 'B', a.id, 32);
      const foreign = await addCircuit(other.id, 'Foreign', null, 63);
      const version = await modelVersion(site.id);
      emitted = [];
      const cycle = await put(`/api/v1/sites/${site.id}/circuits/${a.id}`, {
        name: 'A',
        parentId: b.id,
        limitA: limitA(63),
      }).expect(400);
      expect(cycle.body.message).toContain('circuits form a cycle: "A" -> "B" -> "A"');
      expect(cycle.body.errors).toEqual([
        { field: 'model', messages: ['circuits form a cycle: "A" -> "B" -> "A"'] },
      ]);
      const unknownParent = await post(`/api/v1/sites/${site.id}/circuits`, {
        name: 'C',
        parentId: foreign.id,
        limitA: limitA(10),
      }).expect(400);
      expect(unknownParent.body.message).toContain(`circuit "C" has an unknown parent circuit ${foreign.id}`);
      const badId = await post(`/api/v1/sites/${site.id}/circuits`, {
        name: 'D',
        parentId: 'x',
        limitA: limitA(1),
      });
      expect(badId.status).toBe(400);
      expect(badId.body.errors[0].field).toBe('parentId');
      expect(await modelVersion(site.id)).toBe(version);
      expect((await get(`/api/v1/sites/${site.id}/circuits`).expect(200)).body).toHaveLength(2);
      expect(emitted).toEqual([]);
    });

    it('places chargers on circuits with rotation, maximum and exclusion, and refuses a bad placement', async () => {
      const site = await newSite();
      const feeder = await addCircuit(site.id, 'Feeder', null, 32);
      const charger = {
        ...validCharger,
        identity: `CP-${feeder.id.slice(0, 8)}`,
        circuitId: feeder.id,
        maxCurrentA: 40,
        phaseRotation: ['L2', 'L3', 'L1'],
        smartChargingExcluded: true,
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 1, minCurrentA: 8, priority: 5 }],
      };
      const created = (await post(`/api/v1/sites/${site.id}/chargers`, charger).expect(201)).body;
      expect(created).toMatchObject({
        circuitId: feeder.id,
        maxCurrentA: 40,
        phaseRotation: ['L2', 'L3', 'L1'],
        smartChargingExcluded: true,
        connectors: [{ minCurrentA: 8, priority: 5 }],
      });
      expect(created.warnings).toContain(
        'charger "' + charger.identity + '": L1 limit 40 A is above its circuit "Feeder"\'s 32 A',
      );

      const rotation = await post(`/api/v1/sites/${site.id}/chargers`, {
        ...charger,
        identity: 'CP-ROT',
        phaseRotation: ['L1', 'L1', 'L3'],
      }).expect(400);
      expect(rotation.body.errors).toEqual([
        {
          field: 'phaseRotation',
          messages: [
            'phaseRotation must be a permutation of L1, L2, L3 such as ["L2", "L3", "L1"] (got L1, L1, L3)',
          ],
        },
      ]);
      const unknown = await post(`/api/v1/sites/${site.id}/chargers`, {
        ...charger,
        identity: 'CP-UNK',
        circuitId: '00000000-0000-4000-8000-000000000000',
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toContain(
        'charger "CP-UNK" is placed on an unknown circuit 00000000-0000-4000-8000-000000000000',
      );
      const minAboveMax = await post(`/api/v1/sites/${site.id}/chargers`, {
        ...charger,
        identity: 'CP-MIN',
        connectors: [{ connectorId: 1, maxCurrentA: 10, phases: 3, minCurrentA: 12 }],
      }).expect(400);
      expect(minAboveMax.body.message).toContain('minCurrentA 12 is above maxCurrentA 10');
      expect((await get(`/api/v1/sites/${site.id}/chargers`).expect(200)).body).toHaveLength(1);

      const moved = (
        await patch(`/api/v1/sites/${site.id}/chargers/${created.id}`, {
          circuitId: null,
          smartChargingExcluded: false,
        }).expect(200)
      ).body;
      expect(moved).toMatchObject({ circuitId: null, smartChargingExcluded: false, maxCurrentA: 40 });
      await patch(`/api/v1/sites/${site.id}/chargers/${created.id}`, {}).expect(400);
      await patch(`/api/v1/sites/${site.id}/chargers/${created.id}`, { phaseRotation: ['L3'] }).expect(400);
    });

    it('changes a connector, refusing a minimum above its maximum', async () => {
      const site = await newSite();
      const charger = (
        await post(`/api/v1/sites/${site.id}/chargers`, {
          ...validCharger,
          identity: `CP-C-${site.id.slice(0, 8)}`,
        })
          .set('X-Actor', 'bob')
          .expect(201)
      ).body;
      const path = `/api/v1/sites/${site.id}/chargers/${charger.id}/connectors/1`;
      emitted = [];
      const changed = (await patch(path, { minCurrentA: 10, priority: 3 }).expect(200)).body;
      expect(changed.connectors[0]).toMatchObject({ minCurrentA: 10, priority: 3, maxCurrentA: 32 });
      expect(emitted).toHaveLength(1);
      const refused = await patch(path, { minCurrentA: 40 }).expect(400);
      expect(refused.body.message).toContain('minCurrentA 40 is above maxCurrentA 32');
      await patch(path, { priority: 1.5 }).expect(400);
      await patch(path, {}).expect(400);
      await patch(`/api/v1/sites/${site.id}/chargers/${charger.id}/connectors/7`, { priority: 1 }).expect(
        404,
      );
      expect((await get(`/api/v1/sites/${site.id}/chargers`)).body[0].connectors[0].minCurrentA).toBe(10);
      expect((await get(`/api/v1/sites/${site.id}/changes`)).body[0]).toMatchObject({
        action: 'connector.updated',
        details: { connectorId: 1, minCurrentA: 10, priority: 3 },
      });
    });

    it('wires connectors line to line under transformers, refusing an inconsistent wiring and changing nothing', async () => {
      const transformer = { secondaryLineLimitA: 150, primaryLineLimitA: 45, primaryVoltageV: 480 };
      const body = { ...validSite, nominalVoltageV: 120, lineToLineVoltageV: 208, transformer };
      const site = (await post('/api/v1/sites', body).expect(201)).body;
      expect(site).toMatchObject({ lineToLineVoltageV: 208, transformer });
      const panel = (
        await post(`/api/v1/sites/${site.id}/circuits`, {
          name: 'panel',
          limitA: limitA(100),
          transformer: { secondaryLineLimitA: 80 },
        }).expect(201)
      ).body;
      expect(panel.transformer).toEqual({ secondaryLineLimitA: 80 });
      const charger = (
        await post(`/api/v1/sites/${site.id}/chargers`, {
          ...validCharger,
          identity: `CP-LL-${site.id.slice(0, 8)}`,
          circuitId: panel.id,
          connectors: [
            { connectorId: 1, maxCurrentA: 32, phases: 2, lineToLine: 'BC' },
            { connectorId: 2, maxCurrentA: 32, phases: 2 },
          ],
        }).expect(201)
      ).body;
      expect(charger.connectors).toMatchObject([
        { phases: 2, lineToLine: 'BC' },
        { phases: 2, lineToLine: null },
      ]);
      const path = `/api/v1/sites/${site.id}/chargers/${charger.id}/connectors/1`;
      const version = await modelVersion(site.id);
      emitted = [];
      const refused = await patch(path, { phases: 3 }).expect(400);
      expect(refused.body.message).toContain('lineToLine BC needs phases 2 (got 3)');
      const noPrimaryVoltage = await patch(`/api/v1/sites/${site.id}`, {
        transformer: { secondaryLineLimitA: 150, primaryLineLimitA: 45 },
      }).expect(400);
      expect(noPrimaryVoltage.body.message).toContain('primaryVoltageV must be a number of volts');
      await patch(`/api/v1/sites/${site.id}`, { transformer: { secondaryLineLimitA: -1 } }).expect(400);
      expect(await modelVersion(site.id)).toBe(version);
      expect(emitted).toEqual([]);
      const moved = (await patch(path, { lineToLine: 'CA' }).expect(200)).body;
      expect(moved.connectors[0]).toMatchObject({ phases: 2, lineToLine: 'CA' });
      const cleared = (
        await patch(`/api/v1/sites/${site.id}`, { transformer: null, lineToLineVoltageV: null }).expect(200)
      ).body;
      expect(cleared).toMatchObject({ transformer: null, lineToLineVoltageV: null });
    });

    it('removes only an empty circuit', async () => {
      const site = await newSite();
      const main = await addCircuit(site.id, 'Main', null, 63);
      const sub = await addCircuit(site.id, 'Sub', main.id, 32);
      const busy = await del(`/api/v1/sites/${site.id}/circuits/${main.id}`).expect(409);
      expect(busy.body.message).toBe('Circuit "Main" still feeds circuit "Sub"; move or remove them first');
      await del(`/api/v1/sites/${site.id}/circuits/${sub.id}`).expect(204);
      await del(`/api/v1/sites/${site.id}/circuits/${sub.id}`).expect(404);
      expect(
        (await get(`/api/v1/sites/${site.id}/circuits`).expect(200)).body.map((c: { id: string }) => c.id),
      ).toEqual([main.id]);
      expect((await get(`/api/v1/sites/${site.id}/changes`)).body[0]).toMatchObject({
        action: 'circuit.removed',
        details: { circuitId: sub.id, name: 'Sub' },
      });
    });

    it('updates site properties, refusing an empty or invalid change', async () => {
      const site = await newSite();
      emitted = [];
      const updated = (
        await patch(`/api/v1/sites/${site.id}`, { timeZone: 'America/New_York', totalLimitKw: null }).expect(
          200,
        )
      ).body;
      expect(updated).toMatchObject({
        timeZone: 'America/New_York',
        totalLimitKw: null,
        modelVersion: 2,
        warnings: [],
      });
      expect(emitted).toEqual([{ siteId: site.id, groupIds: ['grp-1'] }]);
      await patch(`/api/v1/sites/${site.id}`, {}).expect(400);
      await patch(`/api/v1/sites/${site.id}`, { gridLimitA: { l1: 1 } }).expect(400);
      await patch(`/api/v1/sites/${site.id}`, { groupId: 'x' }).expect(400);
      expect(await modelVersion(site.id)).toBe(2);
    });

    it('takes base-load readings, re-planning only a metered site and ignoring late ones', async () => {
      const site = await newSite();
      emitted = [];
      const path = `/api/v1/sites/${site.id}/base-load/readings`;
      await post(path, { currentA: limitA(7), measuredAt: '2026-03-01T10:00:00Z' }).expect(200);
      expect(emitted).toEqual([]);
      await patch(`/api/v1/sites/${site.id}`, { baseLoad: { mode: 'metered', currentA: limitA(20) } }).expect(
        200,
      );
      emitted = [];
      const reading = (
        await post(path, { currentA: limitA(9), measuredAt: '2026-03-01T10:01:00Z' }).expect(200)
      ).body;
      expect(reading.baseLoad).toEqual({
        mode: 'metered',
        currentA: limitA(20),
        lastReading: { currentA: limitA(9), measuredAt: '2026-03-01T10:01:00.000Z' },
      });
      expect(emitted).toHaveLength(1);
      await post(path, { currentA: limitA(1), measuredAt: '2026-03-01T09:00:00Z' }).expect(200);
      expect(emitted).toHaveLength(1);
      await post(path, { currentA: limitA(1), measuredAt: 'yesterday' }).expect(400);
      await post(path, { currentA: { l1: -1, l2: 0, l3: 0 } }).expect(400);
    });

    it('keeps a site default upstream, validated, followed by chargers in mode site, its password never shown', async () => {
      const SITE_SECRET = 'site-upstream-secret';
      const refused = await post('/api/v1/sites', {
        ...validSite,
        upstreamUrl: 'https://csms.example',
      }).expect(400);
      expect(refused.body.message).toContain('upstreamUrl must be a ws:// or wss:// URL');
      const proxied = { ...validSite, upstreamUrl: 'wss://csms.example/ocpp', upstreamPassword: SITE_SECRET };
      const site = (await post('/api/v1/sites', proxied).expect(201)).body;
      expect(site).toMatchObject({ upstreamUrl: 'wss://csms.example/ocpp', upstreamPasswordSet: true });
      const chargers = `/api/v1/sites/${site.id}/chargers`;
      const follower = (await post(chargers, { ...validCharger, identity: 'FOLLOWS' }).expect(201)).body;
      expect(follower).toMatchObject({
        upstreamMode: 'site',
        upstreamUrl: null,
        effectiveUpstream: { url: 'wss://csms.example/ocpp', source: 'site', passwordSet: true },
      });
      const own = { ...validCharger, identity: 'OWN', upstreamUrl: 'ws://other:9000/csms' };
      expect((await post(chargers, own).expect(201)).body).toMatchObject({
        upstreamMode: 'own',
        effectiveUpstream: { url: 'ws://other:9000/csms', source: 'charger', passwordSet: false },
      });
      const alone = (
        await post(chargers, { ...validCharger, identity: 'ALONE', upstreamMode: 'none' }).expect(201)
      ).body;
      expect(alone).toMatchObject({ upstreamMode: 'none', effectiveUpstream: null });
      const contradiction = {
        ...validCharger,
        identity: 'BAD',
        upstreamMode: 'none',
        upstreamUrl: 'ws://x/y',
      };
      expect((await post(chargers, contradiction).expect(400)).body.message).toBe(
        'upstreamUrl is only for upstreamMode own (got upstreamMode none)',
      );
      await post(chargers, { ...validCharger, identity: 'BAD', upstreamMode: 'proxy' }).expect(400);

      await patch(`/api/v1/sites/${site.id}`, { upstreamUrl: 'ftp://csms' }).expect(400);
      await patch(`/api/v1/sites/${site.id}`, { upstreamPassword: null }).expect(200);
      const listed = (await get(chargers).expect(200)).body as { id: string; effectiveUpstream: unknown }[];
      expect(listed.find((c) => c.id === follower.id)?.effectiveUpstream).toMatchObject({
        passwordSet: false,
      });
      await patch(`${chargers}/${alone.id}`, { upstreamMode: 'site' }).expect(200);
      await patch(`${chargers}/${follower.id}`, { upstreamMode: 'own' }).expect(400);
      const cleared = (await patch(`/api/v1/sites/${site.id}`, { upstreamUrl: null }).expect(200)).body;
      expect(cleared).toMatchObject({ upstreamUrl: null, upstreamPasswordSet: false });
      const effective = (await get(chargers).expect(200)).body.map(
        (c: { identity: string; upstreamMode: string; effectiveUpstream: { source: string } | null }) => [
          c.identity,
          c.upstreamMode,
          c.effectiveUpstream?.source ?? null,
        ],
      );
      expect(new Map(effective.map(([identity, ...rest]: string[]) => [identity, rest]))).toEqual(
        new Map([
          ['FOLLOWS', ['site', null]],
          ['OWN', ['own', 'charger']],
          ['ALONE', ['site', null]],
        ]),
      );
      const history = JSON.stringify((await get(`/api/v1/sites/${site.id}/changes`).expect(200)).body);
      expect(history).toContain('upstreamPasswordSet');
      expect(history).not.toContain(SITE_SECRET);
      expect(JSON.stringify((await get(`/api/v1/sites/${site.id}`).expect(200)).body)).not.toContain(
        SITE_SECRET,
      );
    });

    it('refuses a malformed X-Actor', async () => {
      const response = await api()
        .post('/api/v1/sites')
        .set('X-API-Key', API_KEY)
        .set('X-Actor', '<script>')
        .send(validSite)
        .expect(400);
      expect(response.body.message).toContain('X-Actor');
    });
  });
});

import { INestApplication } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CommonModule } from '@gridflex/common';
import { AppConfigModule } from '@gridflex/config';
import { PersistenceModule } from '@gridflex/persistence';
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
        AppConfigModule.forRoot({ PGLITE_DATA_DIR: 'memory://', ADMIN_API_KEY: API_KEY }),
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
    ['two phases', { ...validCharger, connectors: [{ ...connector, phases: 2 }] }, 'connectors[0].phases'],
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
});

import { INestApplication } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { CommonModule } from '@gridflex/common';
import { AppConfigModule } from '@gridflex/config';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '@gridflex/ocpp';
import { DATABASE, Database, PersistenceModule, schema } from '@gridflex/persistence';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { BookingsRepository } from './bookings.repository';
import { SITE_CONFIGURATION_CHANGED } from './events';
import { SitesModule } from './sites.module';

const API_KEY = 'k'.repeat(32);
const MINUTE_MS = 60_000;
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * MINUTE_MS).toISOString();

describe('bookings admin API', () => {
  let app: INestApplication;
  let db: Database;
  let emitted: unknown[] = [];
  let siteId: string;
  let chargerId: string;

  const api = () => request(app.getHttpServer());
  const post = (path: string, body: object) => api().post(path).set('X-API-Key', API_KEY).send(body);
  const get = (path: string) => api().get(path).set('X-API-Key', API_KEY);
  const del = (path: string) => api().delete(path).set('X-API-Key', API_KEY);
  const bookings = () => `/api/v1/sites/${siteId}/bookings`;
  const booking = (overrides: object = {}) => ({
    chargerId,
    connectorId: 1,
    arrivalFrom: inMinutes(-10),
    arrivalUntil: inMinutes(60),
    departureAt: inMinutes(240),
    energyWantedWh: 20_000,
    priority: 30,
    ...overrides,
  });
  const modelVersion = async () => (await get(`/api/v1/sites/${siteId}`).expect(200)).body.modelVersion;

  /** What the OCPP side does when an EV starts charging: a transaction row, then the event. */
  async function startTransaction(connectorId: number, startedAt: Date): Promise<number> {
    const [connector] = await db
      .select()
      .from(schema.connectors)
      .where(eq(schema.connectors.chargerId, chargerId));
    const ref = connector.connectorId === connectorId ? connector.id : undefined;
    if (!ref) throw new Error(`No connector ${connectorId}`);
    const [row] = await db
      .insert(schema.transactions)
      .values({ connectorRef: ref, idTag: 'TAG', meterStartWh: 0, startedAt })
      .returning();
    const event = new ChargerStateChangedEvent({
      chargerId,
      identity: 'CP-B',
      siteId,
      reason: 'transaction-started',
    });
    await app.get(EventEmitter2).emitAsync(OCPP_CHARGER_STATE_CHANGED, event);
    return row.id;
  }

  async function stopAll(): Promise<void> {
    await db.update(schema.transactions).set({ stoppedAt: new Date(), meterStopWh: 0 });
  }

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
    db = app.get(DATABASE);
    app.get(EventEmitter2).on(SITE_CONFIGURATION_CHANGED, (event: unknown) => emitted.push(event));
    const site = await post('/api/v1/sites', {
      name: 'Depot',
      groupId: 'grp-b',
      nominalVoltageV: 230,
      gridLimitA: { l1: 63, l2: 63, l3: 63 },
    }).expect(201);
    siteId = site.body.id;
    const charger = await post(`/api/v1/sites/${siteId}/chargers`, {
      identity: 'CP-B',
      password: 'p'.repeat(16),
      ocppVersion: '1.6',
      connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
    }).expect(201);
    chargerId = charger.body.id;
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    emitted = [];
    await stopAll();
    await db.delete(schema.connectorBookings);
  });

  it('books a connector as a new version of the model, lists and removes it', async () => {
    const before = await modelVersion();
    const created = (await post(bookings(), booking()).expect(201)).body;
    expect(created).toMatchObject({
      id: expect.any(String),
      chargerId,
      chargerIdentity: 'CP-B',
      connectorId: 1,
      energyWantedWh: 20_000,
      priority: 30,
      status: 'pending',
      transactionId: null,
      createdBy: expect.any(String),
    });
    expect((await get(bookings()).expect(200)).body).toEqual([created]);
    expect(await modelVersion()).toBe(before + 1);

    await del(`${bookings()}/${created.id}`).expect(204);
    expect((await get(bookings()).expect(200)).body).toEqual([]);
    expect(await modelVersion()).toBe(before + 2);
    const changes = (await get(`/api/v1/sites/${siteId}/changes`).expect(200)).body;
    // Newest first.
    expect(changes.slice(0, 2).map((c: { action: string }) => c.action)).toEqual([
      'booking.removed',
      'booking.added',
    ]);
    await del(`${bookings()}/${created.id}`).expect(404);
    expect(await modelVersion()).toBe(before + 2);
  });

  it.each([
    ['an unknown property', { color: 'red' }, 'color'],
    ['a charger id that is no UUID', { chargerId: 'CP-B' }, 'chargerId'],
    ['a connector id that is no integer', { connectorId: 1.5 }, 'connectorId'],
    ['an arrival that is no instant', { arrivalFrom: 'soon' }, 'arrivalFrom'],
    ['an end of the window before its start', { arrivalUntil: inMinutes(-20) }, 'arrivalUntil'],
    ['a window that is over', { arrivalFrom: inMinutes(-120), arrivalUntil: inMinutes(-60) }, 'arrivalUntil'],
    ['a window of more than a day', { arrivalUntil: inMinutes(25 * 60) }, 'arrivalUntil'],
    ['a departure before the arrival', { departureAt: inMinutes(-30) }, 'departureAt'],
    ['a negative energy', { energyWantedWh: -1 }, 'energyWantedWh'],
    ['a priority out of range', { priority: 101 }, 'priority'],
    ['no wish at all', { departureAt: undefined, energyWantedWh: undefined, priority: undefined }, 'body'],
  ])('refuses %s, naming the field, and stores nothing', async (_case, overrides, field) => {
    const before = await modelVersion();
    const response = await post(bookings(), booking(overrides)).expect(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(response.body.message).toContain(field);
    expect((await get(bookings()).expect(200)).body).toEqual([]);
    expect(await modelVersion()).toBe(before);
  });

  it('refuses an unknown site, charger or connector with 404, and an overlapping booking with 409', async () => {
    await post('/api/v1/sites/00000000-0000-4000-8000-000000000000/bookings', booking()).expect(404);
    await post(bookings(), booking({ chargerId: '00000000-0000-4000-8000-000000000000' })).expect(404);
    expect((await post(bookings(), booking({ connectorId: 2 })).expect(404)).body.message).toBe(
      'Charger "CP-B" has no connector 2',
    );
    await post(bookings(), booking()).expect(201);
    const overlap = booking({ arrivalFrom: inMinutes(30), arrivalUntil: inMinutes(90) });
    expect((await post(bookings(), overlap).expect(409)).body.message).toContain('is already booked from');
    await post(bookings(), booking({ arrivalFrom: inMinutes(60), arrivalUntil: inMinutes(90) })).expect(201);
  });

  it('gives its wishes to the session that starts within the window, visible on the session endpoint', async () => {
    const created = (await post(bookings(), booking({ priority: undefined })).expect(201)).body;
    const transactionId = await startTransaction(1, new Date());
    const session = `/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/1/session`;
    expect((await get(session).expect(200)).body).toMatchObject({
      transactionId,
      priority: null,
      energyWantedWh: 20_000,
      departureAt: created.departureAt,
      updatedBy: expect.stringContaining(`booking ${created.id}`),
    });
    expect((await get(bookings()).expect(200)).body).toEqual([
      { ...created, status: 'claimed', transactionId },
    ]);
    expect(emitted).toEqual([{ siteId, groupIds: ['grp-b'] }]);
  });

  it('leaves a session that starts outside the window alone', async () => {
    await post(bookings(), booking({ arrivalFrom: inMinutes(30), arrivalUntil: inMinutes(90) })).expect(201);
    await startTransaction(1, new Date());
    const session = `/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/1/session`;
    expect((await get(session).expect(200)).body).toMatchObject({ energyWantedWh: null, updatedBy: null });
    expect((await get(bookings()).expect(200)).body[0].status).toBe('pending');
    expect(emitted).toEqual([]);
  });

  it('gives a booking at once to an EV already plugged in since inside its window', async () => {
    const transactionId = await startTransaction(1, new Date(Date.now() - 5 * MINUTE_MS));
    const created = (await post(bookings(), booking()).expect(201)).body;
    expect(created).toMatchObject({ status: 'claimed', transactionId });
    const session = `/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/1/session`;
    expect((await get(session).expect(200)).body).toMatchObject({ priority: 30, energyWantedWh: 20_000 });
  });

  it('drops bookings whose window is over, claimed or not', async () => {
    const repository = app.get(BookingsRepository);
    const [connector] = await db.select().from(schema.connectors);
    await repository.add(
      {
        siteId,
        connectorRef: connector.id,
        arrivalFrom: new Date(Date.now() - 120 * MINUTE_MS),
        arrivalUntil: new Date(Date.now() - 60 * MINUTE_MS),
        departureAt: null,
        energyWantedWh: 5_000,
        priority: null,
        createdBy: 'test',
      },
      { actor: 'test', action: 'booking.added', details: {} },
    );
    await post(bookings(), booking({ arrivalFrom: inMinutes(30), arrivalUntil: inMinutes(90) })).expect(201);
    const listed = (await get(bookings()).expect(200)).body;
    expect(listed.map((b: { arrivalUntil: string }) => Date.parse(b.arrivalUntil) > Date.now())).toEqual([
      true,
    ]);
    expect(await db.select().from(schema.connectorBookings)).toHaveLength(1);
  });

  it('claims a booking for one session only, however often the start is announced', async () => {
    await post(bookings(), booking()).expect(201);
    const first = await startTransaction(1, new Date());
    await app
      .get(EventEmitter2)
      .emitAsync(
        OCPP_CHARGER_STATE_CHANGED,
        new ChargerStateChangedEvent({ chargerId, identity: 'CP-B', siteId, reason: 'transaction-started' }),
      );
    const rows = await db.select().from(schema.connectorBookings);
    expect(rows.map((r) => r.transactionId)).toEqual([first]);
    expect(emitted).toHaveLength(1);
  });
});

import { INestApplication } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { RPCClient } from 'ocpp-rpc';
import { Database, schema } from '@gridflex/persistence';
import { CHARGER_EVENTS_KEPT, ChargerEventsRepository } from '../charger-events/charger-events.repository';
import { insertCharger } from '../testing/charger-fixtures';
import { getChargerEvents, strictCharger, walk, WalkStep } from '../testing/handler-table-walk';
import { startOcppTestApp } from '../testing/ocpp-test-app';
import { VendorDataTransferRegistry } from '../vendor-data-transfer.registry';
import { Ocpp16HandlersService } from './ocpp16-handlers.service';

const API_KEY = 'e'.repeat(32);
const VENDOR = 'org.gridflex.test';

/** Every message a 1.6J charger may send: Core, Firmware Management, and the security whitepaper. */
const CHARGER_SENT_16 = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'LogStatusNotification',
  'MeterValues',
  'SecurityEventNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
];

interface State {
  transactionId?: number;
}

const now = () => new Date().toISOString();
/** A believable stamp of the charger's, a minute before the test runs. */
const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
const accepted = { idTagInfo: { status: 'Accepted' } };
const empty = (answer: object) => expect(answer).toEqual({});

/** Each message with a schema-valid example; the messages kept as events are sent with these payloads. */
const stored = {
  DataTransfer: { vendorId: 'com.example.unknown', messageId: 'Hello', data: '{"a":1}' },
  DiagnosticsStatusNotification: { status: 'Uploaded' },
  FirmwareStatusNotification: { status: 'Installed' },
  LogStatusNotification: { status: 'Uploaded', requestId: 4 },
  SecurityEventNotification: {
    type: 'FirmwareUpdated',
    timestamp: aMinuteAgo,
    techInfo: 'v2',
  },
  SignCertificate: { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----' },
  SignedFirmwareStatusNotification: { status: 'SignatureVerified', requestId: 5 },
};

const STEPS: WalkStep<State>[] = [
  {
    action: 'BootNotification',
    payload: () => ({ chargePointVendor: 'ACME', chargePointModel: 'Wallbox' }),
    check: (answer) => expect(answer).toMatchObject({ status: 'Accepted', interval: expect.any(Number) }),
  },
  {
    action: 'Heartbeat',
    payload: () => ({}),
    check: (answer) => expect(Number.isNaN(Date.parse(answer.currentTime as string))).toBe(false),
  },
  {
    action: 'Authorize',
    payload: () => ({ idTag: 'TAG-1' }),
    check: (answer) => expect(answer).toEqual(accepted),
  },
  {
    action: 'StatusNotification',
    payload: () => ({ connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: now() }),
    check: empty,
  },
  {
    action: 'StartTransaction',
    payload: () => ({ connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: now() }),
    check: (answer, state) => {
      expect(answer).toMatchObject(accepted);
      expect(answer.transactionId).toBeGreaterThan(0);
      state.transactionId = answer.transactionId as number;
    },
  },
  {
    action: 'MeterValues',
    payload: (state) => ({
      connectorId: 1,
      transactionId: state.transactionId,
      meterValue: [
        { timestamp: now(), sampledValue: [{ value: '16.0', measurand: 'Current.Import', unit: 'A' }] },
      ],
    }),
    check: empty,
  },
  {
    action: 'StopTransaction',
    payload: (state) => ({
      transactionId: state.transactionId,
      meterStop: 3000,
      timestamp: now(),
      idTag: 'TAG-1',
      reason: 'Local',
    }),
    check: (answer) => expect(answer).toEqual(accepted),
  },
  {
    action: 'DataTransfer',
    payload: () => stored.DataTransfer,
    check: (answer) => expect(answer).toEqual({ status: 'UnknownVendorId' }),
  },
  {
    action: 'SignCertificate',
    payload: () => stored.SignCertificate,
    check: (answer) => expect(answer).toEqual({ status: 'Rejected' }),
  },
  ...(
    [
      'DiagnosticsStatusNotification',
      'FirmwareStatusNotification',
      'LogStatusNotification',
      'SecurityEventNotification',
      'SignedFirmwareStatusNotification',
    ] as const
  ).map((action) => ({ action, payload: () => stored[action], check: empty })),
];

describe('OCPP 1.6 handler table over a real WebSocket', () => {
  let app: INestApplication;
  let db: Database;
  let endpoint: string;
  const clients: RPCClient[] = [];

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp({ ADMIN_API_KEY: API_KEY }));
    app
      .get(VendorDataTransferRegistry)
      .register(VENDOR, (request) =>
        Promise.resolve({ status: 'Accepted', data: `echo ${String(request.data)}` }),
      );
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app.close();
  });

  async function connected(identity: string): Promise<RPCClient> {
    await insertCharger(db, { identity, connectorIds: [1] });
    const client = await strictCharger(endpoint, identity, 'ocpp1.6');
    clients.push(client);
    return client;
  }

  it('answers every message a 1.6 charger may send, validly and meaningfully, and keeps what an operator needs', async () => {
    expect(Object.keys(app.get(Ocpp16HandlersService).table).sort()).toEqual(CHARGER_SENT_16);
    expect(STEPS.map((step) => step.action).sort()).toEqual(CHARGER_SENT_16);
    const client = await connected('T16-WALK');

    await walk(client, 'ocpp1.6', STEPS, {});

    const response = await getChargerEvents(app, API_KEY, 'T16-WALK');
    expect(response.status).toBe(200);
    const events = response.body.events as { kind: string; payload: object; at: string }[];
    expect(events.map((event) => event.kind).sort()).toEqual(Object.keys(stored).sort());
    for (const event of events) expect(event.payload).toEqual(stored[event.kind as keyof typeof stored]);
    const security = events.find((event) => event.kind === 'SecurityEventNotification');
    expect(security?.at).toBe(stored.SecurityEventNotification.timestamp);
  });

  it('answers a DataTransfer of a registered vendor with its handler', async () => {
    const client = await connected('T16-VENDOR');

    const answer = await client.call('DataTransfer', { vendorId: VENDOR, messageId: 'Ping', data: 'x' });

    expect(answer).toEqual({ status: 'Accepted', data: 'echo x' });
    const events = await getChargerEvents(app, API_KEY, 'T16-VENDOR');
    expect(events.body.events).toEqual([]);
  });

  it('pages the events newest first, filters by kind and refuses bad queries, unknown chargers and no key', async () => {
    const client = await connected('T16-PAGES');
    for (const status of ['Downloading', 'Downloaded', 'Installing']) {
      await client.call('FirmwareStatusNotification', { status });
    }
    await client.call('DiagnosticsStatusNotification', { status: 'Uploading' });

    const first = await getChargerEvents(app, API_KEY, 'T16-PAGES', {
      kind: 'FirmwareStatusNotification',
      limit: 2,
    });
    expect(first.body.events.map((event: { payload: object }) => event.payload)).toEqual([
      { status: 'Installing' },
      { status: 'Downloaded' },
    ]);
    const second = await getChargerEvents(app, API_KEY, 'T16-PAGES', {
      kind: 'FirmwareStatusNotification',
      limit: 2,
      before: first.body.next,
    });
    expect(second.body).toEqual({
      events: [expect.objectContaining({ payload: { status: 'Downloading' } })],
      next: null,
    });
    const bad = await getChargerEvents(app, API_KEY, 'T16-PAGES', { limit: 0, kind: 'no such kind' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('limit must be 1 or more');
    expect(bad.body.message).toContain('kind must be an OCPP action name');
    expect((await getChargerEvents(app, API_KEY, 'NOBODY')).status).toBe(404);
    expect((await getChargerEvents(app, 'wrong'.repeat(8), 'T16-PAGES')).status).toBe(401);
  });

  it('keeps only the newest events of each kind of a charger', async () => {
    const { chargerId } = await insertCharger(db, { identity: 'T16-KEPT', connectorIds: [1] });
    const at = new Date();
    const event = (kind: string, index: number) => ({
      chargerId,
      kind,
      at,
      receivedAt: at,
      payload: { index },
    });
    await db.insert(schema.chargerEvents).values(event('SecurityEventNotification', -1));
    await db
      .insert(schema.chargerEvents)
      .values(Array.from({ length: CHARGER_EVENTS_KEPT }, (_, index) => event('NotifyReport', index)));

    await app.get(ChargerEventsRepository).record(event('NotifyReport', CHARGER_EVENTS_KEPT));

    const rows = await db
      .select({
        kind: schema.chargerEvents.kind,
        index: sql<number>`(${schema.chargerEvents.payload}->>'index')::int`,
      })
      .from(schema.chargerEvents)
      .where(sql`${schema.chargerEvents.chargerId} = ${chargerId}`);
    const reports = rows.filter((row) => row.kind === 'NotifyReport').map((row) => row.index);
    expect(reports).toHaveLength(CHARGER_EVENTS_KEPT);
    expect(Math.min(...reports)).toBe(1);
    expect(rows.filter((row) => row.kind === 'SecurityEventNotification')).toEqual([
      { kind: 'SecurityEventNotification', index: -1 },
    ]);
  });
});

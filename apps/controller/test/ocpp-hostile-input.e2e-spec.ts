import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { deflateRawSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { RPCClient, RPCError } from 'ocpp-rpc';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController } from './test-controller';

type ConnectorView = { connectorId: number; measuredCurrentA: (number | null)[] | null };
type ChargerView = {
  id: string;
  identity: string;
  vendor: string | null;
  clockOffsetS: number | null;
  connectors: ConnectorView[];
};

const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** What a CALL that the controller refused was answered with. */
async function callError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('the call was answered with a result');
    },
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof RPCError)) throw error;
  return { code: error.rpcErrorCode, message: error.message };
}

describe('OCPP input from chargers with bad clocks, huge frames and unstorable text', () => {
  let controller: TestController;
  let siteId: string;
  const chargers: SimulatedCharger[] = [];
  const rawClients: RPCClient[] = [];

  beforeAll(async () => {
    controller = await startController();
    const site = await controller.admin
      .post('/api/v1/sites', {
        name: 'Hostile',
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    siteId = site.body.id;
  });

  afterAll(async () => {
    await Promise.allSettled(chargers.map((charger) => charger.close()));
    await Promise.allSettled(rawClients.map((client) => client.close({ force: true })));
    await controller?.app.close();
  });

  const connect = async (identity: string, options: Parameters<typeof connectCharger>[2] = {}) => {
    const charger = await connectCharger(controller, identity, options);
    chargers.push(charger);
    return charger;
  };
  const chargerView = async (identity: string): Promise<ChargerView> => {
    const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
    return (body as ChargerView[]).find((charger) => charger.identity === identity)!;
  };
  const measuredCurrentA = async (identity: string, connectorId = 1) =>
    (await chargerView(identity)).connectors.find((c) => c.connectorId === connectorId)!.measuredCurrentA;
  const transactionsOf = async (chargerId: string) => {
    const db = controller.app.get<Database>(DATABASE);
    return db
      .select({ id: schema.transactions.id, idTag: schema.transactions.idTag })
      .from(schema.transactions)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.transactions.connectorRef))
      .where(eq(schema.connectors.chargerId, chargerId));
  };

  it('takes a 1.6 reading stamped 9999-12-31 as received, so later real readings are the newest', async () => {
    await registerCharger(controller, siteId, 'CP-FUTURE');
    const charger = await connect('CP-FUTURE');
    await charger.meterValues(1, { currentA: [20, 20, 20] }, FAR_FUTURE);
    expect(await measuredCurrentA('CP-FUTURE')).toEqual([20, 20, 20]);

    await charger.meterValues(1, { currentA: [7, 7, 7] });
    expect(await measuredCurrentA('CP-FUTURE')).toEqual([7, 7, 7]);
    await charger.meterValues(1, { currentA: [9, 9, 9] });
    expect(await measuredCurrentA('CP-FUTURE')).toEqual([9, 9, 9]);
  });

  it('never takes a reading stamped longer ago than the message age limit as the current one', async () => {
    await registerCharger(controller, siteId, 'CP-STALE');
    const charger = await connect('CP-STALE');
    await charger.meterValues(1, { currentA: [8, 8, 8] });
    await charger.meterValues(1, { currentA: [30, 30, 30] }, new Date(Date.now() - 2 * 86_400_000));
    expect(await measuredCurrentA('CP-STALE')).toEqual([8, 8, 8]);
  });

  it('takes a future-dated StartTransaction as received, and its repeat as the same transaction', async () => {
    const chargerId = await registerCharger(controller, siteId, 'CP-TX-FUTURE');
    const charger = await connect('CP-TX-FUTURE');
    const first = await charger.startTransaction(1, 'TAG-1', 1000, FAR_FUTURE);
    const repeated = await charger.startTransaction(1, 'TAG-1', 1000, FAR_FUTURE);
    expect(repeated).toBe(first);
    const db = controller.app.get<Database>(DATABASE);
    const [row] = await db.select().from(schema.transactions).where(eq(schema.transactions.id, first));
    expect(row.startedAt.getTime()).toBeLessThan(FAR_FUTURE.getTime());
    expect(row.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await transactionsOf(chargerId)).toHaveLength(1);
  });

  it('does the same on 2.0.1: a future-dated MeterValues and TransactionEvent do not freeze the EVSE', async () => {
    await registerCharger(controller, siteId, 'CS-FUTURE', {
      ocppVersion: '2.0.1',
      connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
    });
    const station = await connect('CS-FUTURE', { ocppVersion: '2.0.1' });
    await station.meterValues(1, { currentA: [20, 20, 20] }, FAR_FUTURE);
    await station.transactionEvent('Started', {
      transactionId: 'tx-future',
      evseId: 1,
      idToken: 'TOKEN',
      timestamp: FAR_FUTURE,
      readings: { currentA: [21, 21, 21] },
    });
    expect(await measuredCurrentA('CS-FUTURE')).toEqual([21, 21, 21]);
    await station.meterValues(1, { currentA: [6, 6, 6] });
    expect(await measuredCurrentA('CS-FUTURE')).toEqual([6, 6, 6]);
    const db = controller.app.get<Database>(DATABASE);
    const [row] = await db
      .select()
      .from(schema.transactions)
      .where(eq(schema.transactions.stationTransactionId, 'tx-future'));
    expect(row.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("shows the charger's clock offset in the admin API", async () => {
    await registerCharger(controller, siteId, 'CP-SLOW-CLOCK');
    // Its clock is two minutes behind ours: within bounds, so its stamps are believed, and its offset shown.
    const charger = await connect('CP-SLOW-CLOCK', { clockOffsetMs: -120_000 });
    await charger.statusNotification(1, 'Available');
    const offsetS = (await chargerView('CP-SLOW-CLOCK')).clockOffsetS!;
    // Charger time − receive time: the 120 s it is behind, plus however long the message took to arrive.
    expect(offsetS).toBeLessThanOrEqual(-120);
    expect(offsetS).toBeGreaterThan(-3600);
    await charger.meterValues(1, { currentA: [5, 5, 5] });
    expect((await chargerView('CP-SLOW-CLOCK')).clockOffsetS).toBeLessThanOrEqual(-120);

    await registerCharger(controller, siteId, 'CS-FAST-CLOCK', { ocppVersion: '2.0.1' });
    // A 2.0.1 station a year ahead: its offset is shown as it is, its reading taken as received.
    const yearS = 365 * 86_400;
    const station = await connect('CS-FAST-CLOCK', { ocppVersion: '2.0.1', clockOffsetMs: yearS * 1000 });
    await station.meterValues(1, { currentA: [11, 11, 11] });
    const view = await chargerView('CS-FAST-CLOCK');
    expect(view.clockOffsetS).toBeLessThanOrEqual(yearS);
    expect(view.clockOffsetS).toBeGreaterThan(yearS - 3600);
    expect(view.connectors[0].measuredCurrentA).toEqual([11, 11, 11]);
  });

  it('closes with 1009 a connection whose compressed frame inflates past the limit; others are unaffected', async () => {
    await registerCharger(controller, siteId, 'CP-BYSTANDER');
    await registerCharger(controller, siteId, 'CP-ZIP-BOMB');
    const bystander = await connect('CP-BYSTANDER');
    await expect(bystander.boot()).resolves.toMatchObject({ status: 'Accepted' });

    const bomb = new RPCClient({
      endpoint: `ws://${controller.host}/ocpp`,
      identity: 'CP-ZIP-BOMB',
      protocols: ['ocpp1.6'],
      reconnect: false,
    } as ConstructorParameters<typeof RPCClient>[0]);
    rawClients.push(bomb);
    const { response } = (await bomb.connect()) as { response: IncomingMessage };
    expect(response.headers['sec-websocket-extensions']).toContain('permessage-deflate');
    const frame = JSON.stringify([2, 'bomb-1', 'Heartbeat', { padding: 'A'.repeat(2 * MAX_PAYLOAD_BYTES) }]);
    // What goes over the wire is a small fraction of the limit; only inflated does it exceed it.
    expect(deflateRawSync(frame).length).toBeLessThan(MAX_PAYLOAD_BYTES / 100);
    const closed = once(bomb, 'close') as Promise<[{ code: number }]>;
    bomb.sendRaw(frame);
    const [{ code }] = await closed;
    expect(code).toBe(1009);

    await expect(bystander.heartbeat()).resolves.toHaveProperty('currentTime');
    await bystander.meterValues(1, { currentA: [4, 4, 4] });
    expect(await measuredCurrentA('CP-BYSTANDER')).toEqual([4, 4, 4]);
  });

  it('refuses a NUL in a 1.6 Boot vendor as a property constraint violation, storing nothing', async () => {
    await registerCharger(controller, siteId, 'CP-NUL-BOOT');
    const charger = await connect('CP-NUL-BOOT');
    const refusal = await callError(
      charger.call('BootNotification', { chargePointVendor: 'ACME\u0000', chargePointModel: 'X1' }),
    );
    expect(refusal).toEqual({
      code: 'PropertyConstraintViolation',
      message:
        'chargePointVendor contains a character that is not allowed (NUL or an unpaired UTF-16 surrogate)',
    });
    expect((await chargerView('CP-NUL-BOOT')).vendor).toBeNull();
    await expect(charger.boot()).resolves.toMatchObject({ status: 'Accepted' });
    expect((await chargerView('CP-NUL-BOOT')).vendor).toBe('gridflex');
  });

  it('refuses a NUL in a 1.6 idTag and in a 2.0.1 vendor or idToken, creating no transaction', async () => {
    const chargerId = await registerCharger(controller, siteId, 'CP-NUL-TAG');
    const charger = await connect('CP-NUL-TAG');
    const startRefusal = await callError(
      charger.call('StartTransaction', {
        connectorId: 1,
        idTag: 'TAG\u0000',
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }),
    );
    expect(startRefusal.code).toBe('PropertyConstraintViolation');
    expect(startRefusal.message).toMatch(/^idTag contains/);
    // A lone surrogate has no UTF-8 form either.
    const surrogate = await callError(
      charger.call('StartTransaction', {
        connectorId: 1,
        idTag: 'TAG\ud800',
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }),
    );
    expect(surrogate.code).toBe('PropertyConstraintViolation');
    expect(await transactionsOf(chargerId)).toEqual([]);

    const stationId = await registerCharger(controller, siteId, 'CS-NUL', { ocppVersion: '2.0.1' });
    const station = await connect('CS-NUL', { ocppVersion: '2.0.1' });
    const bootRefusal = await callError(
      station.call('BootNotification', {
        reason: 'PowerUp',
        chargingStation: { vendorName: 'ACME\u0000', model: 'X2' },
      }),
    );
    expect(bootRefusal.code).toBe('PropertyConstraintViolation');
    expect(bootRefusal.message).toMatch(/^chargingStation\.vendorName contains/);
    const eventRefusal = await callError(
      station.call('TransactionEvent', {
        eventType: 'Started',
        timestamp: new Date().toISOString(),
        triggerReason: 'Authorized',
        seqNo: 0,
        transactionInfo: { transactionId: 'tx-nul' },
        evse: { id: 1, connectorId: 1 },
        idToken: { idToken: 'TOKEN\u0000', type: 'ISO14443' },
      }),
    );
    expect(eventRefusal.code).toBe('PropertyConstraintViolation');
    expect(eventRefusal.message).toMatch(/^idToken\.idToken contains/);
    expect(await transactionsOf(stationId)).toEqual([]);
    expect((await chargerView('CS-NUL')).vendor).toBeNull();
  });

  it('refuses at the handshake an identity holding a NUL', async () => {
    await expect(connectCharger(controller, 'CP\u0000NUL')).rejects.toMatchObject({ statusCode: 400 });
  });
});

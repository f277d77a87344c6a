import { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { eq } from 'drizzle-orm';
import { RPCClient } from 'ocpp-rpc';
import { AppConfig, APP_CONFIG } from '@gridflex/config';
import { hashPassword } from '@gridflex/common';
import { Database, schema } from '@gridflex/persistence';
import { ConnectionRefusedError, SimulatedCharger } from '@gridflex/simulator';
import { ChargerOfflineError, OcppCallError, OcppCallTimeoutError } from './errors';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from './events';
import { OcppGatewayService } from './ocpp-gateway.service';
import { buildSetChargingProfile16 } from './profiles/charging-profile-16';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import { startOcppTestApp } from './testing/ocpp-test-app';

type RpcClientOptions = ConstructorParameters<typeof RPCClient>[0];

describe('OcppGatewayService over real WebSockets', () => {
  let app: INestApplication;
  let db: Database;
  let gateway: OcppGatewayService;
  let emitter: EventEmitter2;
  let config: AppConfig;
  let endpoint: string;
  let sequence = 0;
  let appClosed = false;
  const events: ChargerStateChangedEvent[] = [];
  const openClients: { close(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp({
      OCPP_CALL_TIMEOUT_MS: 2000,
    }));
    gateway = app.get(OcppGatewayService);
    config = app.get(APP_CONFIG);
    emitter = app.get(EventEmitter2);
    emitter.on(OCPP_CHARGER_STATE_CHANGED, (event: ChargerStateChangedEvent) => events.push(event));
  });

  afterEach(async () => {
    await Promise.all(openClients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    if (!appClosed) await app.close();
  });

  async function newCharger(options: { password?: string; identity?: string } = {}): Promise<ChargerFixture> {
    sequence += 1;
    const passwordHash = options.password === undefined ? null : await hashPassword(options.password);
    return insertCharger(db, { identity: options.identity ?? `CP-${sequence}`, passwordHash });
  }

  function simulate(identity: string, password?: string): SimulatedCharger {
    const charger = new SimulatedCharger({ endpoint, identity, password, connectorCount: 2 });
    openClients.push(charger);
    return charger;
  }

  /**
   * A connected simulated charger, once the gateway has recorded the connection and the charger has reported
   * its two connectors anew as asked on connect (TriggerMessage). The events of those reports are dropped,
   * so that each test sees the ones it causes.
   */
  async function connect(fixture: ChargerFixture, password?: string): Promise<SimulatedCharger> {
    const charger = simulate(fixture.identity, password);
    const recorded = eventFor(fixture, 'connected');
    const refreshed = eventFor(fixture, 'status', 2);
    await charger.connect();
    await recorded;
    await refreshed;
    dropEvents(fixture, 'status');
    return charger;
  }

  function dropEvents(fixture: ChargerFixture, reason: ChargerStateChangedEvent['reason']): void {
    const kept = events.filter((event) => event.chargerId !== fixture.chargerId || event.reason !== reason);
    events.splice(0, events.length, ...kept);
  }

  /** The `nth` event of that charger and reason, already emitted or still to come. */
  function eventFor(fixture: ChargerFixture, reason: ChargerStateChangedEvent['reason'], nth = 1) {
    const matches = (event: ChargerStateChangedEvent) =>
      event.chargerId === fixture.chargerId && event.reason === reason;
    const seen = events.filter(matches);
    if (seen.length >= nth) return Promise.resolve(seen[nth - 1]);
    let missing = nth - seen.length;
    return new Promise<ChargerStateChangedEvent>((resolve) => {
      const listener = (event: ChargerStateChangedEvent) => {
        if (!matches(event) || --missing > 0) return;
        emitter.off(OCPP_CHARGER_STATE_CHANGED, listener);
        resolve(event);
      };
      emitter.on(OCPP_CHARGER_STATE_CHANGED, listener);
    });
  }

  const reasonsOf = (fixture: ChargerFixture) =>
    events.filter((event) => event.chargerId === fixture.chargerId).map((event) => event.reason);

  const chargerRow = async (fixture: ChargerFixture) =>
    (await db.select().from(schema.chargers).where(eq(schema.chargers.id, fixture.chargerId)))[0];

  const connectorRow = async (fixture: ChargerFixture, connectorId: number) =>
    (
      await db
        .select()
        .from(schema.connectors)
        .where(eq(schema.connectors.id, fixture.connectorRefs.get(connectorId)!))
    )[0];

  const transactionRows = async (fixture: ChargerFixture) =>
    db
      .select()
      .from(schema.transactions)
      .where(eq(schema.transactions.connectorRef, fixture.connectorRefs.get(1)!));

  function rawClient(options: Partial<RpcClientOptions>): RPCClient {
    const client = new RPCClient({ endpoint, reconnect: false, ...options } as RpcClientOptions);
    openClients.push(client);
    return client;
  }

  describe('connecting', () => {
    it('refuses an unknown identity with 404', async () => {
      const charger = simulate('NOBODY');
      await expect(charger.connect()).rejects.toEqual(new ConnectionRefusedError('NOBODY', 404));
    });

    it('refuses a wrong or missing password with 401 and accepts the right one', async () => {
      const fixture = await newCharger({ password: 'right-password-123' });
      await expect(simulate(fixture.identity, 'wrong-password-123').connect()).rejects.toMatchObject({
        statusCode: 401,
      });
      await expect(simulate(fixture.identity).connect()).rejects.toMatchObject({ statusCode: 401 });
      expect(gateway.isConnected(fixture.identity)).toBe(false);

      await connect(fixture, 'right-password-123');
      expect(gateway.isConnected(fixture.identity)).toBe(true);
      expect(await chargerRow(fixture)).toMatchObject({ connected: true, lastSeenAt: expect.any(Date) });
    });

    it('negotiates permessage-deflate with a client that offers it', async () => {
      const fixture = await newCharger();
      const client = rawClient({
        identity: fixture.identity,
        protocols: ['ocpp1.6'],
        wsOpts: { perMessageDeflate: true },
      });
      const { response } = (await client.connect()) as { response: { headers: Record<string, string> } };
      expect(response.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
    });

    it('accepts a charger without password on its URL-encoded identity alone', async () => {
      const fixture = await newCharger({ identity: 'RDAM 123/ä' });
      await connect(fixture);
      expect(gateway.isConnected('RDAM 123/ä')).toBe(true);
      expect(events).toContainEqual(
        new ChargerStateChangedEvent({
          chargerId: fixture.chargerId,
          identity: 'RDAM 123/ä',
          siteId: fixture.siteId,
          reason: 'connected',
        }),
      );
    });

    it('refuses with 400 a client that offers no subprotocol or none of ours', async () => {
      const fixture = await newCharger();
      for (const protocols of [[], ['ocpp2.1', 'ocpp1.5']]) {
        await expect(rawClient({ identity: fixture.identity, protocols }).connect()).rejects.toMatchObject({
          code: 400,
        });
      }
      expect(gateway.isConnected(fixture.identity)).toBe(false);
    });

    it('answers 404 to WebSocket upgrades on other paths', async () => {
      const fixture = await newCharger();
      const client = rawClient({
        endpoint: endpoint.replace('/ocpp', '/elsewhere'),
        identity: fixture.identity,
        protocols: ['ocpp1.6'],
      });
      await expect(client.connect()).rejects.toMatchObject({ code: 404 });
    });

    it('records the disconnect', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      await charger.close();
      await eventFor(fixture, 'disconnected');
      expect(gateway.isConnected(fixture.identity)).toBe(false);
      expect(await chargerRow(fixture)).toMatchObject({ connected: false });
    });

    it('replaces an older connection of the same identity by a newer one', async () => {
      const fixture = await newCharger();
      const older = await connect(fixture);
      const olderClosed = older.waitForDisconnect();
      const newer = simulate(fixture.identity);
      await newer.connect();
      await olderClosed;
      await eventFor(fixture, 'connected', 2);

      await gateway.call(fixture.identity, 'SetChargingProfile', profileFor(1, null));
      expect(connectorProfiles(newer)).toHaveLength(1);
      expect(connectorProfiles(older)).toHaveLength(0);
      expect(reasonsOf(fixture)).not.toContain('disconnected');
      expect(gateway.isConnected(fixture.identity)).toBe(true);
      expect(await chargerRow(fixture)).toMatchObject({ connected: true });
    });
  });

  describe('on every connect', () => {
    it("sends the station maximum at the charger's share of the site, then has it report its connectors anew", async () => {
      const fixture = await newCharger();
      // A second charger on the site halves the share: 63 A / 2, below the connectors' 2 × 32 A.
      await db.insert(schema.chargers).values({
        siteId: fixture.siteId,
        identity: `${fixture.identity}-peer`,
        ocppVersion: '1.6',
      });
      await db
        .update(schema.connectors)
        .set({ status: 'Faulted' })
        .where(eq(schema.connectors.chargerId, fixture.chargerId));
      const charger = await connect(fixture);

      expect(charger.receivedProfiles[0]).toEqual({
        connectorId: 0,
        csChargingProfiles: {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'ChargePointMaxProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: {
            startSchedule: expect.any(String),
            chargingRateUnit: 'A',
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 31.5, numberPhases: 3 }],
          },
        },
      });
      expect(charger.offeredCurrentA(1)).toBe(31.5);
      expect(charger.triggeredMessages).toEqual(['StatusNotification']);
      expect(await connectorRow(fixture, 1)).toMatchObject({ status: 'Available' });
      expect(await connectorRow(fixture, 2)).toMatchObject({ status: 'Available' });
      expect((await chargerRow(fixture)).capabilities).toMatchObject({
        stationMaxProfile: { limitA: 31.5, status: 'Accepted', at: expect.any(String) },
      });
    });

    it('sends no station maximum to a charger excluded from smart charging', async () => {
      const fixture = await newCharger();
      await db
        .update(schema.chargers)
        .set({ smartChargingExcluded: true })
        .where(eq(schema.chargers.id, fixture.chargerId));
      const charger = await connect(fixture);
      expect(charger.receivedProfiles).toEqual([]);
      expect(charger.triggeredMessages).toEqual(['StatusNotification']);
    });

    it('sends them again on a reconnect', async () => {
      const fixture = await newCharger();
      await (await connect(fixture)).close();
      await eventFor(fixture, 'disconnected');
      const again = await connect(fixture);
      expect(again.receivedProfiles.map((p) => p.csChargingProfiles.chargingProfilePurpose)).toEqual([
        'ChargePointMaxProfile',
      ]);
      expect(again.triggeredMessages).toEqual(['StatusNotification']);
    });
  });

  describe('messages from the charger', () => {
    it('stores the BootNotification and answers with our heartbeat interval', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      const answer = await charger.boot();
      expect(answer).toEqual({
        status: 'Accepted',
        currentTime: expect.any(String),
        interval: config.OCPP_HEARTBEAT_INTERVAL_S,
      });
      expect(Number.isNaN(Date.parse(answer.currentTime))).toBe(false);
      expect(await chargerRow(fixture)).toMatchObject({
        vendor: 'gridflex',
        model: 'SimCharger',
        firmwareVersion: '1.0.0',
      });
      await eventFor(fixture, 'boot');
    });

    it('answers a Heartbeat with the time and records the charger as seen', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      await db
        .update(schema.chargers)
        .set({ lastSeenAt: new Date('2020-01-01T00:00:00Z') })
        .where(eq(schema.chargers.id, fixture.chargerId));
      await expect(charger.heartbeat()).resolves.toEqual({ currentTime: expect.any(String) });
      const { lastSeenAt } = await chargerRow(fixture);
      expect(lastSeenAt!.getTime()).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    });

    it('stores connector statuses and emits an event; connector 0 and unknown connectors change nothing', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      await charger.statusNotification(2, 'Charging');
      expect(await connectorRow(fixture, 2)).toMatchObject({
        status: 'Charging',
        statusAt: expect.any(Date),
      });
      // As reported anew on connect.
      expect(await connectorRow(fixture, 1)).toMatchObject({ status: 'Available' });
      expect(reasonsOf(fixture)).toEqual(['connected', 'status']);

      await charger.statusNotification(0, 'Available');
      await expect(
        charger.call('StatusNotification', { connectorId: 5, errorCode: 'NoError', status: 'Faulted' }),
      ).resolves.toEqual({});
      expect(reasonsOf(fixture)).toEqual(['connected', 'status']);
    });

    it('starts a transaction with our id, idempotently, and stops it once', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      // Within OCPP_MAX_MESSAGE_AGE_S: a start stamped longer ago would be taken at its receive time.
      const timestamp = hoursAgo(3);
      const transactionId = await charger.startTransaction(1, 'TAG-1', 1500, timestamp);
      const [row] = await transactionRows(fixture);
      expect(row).toMatchObject({
        id: transactionId,
        idTag: 'TAG-1',
        meterStartWh: 1500,
        startedAt: timestamp,
      });
      await expect(charger.startTransaction(1, 'TAG-1', 1500, timestamp)).resolves.toBe(transactionId);
      expect(await transactionRows(fixture)).toHaveLength(1);

      const stoppedAt = hoursAgo(2);
      await charger.stopTransaction(transactionId, 9500, 'EVDisconnected', stoppedAt);
      await charger.stopTransaction(transactionId, 12000, 'Local', hoursAgo(1));
      expect(await transactionRows(fixture)).toEqual([
        expect.objectContaining({
          id: transactionId,
          meterStopWh: 9500,
          stoppedAt,
          stopReason: 'EVDisconnected',
        }),
      ]);
      expect(reasonsOf(fixture)).toEqual(['connected', 'transaction-started', 'transaction-stopped']);
    });

    it('answers Invalid with transactionId 0 for an unknown connector and stores nothing', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      const before = (await db.select().from(schema.transactions)).length;
      const start = { connectorId: 3, idTag: 'TAG-1', meterStart: 0, timestamp: new Date().toISOString() };
      await expect(charger.call('StartTransaction', start)).resolves.toEqual({
        idTagInfo: { status: 'Invalid' },
        transactionId: 0,
      });
      expect(await db.select().from(schema.transactions)).toHaveLength(before);
      expect(reasonsOf(fixture)).toEqual(['connected']);
    });

    it('answers a StopTransaction of an unknown transaction anyway', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      await expect(charger.stopTransaction(987654, 100)).resolves.toBeUndefined();
      expect(reasonsOf(fixture)).toEqual(['connected']);
    });

    it('stores meter values on the connector without emitting', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      const timestamp = hoursAgo(1);
      await charger.meterValues(1, { currentA: [16, 15.8, 16.1], powerW: 11000, energyWh: 4200 }, timestamp);
      expect(await connectorRow(fixture, 1)).toMatchObject({
        measuredCurrentA: [16, 15.8, 16.1],
        measuredPowerW: 11000,
        energyRegisterWh: 4200,
        measuredAt: timestamp,
      });
      expect(reasonsOf(fixture)).toEqual(['connected']);
    });

    it('answers a frame that breaks the 1.6 schema with a CALLERROR and changes nothing', async () => {
      const fixture = await newCharger();
      const client = rawClient({ identity: fixture.identity, protocols: ['ocpp1.6'] });
      await client.connect();
      await eventFor(fixture, 'connected');
      await expect(
        client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Exploded' }),
      ).rejects.toMatchObject({ rpcErrorCode: 'FormationViolation' });
      await expect(
        client.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 'lots' }),
      ).rejects.toMatchObject({ rpcErrorCode: 'OccurrenceConstraintViolation' });
      expect(await connectorRow(fixture, 1)).toMatchObject({ status: null, statusAt: null });
      expect(await transactionRows(fixture)).toEqual([]);
      expect(reasonsOf(fixture)).toEqual(['connected']);
    });

    it('answers NotImplemented to actions a charger never sends', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      await expect(charger.call('RemoteStartTransaction', { idTag: 'TAG-1' })).rejects.toMatchObject({
        rpcErrorCode: 'NotImplemented',
      });
    });
  });

  describe('calls to the charger', () => {
    it('delivers a SetChargingProfile built for 1.6 and returns the answer', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      const payload = profileFor(2, 42);
      await expect(gateway.call(fixture.identity, 'SetChargingProfile', payload)).resolves.toEqual({
        status: 'Accepted',
      });
      await expect(charger.waitForProfile((p) => p.connectorId === 2, 1000)).resolves.toEqual(payload);

      charger.profileAnswer = 'Rejected';
      await expect(
        gateway.call(fixture.identity, 'SetChargingProfile', profileFor(1, null)),
      ).resolves.toEqual({
        status: 'Rejected',
      });
      expect(connectorProfiles(charger).map((p) => p.csChargingProfiles.chargingProfileId)).toEqual([
        2002, 1001,
      ]);
    });

    it('throws ChargerOfflineError for a charger that is not connected', async () => {
      const fixture = await newCharger();
      await expect(gateway.call(fixture.identity, 'SetChargingProfile', profileFor(1, null))).rejects.toEqual(
        new ChargerOfflineError(fixture.identity),
      );
    });

    it('throws OcppCallTimeoutError when the charger does not answer in time', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      charger.answerDelayMs = 60_000;
      const error: unknown = await gateway
        .call(fixture.identity, 'SetChargingProfile', profileFor(1, null))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OcppCallTimeoutError);
      expect(error).toMatchObject({ identity: fixture.identity, action: 'SetChargingProfile' });
      expect(connectorProfiles(charger)).toHaveLength(1);
    });

    it('throws OcppCallError with the code and description of a CALLERROR', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      charger.callErrors.set('SendLocalList', 'NotImplemented');
      const error: unknown = await gateway
        .call(fixture.identity, 'SendLocalList', { listVersion: 1, updateType: 'Full' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OcppCallError);
      expect(error).toMatchObject({
        code: 'NotImplemented',
        description: expect.stringContaining('SendLocalList'),
      });
    });

    it('refuses to send a payload that breaks the 1.6 schema', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      const payload = profileFor(1, null);
      payload.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit = 6.25;
      const error: unknown = await gateway
        .call(fixture.identity, 'SetChargingProfile', payload)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(OcppCallError);
      expect(connectorProfiles(charger)).toHaveLength(0);
    });
  });

  // Runs last: it closes the application.
  describe('shutdown', () => {
    it('closes every connection and records the disconnects while the database is still open', async () => {
      const fixture = await newCharger();
      const charger = await connect(fixture);
      const closed = charger.waitForDisconnect();
      const recorded = eventFor(fixture, 'disconnected');
      appClosed = true;
      await app.close();
      await expect(closed).resolves.toMatchObject({ code: 1001 });
      await recorded;
    });
  });
});

/** What a test sent, without the station maximum every connection gets first. */
function connectorProfiles(charger: SimulatedCharger) {
  return charger.receivedProfiles.filter((profile) => profile.connectorId > 0);
}

function profileFor(connectorId: number, transactionId: number | null) {
  const now = new Date();
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  return buildSetChargingProfile16({
    connectorId,
    phases: 3,
    transactionId,
    periods: [
      { start: at(-10), end: at(5), limitA: 16.19 },
      { start: at(5), end: at(20), limitA: 6 },
      { start: at(20), end: at(35), limitA: 0 },
    ],
    now,
    tailLimitA: 10,
  });
}

/** A whole second some hours before now: recent enough for its stamp to be believed. */
function hoursAgo(hours: number): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 - hours * 3_600_000);
}

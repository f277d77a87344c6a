import { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { eq } from 'drizzle-orm';
import { RPCClient } from 'ocpp-rpc';
import { Database, schema } from '@gridflex/persistence';
import { ConnectionRefusedError, SimulatedCharger } from '@gridflex/simulator';
import { OcppCallError } from '../errors';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '../events';
import { OcppGatewayService } from '../ocpp-gateway.service';
import { buildSetChargingProfile201 } from '../profiles/charging-profile-201';
import { StationCeilingRepository } from '../station-ceiling.repository';
import { ChargerFixture, insertCharger } from '../testing/charger-fixtures';
import { startOcppTestApp } from '../testing/ocpp-test-app';

type RpcClientOptions = ConstructorParameters<typeof RPCClient>[0];

describe('OcppGatewayService with OCPP 2.0.1 stations over real WebSockets', () => {
  let app: INestApplication;
  let db: Database;
  let gateway: OcppGatewayService;
  let endpoint: string;
  let sequence = 0;
  const events: ChargerStateChangedEvent[] = [];
  const openClients: { close(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp({
      OCPP_CALL_TIMEOUT_MS: 2000,
    }));
    gateway = app.get(OcppGatewayService);
    app
      .get(EventEmitter2)
      .on(OCPP_CHARGER_STATE_CHANGED, (event: ChargerStateChangedEvent) => events.push(event));
  });

  afterEach(async () => {
    await Promise.all(openClients.splice(0).map((client) => client.close()));
  });

  afterAll(() => app.close());

  function newStation(options: { identity?: string; ocppVersion?: '1.6' | '2.0.1' } = {}) {
    sequence += 1;
    return insertCharger(db, {
      identity: options.identity ?? `CS-${sequence}`,
      ocppVersion: options.ocppVersion ?? '2.0.1',
    });
  }

  function rawClient(options: Partial<RpcClientOptions>): RPCClient {
    const client = new RPCClient({ endpoint, reconnect: false, ...options } as RpcClientOptions);
    openClients.push(client);
    return client;
  }

  const reasonsOf = (fixture: ChargerFixture) =>
    events.filter((event) => event.chargerId === fixture.chargerId).map((event) => event.reason);

  /** A connected simulated 2.0.1 station, once the gateway has recorded the connection. */
  async function connect(fixture: ChargerFixture): Promise<SimulatedCharger> {
    const station = new SimulatedCharger({
      endpoint,
      identity: fixture.identity,
      ocppVersion: '2.0.1',
      connectorCount: 2,
    });
    openClients.push(station);
    await station.connect();
    // The station reports its two EVSEs anew as asked on connect (TriggerMessage); those events are
    // dropped, so that each test sees the ones it causes.
    await waitUntil(
      () =>
        reasonsOf(fixture).includes('connected') &&
        reasonsOf(fixture).filter((r) => r === 'status').length >= 2,
    );
    const kept = events.filter((event) => event.chargerId !== fixture.chargerId || event.reason !== 'status');
    events.splice(0, events.length, ...kept);
    return station;
  }

  const connectorRow = async (fixture: ChargerFixture, evseId: number) =>
    (
      await db
        .select()
        .from(schema.connectors)
        .where(eq(schema.connectors.id, fixture.connectorRefs.get(evseId)!))
    )[0];

  const transactionRows = (fixture: ChargerFixture) =>
    db
      .select()
      .from(schema.transactions)
      .where(eq(schema.transactions.connectorRef, fixture.connectorRefs.get(1)!));

  describe('connecting', () => {
    it('speaks the registered version when the charger offers several', async () => {
      const station = await newStation();
      const charger16 = await newStation({ ocppVersion: '1.6' });
      for (const fixture of [station, charger16]) {
        const client = rawClient({ identity: fixture.identity, protocols: ['ocpp1.6', 'ocpp2.0.1'] });
        await client.connect();
        await waitUntil(() => gateway.isConnected(fixture.identity));
      }
      expect(gateway.protocolOf(station.identity)).toBe('ocpp2.0.1');
      expect(gateway.protocolOf(charger16.identity)).toBe('ocpp1.6');
    });

    it('accepts the version a charger offers when it is not the registered one', async () => {
      const fixture = await newStation({ ocppVersion: '1.6' });
      await rawClient({ identity: fixture.identity, protocols: ['ocpp2.0.1'] }).connect();
      await waitUntil(() => gateway.isConnected(fixture.identity));
      expect(gateway.protocolOf(fixture.identity)).toBe('ocpp2.0.1');
    });

    it('refuses a 2.0.1 identity longer than 48 characters with 400', async () => {
      const fixture = await newStation({ identity: 'S'.repeat(49) });
      const station = new SimulatedCharger({
        endpoint,
        identity: fixture.identity,
        ocppVersion: '2.0.1',
        connectorCount: 1,
      });
      openClients.push(station);
      await expect(station.connect()).rejects.toEqual(new ConnectionRefusedError(fixture.identity, 400));
      expect(gateway.isConnected(fixture.identity)).toBe(false);
    });
  });

  describe('messages from the station', () => {
    it('stores the BootNotification and answers Heartbeat', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      await expect(station.boot()).resolves.toMatchObject({ status: 'Accepted', interval: 300 });
      await expect(station.heartbeat()).resolves.toEqual({ currentTime: expect.any(String) });
      const [row] = await db.select().from(schema.chargers).where(eq(schema.chargers.id, fixture.chargerId));
      expect(row).toMatchObject({ vendor: 'gridflex', model: 'SimCharger', firmwareVersion: '1.0.0' });
      // A Boot abandons what was asked before it: the station is protected anew, its plans sent again.
      await waitUntil(() => reasonsOf(fixture).length === 3);
      expect(reasonsOf(fixture)).toEqual(['connected', 'boot', 'connected']);
    });

    it('stores EVSE statuses; EVSE 0 changes nothing', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      await station.statusNotification(0, 'Unavailable');
      await station.statusNotification(2, 'Occupied');
      expect(await connectorRow(fixture, 2)).toMatchObject({ status: 'Occupied' });
      // As reported anew on connect.
      expect(await connectorRow(fixture, 1)).toMatchObject({ status: 'Available' });
      expect(reasonsOf(fixture)).toEqual(['connected', 'status']);
    });

    it("keeps a transaction under the station's id from Started to a repeated Ended", async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      const transactionId = 'c0ffee00-0000-4000-8000-000000000001';
      await expect(
        station.transactionEvent('Started', {
          transactionId,
          evseId: 1,
          idToken: 'TOKEN-1',
          chargingState: 'EVConnected',
          readings: { energyWh: 1200 },
        }),
      ).resolves.toEqual({ idTokenInfo: { status: 'Accepted' } });
      await station.transactionEvent('Updated', {
        transactionId,
        chargingState: 'Charging',
        readings: { currentA: [16, 16, 15.9], powerW: 11_000, energyWh: 1500 },
      });
      expect(await connectorRow(fixture, 1)).toMatchObject({
        measuredCurrentA: [16, 16, 15.9],
        measuredPowerW: 11_000,
        energyRegisterWh: 1500,
      });
      const ended = { transactionId, readings: { energyWh: 4200 }, stoppedReason: 'EVDisconnected' };
      await station.transactionEvent('Ended', ended);
      await station.transactionEvent('Ended', ended);
      expect(await transactionRows(fixture)).toEqual([
        expect.objectContaining({
          stationTransactionId: transactionId,
          idTag: 'TOKEN-1',
          meterStartWh: 1200,
          meterStopWh: 4200,
          stopReason: 'EVDisconnected',
          stoppedAt: expect.any(Date),
        }),
      ]);
      expect(reasonsOf(fixture)).toEqual(['connected', 'transaction-started', 'transaction-stopped']);
    });

    it('creates a transaction whose Started was lost, and keeps offline readings out of the present', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      await station.transactionEvent('Updated', {
        transactionId: 'late-1',
        evseId: 1,
        readings: { powerW: 7000 },
      });
      await station.transactionEvent('Updated', {
        transactionId: 'late-1',
        offline: true,
        readings: { powerW: 1000 },
        timestamp: new Date(Date.now() - 3_600_000),
      });
      expect(await transactionRows(fixture)).toEqual([
        expect.objectContaining({ stationTransactionId: 'late-1', stoppedAt: null }),
      ]);
      expect(await connectorRow(fixture, 1)).toMatchObject({ measuredPowerW: 7000 });
    });

    it('stores numeric meter values with their units; EVSE 0 is the main meter and ignored', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      // Recent enough for its stamp to be believed (OCPP_MAX_MESSAGE_AGE_S).
      const timestamp = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
      await station.meterValues(0, { powerW: 99_000 }, timestamp);
      await station.meterValues(2, { currentA: [10, 10, 10], energyWh: 5000 }, timestamp);
      expect(await connectorRow(fixture, 2)).toMatchObject({
        measuredCurrentA: [10, 10, 10],
        measuredPowerW: null,
        energyRegisterWh: 5000,
        measuredAt: timestamp,
      });
    });

    it('stores NotifyChargingLimit per EVSE and source until ClearedChargingLimit, re-planning each time', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      const limits = () =>
        db.select().from(schema.chargingLimits).where(eq(schema.chargingLimits.chargerId, fixture.chargerId));
      const schedule = {
        id: 1,
        startSchedule: '2026-03-01T10:00:00Z',
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
      };
      await expect(
        station.call('NotifyChargingLimit', {
          evseId: 1,
          chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: true },
          chargingSchedule: [schedule],
        }),
      ).resolves.toEqual({});
      // Without an EVSE the limit is the whole station's; without a schedule no value is known.
      await station.call('NotifyChargingLimit', { chargingLimit: { chargingLimitSource: 'SO' } });
      const { id: _scheduleId, ...stored } = schedule;
      expect(await limits()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ evseId: 1, source: 'EMS', isGridCritical: true, schedules: [stored] }),
          expect.objectContaining({ evseId: 0, source: 'SO', isGridCritical: null, schedules: null }),
        ]),
      );

      // A newer report of the same source replaces the previous one.
      const lower = { ...schedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] };
      await station.call('NotifyChargingLimit', {
        evseId: 1,
        chargingLimit: { chargingLimitSource: 'EMS' },
        chargingSchedule: [lower],
      });
      const emsLimits = (await limits()).filter((limit) => limit.source === 'EMS');
      expect(emsLimits).toEqual([expect.objectContaining({ isGridCritical: null })]);
      expect(emsLimits[0].schedules?.[0].chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 8 }]);

      await expect(
        station.call('ClearedChargingLimit', { chargingLimitSource: 'EMS', evseId: 1 }),
      ).resolves.toEqual({});
      // Clearing what is not there changes nothing and re-plans nothing.
      await station.call('ClearedChargingLimit', { chargingLimitSource: 'EMS', evseId: 2 });
      expect((await limits()).map((limit) => limit.source)).toEqual(['SO']);
      expect(reasonsOf(fixture).filter((reason) => reason === 'charging-limit')).toHaveLength(4);
    });

    it('learns the phases an EV draws on from sustained readings and numberOfPhasesUsed, saying on a change', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      const at = (seconds: number) => new Date(Date.now() - 120_000 + seconds * 1000);
      await station.transactionEvent('Started', {
        transactionId: 'one-phase',
        evseId: 1,
        readings: { currentA: [0, 15.8, 0.2] },
        timestamp: at(0),
      });
      // One reading is evidence, not yet what the session is taken to use.
      expect(await connectorRow(fixture, 1)).toMatchObject({ phasesInUse: null });
      await station.meterValues(1, { currentA: [0, 16, 0] }, at(30));
      await station.meterValues(1, { currentA: [0.1, 16, 0] }, at(60));
      expect(await connectorRow(fixture, 1)).toMatchObject({
        phasesInUse: 1,
        phasesInUseMask: [false, true, false],
      });
      await station.call('TransactionEvent', {
        eventType: 'Updated',
        timestamp: at(90).toISOString(),
        triggerReason: 'ChargingRateChanged',
        seqNo: 99,
        numberOfPhasesUsed: 3,
        transactionInfo: { transactionId: 'one-phase' },
      });
      expect(await connectorRow(fixture, 1)).toMatchObject({ phasesInUse: 3 });
      expect(reasonsOf(fixture).filter((reason) => reason === 'phases-in-use')).toHaveLength(2);
    });

    it('answers a frame that breaks the 2.0.1 schema with FormatViolation and changes nothing', async () => {
      const fixture = await newStation();
      const client = rawClient({ identity: fixture.identity, protocols: ['ocpp2.0.1'] });
      await client.connect();
      await waitUntil(() => gateway.isConnected(fixture.identity));
      await expect(
        client.call('StatusNotification', {
          timestamp: new Date().toISOString(),
          connectorStatus: 'Exploded',
          evseId: 1,
          connectorId: 1,
        }),
      ).rejects.toMatchObject({ rpcErrorCode: 'FormatViolation' });
      expect(await connectorRow(fixture, 1)).toMatchObject({ status: null });
    });
  });

  describe('on every connect', () => {
    it('sends the ChargingStationMaxProfile on EVSE 0, then has the station report its EVSEs anew', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      expect(station.receivedProfiles[0]).toEqual({
        evseId: 0,
        chargingProfile: {
          id: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'ChargingStationMaxProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: [
            {
              id: 1,
              startSchedule: expect.any(String),
              chargingRateUnit: 'A',
              // The only charger of a 63 A site, below its EVSEs' 2 × 32 A.
              chargingSchedulePeriod: [{ startPeriod: 0, limit: 63, numberPhases: 3 }],
            },
          ],
        },
      });
      expect(station.triggeredMessages).toEqual(['StatusNotification']);
      expect(await connectorRow(fixture, 2)).toMatchObject({ status: 'Available' });
    });
  });

  describe('station maximum following the plans', () => {
    const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    // Every plan of the test covers the same block, as the plans of one re-plan do.
    const block = { start: hoursFromNow(-1), end: hoursFromNow(1) };
    async function plan(fixture: ChargerFixture, evseId: number, version: number, limitA: number) {
      const row = {
        connectorRef: fixture.connectorRefs.get(evseId)!,
        version,
        periods: [{ ...block, limitA }],
        plannedAt: new Date(),
        dispatchStatus: 'queued',
      };
      await db
        .insert(schema.connectorPlans)
        .values(row)
        .onConflictDoUpdate({ target: schema.connectorPlans.connectorRef, set: row });
    }
    const txDefault = (evseId: number, limitA: number) =>
      buildSetChargingProfile201({
        evseId,
        phases: 3,
        transactionId: null,
        periods: [{ start: new Date().toISOString(), end: hoursFromNow(1), limitA }],
        now: new Date(),
        tailLimitA: 10,
      });
    const stationMaxima = (station: SimulatedCharger) =>
      station.receivedProfiles
        .map(
          (p) =>
            p as unknown as {
              evseId: number;
              chargingProfile: { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] }[] };
            },
        )
        .filter((p) => p.evseId === 0)
        .map((p) =>
          p.chargingProfile.chargingSchedule[0].chargingSchedulePeriod.map((period) => period.limit),
        );

    it('raises the station maximum before a connector profile the safe share would cut, once per change', async () => {
      const fixture = await newStation();
      // As the dispatch worker does: the ceiling inputs read with the push, then the connector profile.
      const push = async (target: typeof fixture, payload: object) => {
        const inputs = await app.get(StationCeilingRepository).ceilingInputs(target.chargerId);
        await gateway.keepStationCeiling(target.identity, inputs!);
        await gateway.call(target.identity, 'SetChargingProfile', payload);
      };
      // Safe share 32 A: half the site's 64 A, as a second charger shares the site.
      await db
        .update(schema.sites)
        .set({ limitL1A: 64, limitL2A: 64, limitL3A: 64 })
        .where(eq(schema.sites.id, fixture.siteId));
      await db
        .insert(schema.chargers)
        .values({ siteId: fixture.siteId, identity: `${fixture.identity}-other`, ocppVersion: '2.0.1' });
      const station = await connect(fixture);
      expect(stationMaxima(station)).toEqual([[32]]);

      await plan(fixture, 1, 1, 32);
      await plan(fixture, 2, 1, 16);
      await push(fixture, txDefault(1, 32));
      await push(fixture, txDefault(2, 16));
      // 48 A while planned, then the safe share again: sent once, before the first connector profile.
      expect(stationMaxima(station)).toEqual([[32], [48, 32]]);
      expect(station.receivedProfiles.map((p) => (p as unknown as { evseId: number }).evseId)).toEqual([
        0, 0, 1, 2,
      ]);
      expect(station.offeredCurrentA(1)).toBe(32);

      // Within the safe share again: the maximum falls back to it, once.
      await plan(fixture, 2, 2, 0);
      await push(fixture, txDefault(2, 0));
      await push(fixture, txDefault(1, 32));
      expect(stationMaxima(station)).toEqual([[32], [48, 32], [32]]);
      const [stored] = await db
        .select({ capabilities: schema.chargers.capabilities })
        .from(schema.chargers)
        .where(eq(schema.chargers.id, fixture.chargerId));
      expect(stored.capabilities?.stationMaxProfile).toMatchObject({
        limitA: 32,
        ceilingA: 32,
        status: 'Accepted',
      });

      // A plan above what the site could ever give the charger is not followed.
      await plan(fixture, 1, 2, 32);
      await plan(fixture, 2, 3, 40);
      await push(fixture, txDefault(2, 40));
      expect(stationMaxima(station).at(-1)).toEqual([64, 32]);
    });
  });

  describe('calls to the station', () => {
    const profile = (transactionId: string | null) =>
      buildSetChargingProfile201({
        evseId: 1,
        phases: 3,
        transactionId,
        periods: [{ start: new Date().toISOString(), end: null, limitA: 16 }],
        now: new Date(),
        tailLimitA: 10,
      });

    it('delivers a 2.0.1 SetChargingProfile; NotSupported comes back as a CALLERROR', async () => {
      const fixture = await newStation();
      const station = await connect(fixture);
      const payload = profile('tx-1');
      await expect(gateway.call(fixture.identity, 'SetChargingProfile', payload)).resolves.toEqual({
        status: 'Accepted',
      });
      expect(station.receivedProfiles.slice(1)).toEqual([payload]);

      station.profileAnswer = 'NotSupported';
      const error: unknown = await gateway
        .call(fixture.identity, 'SetChargingProfile', profile(null))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OcppCallError);
      expect(error).toMatchObject({ code: 'NotSupported' });
    });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error('condition not met');
}

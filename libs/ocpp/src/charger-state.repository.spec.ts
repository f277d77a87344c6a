import { eq } from 'drizzle-orm';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { ChargerStateRepository } from './charger-state.repository';
import type { ConnectorMeasurement } from './measurement';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import { TransactionsRepository } from './transactions.repository';

describe.each(TEST_DATABASE_ENGINES)('ChargerStateRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let repository: ChargerStateRepository;
  let charger: ChargerFixture;

  beforeAll(async () => {
    database = await createDatabase();
    repository = new ChargerStateRepository(database.db);
  });
  afterAll(() => database.close());

  beforeEach(async () => {
    await database.db.delete(schema.sites);
    charger = await insertCharger(database.db, { identity: 'CP 1', passwordHash: 'scrypt$salt$key' });
  });

  const chargerRow = async () =>
    (await database.db.select().from(schema.chargers).where(eq(schema.chargers.id, charger.chargerId)))[0];
  const connectorRow = async (connectorId: number) =>
    (
      await database.db
        .select()
        .from(schema.connectors)
        .where(eq(schema.connectors.id, charger.connectorRefs.get(connectorId)!))
    )[0];

  it('finds a charger with its credentials by identity', async () => {
    await expect(repository.findByIdentity('CP 1')).resolves.toEqual({
      id: charger.chargerId,
      siteId: charger.siteId,
      identity: 'CP 1',
      passwordHash: 'scrypt$salt$key',
      ocppVersion: '1.6',
      upstreamUrl: null,
    });
    await expect(repository.findByIdentity('CP 2')).resolves.toBeNull();
    await expect(repository.upstreamPassword(charger.chargerId)).resolves.toBeNull();
  });

  it("resolves the effective upstream: the charger's own, its site's default, or none", async () => {
    const { sites, chargers } = schema;
    const setCharger = (fields: Partial<typeof chargers.$inferInsert>) =>
      database.db.update(chargers).set(fields).where(eq(chargers.id, charger.chargerId));
    const effective = async () => ({
      url: (await repository.findByIdentity('CP 1'))?.upstreamUrl,
      password: await repository.upstreamPassword(charger.chargerId),
    });
    await database.db
      .update(sites)
      .set({ upstreamUrl: 'wss://site.example/ocpp', upstreamPassword: 'site-secret' })
      .where(eq(sites.id, charger.siteId));

    expect(await effective()).toEqual({ url: 'wss://site.example/ocpp', password: 'site-secret' });
    await setCharger({ upstreamPassword: 'own-secret' });
    expect(await effective()).toEqual({ url: 'wss://site.example/ocpp', password: 'own-secret' });
    await setCharger({ upstreamMode: 'own', upstreamUrl: 'ws://own.example/csms', upstreamPassword: null });
    expect(await effective()).toEqual({ url: 'ws://own.example/csms', password: null });
    await setCharger({ upstreamMode: 'none', upstreamUrl: null });
    expect(await effective()).toEqual({ url: null, password: null });
  });

  it('records connects, disconnects, messages and boots', async () => {
    const connectedAt = new Date('2026-03-01T10:00:00Z');
    await repository.markConnected(charger.chargerId, connectedAt);
    expect(await chargerRow()).toMatchObject({ connected: true, lastSeenAt: connectedAt });

    const seenAt = new Date('2026-03-01T10:05:00Z');
    await repository.touch(charger.chargerId, seenAt);
    await repository.recordBoot(charger.chargerId, {
      vendor: 'ACME',
      model: 'Wallbox',
      firmwareVersion: null,
    });
    expect(await chargerRow()).toMatchObject({
      lastSeenAt: seenAt,
      vendor: 'ACME',
      model: 'Wallbox',
      firmwareVersion: null,
    });

    await repository.markDisconnected(charger.chargerId);
    expect(await chargerRow()).toMatchObject({ connected: false, lastSeenAt: seenAt });
  });

  it('lists the chargers recorded as connected, and forgets connections by charger', async () => {
    await repository.markConnected(charger.chargerId, new Date());
    expect(await repository.listConnected()).toEqual([
      { id: charger.chargerId, identity: charger.identity, siteId: charger.siteId },
    ]);
    await repository.markManyDisconnected([charger.chargerId]);
    expect(await chargerRow()).toMatchObject({ connected: false });
    expect(await repository.listConnected()).toEqual([]);
  });

  it('updates the status of a registered connector only', async () => {
    const at = new Date('2026-03-01T10:00:00Z');
    await expect(repository.updateConnectorStatus(charger.chargerId, 2, 'Charging', at)).resolves.toBe(true);
    expect(await connectorRow(2)).toMatchObject({ status: 'Charging', statusAt: at });
    expect(await connectorRow(1)).toMatchObject({ status: null });
    await expect(repository.updateConnectorStatus(charger.chargerId, 3, 'Charging', at)).resolves.toBe(false);
    await expect(repository.updateConnectorStatus(charger.chargerId, 2 ** 40, 'Charging', at)).resolves.toBe(
      false,
    );
  });

  it('finds a connector by its OCPP id', async () => {
    await expect(repository.findConnectorRef(charger.chargerId, 1)).resolves.toBe(
      charger.connectorRefs.get(1),
    );
    await expect(repository.findConnectorRef(charger.chargerId, 9)).resolves.toBeNull();
  });

  const reading = (fields: Partial<ConnectorMeasurement> & { measuredAt: Date }): ConnectorMeasurement => ({
    currentA: null,
    powerW: null,
    energyWh: null,
    socPercent: null,
    offeredCurrentA: null,
    phasesInUse: null,
    ...fields,
  });
  const unchangedPhases = { known: true, phasesInUseChanged: false };

  it('stores measurements, keeps measurands a later reading lacks and ignores older readings', async () => {
    const first = new Date('2026-03-01T10:00:00Z');
    const outcome = await repository.recordMeasurement(
      charger.chargerId,
      1,
      reading({ measuredAt: first, currentA: [16, 15.5, null], powerW: 7000, energyWh: 1200 }),
    );
    expect(outcome).toEqual(unchangedPhases);
    expect(await connectorRow(1)).toMatchObject({
      measuredAt: first,
      measuredCurrentA: [16, 15.5, null],
      measuredPowerW: 7000,
      energyRegisterWh: 1200,
    });

    const second = new Date('2026-03-01T10:01:00Z');
    await repository.recordMeasurement(charger.chargerId, 1, reading({ measuredAt: second, energyWh: 1300 }));
    expect(await connectorRow(1)).toMatchObject({
      measuredAt: second,
      measuredCurrentA: [16, 15.5, null],
      measuredPowerW: 7000,
      energyRegisterWh: 1300,
    });

    const stale = reading({ measuredAt: first, powerW: 1, energyWh: 1 });
    await expect(repository.recordMeasurement(charger.chargerId, 1, stale)).resolves.toEqual(unchangedPhases);
    expect(await connectorRow(1)).toMatchObject({
      measuredAt: second,
      measuredPowerW: 7000,
      energyRegisterWh: 1300,
    });

    await expect(
      repository.recordMeasurement(charger.chargerId, 7, reading({ measuredAt: second, powerW: 1 })),
    ).resolves.toEqual({ known: false, phasesInUseChanged: false });
  });

  it('counts the register on across a charger restarting with its register at 0', async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 3, 1, 10, minute));
    const record = (minute: number, energyWh: number) =>
      repository.recordMeasurement(charger.chargerId, 2, reading({ measuredAt: at(minute), energyWh }));
    await record(0, 3_743);
    expect(await connectorRow(2)).toMatchObject({ energyRegisterWh: 3_743, energyCountedWh: 3_743 });
    await record(1, 0);
    await record(2, 121);
    expect(await connectorRow(2)).toMatchObject({ energyRegisterWh: 121, energyCountedWh: 3_864 });
    // Read before the reset, delivered late: it describes the past and counts nothing.
    await record(0, 3_700);
    expect(await connectorRow(2)).toMatchObject({ energyRegisterWh: 121, energyCountedWh: 3_864 });
  });

  it("stores SoC, offered current and the EV's phases on sustained evidence, saying when they changed", async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute));
    const onePhase = { count: 1 as const, mask: [false, true, false] as [boolean, boolean, boolean] };
    const record = (fields: Partial<ConnectorMeasurement> & { measuredAt: Date }) =>
      repository.recordMeasurement(charger.chargerId, 1, reading(fields));
    // One reading on one phase is only evidence: it is kept, the phases are not learnt from it.
    await expect(
      record({ measuredAt: at(0), socPercent: 41, offeredCurrentA: 16, phasesInUse: onePhase }),
    ).resolves.toEqual(unchangedPhases);
    expect(await connectorRow(1)).toMatchObject({
      socPercent: 41,
      offeredCurrentA: 16,
      phasesInUse: null,
      phaseEvidence: { count: 1, mask: [false, true, false], readings: 1, since: at(0).toISOString() },
    });

    // A reading that tells no phases neither adds nor breaks the run; the third one a minute on is enough.
    await expect(record({ measuredAt: at(1), phasesInUse: onePhase })).resolves.toEqual(unchangedPhases);
    await expect(record({ measuredAt: at(1), socPercent: 42 })).resolves.toEqual(unchangedPhases);
    await expect(record({ measuredAt: at(2), phasesInUse: onePhase })).resolves.toEqual({
      known: true,
      phasesInUseChanged: true,
    });
    expect(await connectorRow(1)).toMatchObject({
      socPercent: 42,
      offeredCurrentA: 16,
      phasesInUse: 1,
      phasesInUseMask: [false, true, false],
      phaseEvidence: { readings: 3 },
    });

    // The first reading on all three phases takes it back at once.
    const threePhases = { count: 3 as const, mask: [true, true, true] as [boolean, boolean, boolean] };
    await expect(record({ measuredAt: at(3), phasesInUse: threePhases })).resolves.toEqual({
      known: true,
      phasesInUseChanged: true,
    });
    expect(await connectorRow(1)).toMatchObject({ phasesInUse: 3, phaseEvidence: null });

    // A new session forgets what the previous EV showed, evidence included.
    await record({ measuredAt: at(4), phasesInUse: onePhase });
    const transactions = new TransactionsRepository(database.db);
    const connectorRef = charger.connectorRefs.get(1)!;
    await transactions.start({ connectorRef, idTag: 'T', meterStartWh: 0, startedAt: at(5) });
    expect(await connectorRow(1)).toMatchObject({
      phasesInUse: null,
      phasesInUseMask: null,
      phaseEvidence: null,
      socPercent: null,
    });
  });

  it("gives the connector's open transaction, none once it stopped", async () => {
    const transactions = new TransactionsRepository(database.db);
    const connectorRef = charger.connectorRefs.get(1)!;
    await expect(repository.activeTransaction(connectorRef)).resolves.toBeNull();

    const start = (iso: string) =>
      transactions.start({ connectorRef, idTag: 'TAG', meterStartWh: 0, startedAt: new Date(iso) });
    await start('2026-03-01T09:00:00Z');
    const newer = await start('2026-03-01T10:00:00Z');
    await expect(repository.activeTransaction(connectorRef)).resolves.toEqual({
      id: newer.transactionId,
      chargerTransactionId: newer.transactionId,
      stationTransactionId: null,
    });

    const stop = { meterStopWh: 10, stoppedAt: new Date('2026-03-01T11:00:00Z'), reason: null };
    await transactions.stop(charger.chargerId, newer.transactionId, stop);
    await expect(repository.activeTransaction(connectorRef)).resolves.toBeNull();
  });
  it('records a connector as uncontrollable and back, saying only when that changed', async () => {
    const connectorRef = charger.connectorRefs.get(1)!;
    const reasonOf = async () =>
      (await database.db.select().from(schema.connectors).where(eq(schema.connectors.id, connectorRef)))[0]
        .uncontrollableReason;
    const changed = { chargerId: charger.chargerId, identity: 'CP 1', siteId: charger.siteId };

    await expect(repository.setUncontrollable(connectorRef, null)).resolves.toBeNull();
    await expect(repository.setUncontrollable(connectorRef, 'Charger answered Rejected')).resolves.toEqual(
      changed,
    );
    expect(await reasonOf()).toBe('Charger answered Rejected');
    await expect(repository.setUncontrollable(connectorRef, 'Charger answered Rejected')).resolves.toBeNull();
    await expect(repository.setUncontrollable(connectorRef, null)).resolves.toEqual(changed);
    expect(await reasonOf()).toBeNull();
  });

  it('keeps the Boot an upstream missed, and tells the connectors’ statuses to show it', async () => {
    await expect(repository.upstreamResyncState(charger.chargerId)).resolves.toEqual({
      missedBoot: null,
      statuses: [],
    });
    const boot = { chargePointVendor: 'Acme', chargePointModel: 'One' };
    await repository.recordUpstreamBoot(charger.chargerId, boot, false);
    const at = new Date('2026-12-07T10:00:00Z');
    await repository.updateConnectorStatus(charger.chargerId, 1, 'Charging', at);
    await expect(repository.upstreamResyncState(charger.chargerId)).resolves.toEqual({
      missedBoot: boot,
      statuses: [{ connectorId: 1, status: 'Charging' }],
    });
    await repository.markUpstreamBootAccepted(charger.chargerId);
    expect((await repository.upstreamResyncState(charger.chargerId)).missedBoot).toBeNull();

    // A payload no schema allows is not kept, but the upstream still has not accepted it.
    await repository.recordUpstreamBoot(charger.chargerId, { chargePointVendor: 'x'.repeat(5000) }, false);
    expect(await chargerRow()).toMatchObject({ bootPayload: null, upstreamBootPending: true });
  });

  it('records the upstream connection, not undone by an older one that closes', async () => {
    const older = new Date('2026-12-07T10:00:00.123Z');
    const newer = new Date('2026-12-07T10:00:05.456Z');
    await repository.markUpstreamConnected(charger.chargerId, older);
    await repository.markUpstreamConnected(charger.chargerId, newer);
    await repository.markUpstreamDisconnected(charger.chargerId, older);
    expect((await chargerRow()).upstreamConnectedAt).toEqual(newer);
    await repository.markUpstreamDisconnected(charger.chargerId, newer);
    expect((await chargerRow()).upstreamConnectedAt).toBeNull();

    await repository.markUpstreamConnected(charger.chargerId, newer);
    await repository.markManyDisconnected([charger.chargerId]);
    expect((await chargerRow()).upstreamConnectedAt).toBeNull();
  });

  it('counts the connectors of a charger that connects again as controllable', async () => {
    const connectorRef = charger.connectorRefs.get(2)!;
    await repository.setUncontrollable(connectorRef, 'NotSupported: no smart charging');
    await repository.markConnected(charger.chargerId, new Date());
    expect((await connectorRow(2)).uncontrollableReason).toBeNull();
  });
});

import { eq } from 'drizzle-orm';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import { SUPERSEDED, TransactionsRepository } from './transactions.repository';

describe.each(TEST_DATABASE_ENGINES)('TransactionsRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let repository: TransactionsRepository;
  let charger: ChargerFixture;
  let connectorRef: string;
  const startedAt = new Date('2026-03-01T10:00:00.123Z');

  beforeAll(async () => {
    database = await createDatabase();
    repository = new TransactionsRepository(database.db);
  });
  afterAll(() => database.close());

  beforeEach(async () => {
    await database.db.delete(schema.sites);
    charger = await insertCharger(database.db, { identity: 'CP-1' });
    connectorRef = charger.connectorRefs.get(1)!;
  });

  const transactionRow = async (id: number) =>
    (await database.db.select().from(schema.transactions).where(eq(schema.transactions.id, id)))[0];
  const countTransactions = async () => (await database.db.select().from(schema.transactions)).length;

  it('creates a transaction and gives the same id for a repeated start', async () => {
    const first = await repository.start({ connectorRef, idTag: 'TAG-1', meterStartWh: 1000, startedAt });
    expect(first).toEqual({ transactionId: expect.any(Number), created: true });
    expect(await transactionRow(first.transactionId)).toMatchObject({
      connectorRef,
      idTag: 'TAG-1',
      meterStartWh: 1000,
      startedAt,
      stoppedAt: null,
    });

    const repeated = await repository.start({ connectorRef, idTag: 'TAG-1', meterStartWh: 1000, startedAt });
    expect(repeated).toEqual({ transactionId: first.transactionId, created: false });
    expect(await countTransactions()).toBe(1);
  });

  it('gives the charger the upstream id of a start answered upstream, also for its repeat', async () => {
    const base = { connectorRef, idTag: 'TAG-1', meterStartWh: 1000, startedAt };
    const first = await repository.start({ ...base, upstreamTransactionId: 4242 });
    expect(first).toEqual({ transactionId: 4242, created: true });
    const [row] = await database.db.select().from(schema.transactions);
    expect(row).toMatchObject({ chargerTransactionId: 4242, upstreamTransactionId: 4242 });
    expect(row.id).not.toBe(4242);

    // The upstream answered the repeat with another id: the charger holds that one now.
    expect(await repository.start({ ...base, upstreamTransactionId: 4243 })).toEqual({
      transactionId: 4243,
      created: false,
    });
    expect(await repository.start(base)).toEqual({ transactionId: 4243, created: false });
    expect(await transactionRow(row.id)).toMatchObject({
      chargerTransactionId: 4243,
      upstreamTransactionId: 4243,
    });
  });

  it('creates one transaction for repeated starts arriving together', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => repository.start({ connectorRef, idTag: 'TAG-1', meterStartWh: 1000, startedAt })),
    );
    expect(new Set(results.map((r) => r.transactionId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await countTransactions()).toBe(1);
  });

  it('treats another start time, meter start or connector as another transaction', async () => {
    const base = { connectorRef, idTag: 'TAG-1', meterStartWh: 1000, startedAt };
    const ids = new Set([
      (await repository.start(base)).transactionId,
      (await repository.start({ ...base, startedAt: new Date(startedAt.getTime() + 1000) })).transactionId,
      (await repository.start({ ...base, meterStartWh: 1001 })).transactionId,
      (await repository.start({ ...base, connectorRef: charger.connectorRefs.get(2)! })).transactionId,
    ]);
    expect(ids.size).toBe(4);
  });

  it('takes a start received at its receive time (stamp not believed) and its repeat as one transaction', async () => {
    const base = { connectorRef, idTag: 'TAG-1', meterStartWh: 1000, stampTrusted: false };
    const first = await repository.start({ ...base, startedAt });
    const repeated = await repository.start({ ...base, startedAt: new Date(startedAt.getTime() + 5000) });
    expect(repeated).toEqual({ transactionId: first.transactionId, created: false });
    const otherTag = await repository.start({
      ...base,
      idTag: 'TAG-2',
      startedAt: new Date(startedAt.getTime() + 9000),
    });
    expect(otherTag.created).toBe(true);
    expect(await countTransactions()).toBe(2);
  });

  it('closes a transaction left open when a new one starts on the same connector', async () => {
    const older = await repository.start({ connectorRef, idTag: 'TAG-1', meterStartWh: 1000, startedAt });
    const laterStart = new Date(startedAt.getTime() + 3_600_000);
    const newer = await repository.start({
      connectorRef,
      idTag: 'TAG-2',
      meterStartWh: 9000,
      startedAt: laterStart,
    });
    expect(await transactionRow(older.transactionId)).toMatchObject({
      stoppedAt: laterStart,
      stopReason: SUPERSEDED,
    });
    expect(await transactionRow(newer.transactionId)).toMatchObject({ stoppedAt: null });
  });

  it('stops an open transaction once; a repeated stop changes nothing', async () => {
    const { transactionId } = await repository.start({
      connectorRef,
      idTag: 'T',
      meterStartWh: 0,
      startedAt,
    });
    const stoppedAt = new Date('2026-03-01T11:00:00Z');
    await expect(
      repository.stop(charger.chargerId, transactionId, {
        meterStopWh: 5000,
        stoppedAt,
        reason: 'EVDisconnected',
      }),
    ).resolves.toBe(true);
    await expect(
      repository.stop(charger.chargerId, transactionId, {
        meterStopWh: 9999,
        stoppedAt: new Date('2026-03-01T12:00:00Z'),
        reason: 'Local',
      }),
    ).resolves.toBe(false);
    expect(await transactionRow(transactionId)).toMatchObject({
      meterStopWh: 5000,
      stoppedAt,
      stopReason: 'EVDisconnected',
    });
  });

  it('forgets the phases and SoC its EV showed when a session stops, and keeps them on a refused stop', async () => {
    const readings = {
      phasesInUse: 1,
      phasesInUseMask: [true, false, false] as [boolean, boolean, boolean],
      socPercent: 80,
    };
    const connectorRow = async () =>
      (await database.db.select().from(schema.connectors).where(eq(schema.connectors.id, connectorRef)))[0];
    const { transactionId } = await repository.start({
      connectorRef,
      idTag: 'T',
      meterStartWh: 0,
      startedAt,
    });
    await database.db.update(schema.connectors).set(readings).where(eq(schema.connectors.id, connectorRef));
    const stop = { meterStopWh: 10, stoppedAt: new Date('2026-03-01T11:00:00Z'), reason: null };
    await repository.stop(charger.chargerId, transactionId + 1, stop);
    expect(await connectorRow()).toMatchObject(readings);
    await repository.stop(charger.chargerId, transactionId, stop);
    expect(await connectorRow()).toMatchObject({
      phasesInUse: null,
      phasesInUseMask: null,
      socPercent: null,
    });
  });

  it("refuses to stop an unknown transaction or another charger's", async () => {
    const { transactionId } = await repository.start({
      connectorRef,
      idTag: 'T',
      meterStartWh: 0,
      startedAt,
    });
    const other = await insertCharger(database.db, { identity: 'CP-2' });
    const stop = { meterStopWh: 1, stoppedAt: new Date(), reason: null };
    await expect(repository.stop(other.chargerId, transactionId, stop)).resolves.toBe(false);
    await expect(repository.stop(charger.chargerId, transactionId + 1000, stop)).resolves.toBe(false);
    await expect(repository.stop(charger.chargerId, 2 ** 40, stop)).resolves.toBe(false);
    expect(await transactionRow(transactionId)).toMatchObject({ stoppedAt: null });
  });
  describe('2.0.1 transactions known by the station id', () => {
    const stationStart = (stationTransactionId: string, at = startedAt) =>
      repository.startStation({
        connectorRef,
        stationTransactionId,
        idTag: 'TOKEN',
        meterStartWh: 0,
        startedAt: at,
      });
    const stop = { meterStopWh: 500, stoppedAt: new Date('2026-03-01T11:00:00Z'), reason: 'EVDeparted' };

    it('creates the transaction once, finds its connector and stops it once', async () => {
      await expect(stationStart('tx-a')).resolves.toEqual({ created: true });
      await expect(stationStart('tx-a')).resolves.toEqual({ created: false });
      expect(await countTransactions()).toBe(1);
      await expect(repository.findStationTransactionConnector(charger.chargerId, 'tx-a')).resolves.toEqual({
        connectorRef,
        connectorId: 1,
      });

      await expect(repository.stopStation(charger.chargerId, 'tx-a', stop)).resolves.toBe(true);
      await expect(repository.stopStation(charger.chargerId, 'tx-a', stop)).resolves.toBe(false);
      const [row] = await database.db.select().from(schema.transactions);
      expect(row).toMatchObject({ stationTransactionId: 'tx-a', meterStopWh: 500, stopReason: 'EVDeparted' });
    });

    it("closes the connector's open transaction when a new one starts", async () => {
      await stationStart('tx-a');
      await stationStart('tx-b', new Date('2026-03-01T10:30:00Z'));
      const rows = await database.db.select().from(schema.transactions);
      expect(rows.find((row) => row.stationTransactionId === 'tx-a')).toMatchObject({
        stopReason: SUPERSEDED,
      });
      expect(rows.find((row) => row.stationTransactionId === 'tx-b')?.stoppedAt).toBeNull();
    });

    it("knows no other charger's transaction", async () => {
      await stationStart('tx-a');
      const other = await insertCharger(database.db, { identity: 'CP-2' });
      await expect(repository.findStationTransactionConnector(other.chargerId, 'tx-a')).resolves.toBeNull();
      await expect(repository.stopStation(other.chargerId, 'tx-a', stop)).resolves.toBe(false);
    });
  });
});

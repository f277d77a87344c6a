import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { schema } from '@gridflex/persistence';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import { TransactionIdMapRepository } from './transaction-id-map.repository';
import { TransactionsRepository } from './transactions.repository';

describe.each(TEST_DATABASE_ENGINES)('TransactionIdMapRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let ids: TransactionIdMapRepository;
  let transactions: TransactionsRepository;
  let charger: ChargerFixture;
  let other: ChargerFixture;

  beforeAll(async () => {
    database = await createDatabase();
    ids = new TransactionIdMapRepository(database.db);
    transactions = new TransactionsRepository(database.db);
  });
  afterAll(() => database.close());

  beforeEach(async () => {
    await database.db.delete(schema.sites);
    charger = await insertCharger(database.db, { identity: 'CP-MAP' });
    other = await insertCharger(database.db, { identity: 'CP-OTHER' });
  });

  const start = (fixture: ChargerFixture, meterStartWh: number, upstreamTransactionId?: number) =>
    transactions.start({
      connectorRef: fixture.connectorRefs.get(1)!,
      idTag: 'TAG',
      meterStartWh,
      startedAt: new Date(Date.UTC(2026, 2, 1, 10, 0, meterStartWh)),
      upstreamTransactionId,
    });

  it('knows a transaction answered upstream by the upstream id on both sides', async () => {
    const { transactionId } = await start(charger, 1, 4242);
    expect(transactionId).toBe(4242);
    const mapped = await ids.byChargerId(charger.chargerId, 4242);
    expect(mapped).toEqual({ ref: expect.any(Number), upstreamTransactionId: 4242 });
    expect(await ids.chargerIdOf(charger.chargerId, 4242)).toBe(4242);
    expect(await ids.upstreamIdOf(mapped!.ref)).toBe(4242);
  });

  it('maps a transaction the charger got our id for to the upstream id learnt later', async () => {
    const { transactionId: local } = await start(charger, 2);
    const mapped = await ids.byChargerId(charger.chargerId, local);
    expect(mapped).toEqual({ ref: local, upstreamTransactionId: null });
    expect(await ids.recordUpstreamId(mapped!.ref, 9002)).toBe(true);
    expect(await ids.upstreamIdOf(mapped!.ref)).toBe(9002);
    expect(await ids.chargerIdOf(charger.chargerId, 9002)).toBe(local);
    expect(await ids.byChargerId(charger.chargerId, local)).toEqual({
      ref: local,
      upstreamTransactionId: 9002,
    });
  });

  it("scopes every lookup to the charger's own connectors", async () => {
    await start(other, 3, 7777);
    expect(await ids.byChargerId(charger.chargerId, 7777)).toBeNull();
    expect(await ids.chargerIdOf(charger.chargerId, 7777)).toBeNull();
    const { transactionId: local } = await start(charger, 4);
    expect(await ids.byChargerId(other.chargerId, local)).toBeNull();
  });

  it('takes the latest transaction when the charger reused an id, and ignores ids beyond int4', async () => {
    await start(charger, 5, 500);
    await start(charger, 6, 500);
    const latest = await ids.byChargerId(charger.chargerId, 500);
    const rows = await database.db.select({ id: schema.transactions.id }).from(schema.transactions);
    expect(latest?.ref).toBe(Math.max(...rows.map((row) => row.id)));
    expect(await ids.byChargerId(charger.chargerId, 2 ** 40)).toBeNull();
    expect(await ids.chargerIdOf(charger.chargerId, 2 ** 40)).toBeNull();
    expect(await ids.recordUpstreamId(latest!.ref, 2 ** 40)).toBe(false);
  });

  it('stops the transaction by the id the charger holds, not ours', async () => {
    const { transactionId } = await start(charger, 7, 31337);
    const stop = { meterStopWh: 10, stoppedAt: new Date(), reason: null };
    const mapped = await ids.byChargerId(charger.chargerId, transactionId);
    expect(mapped!.ref).not.toBe(31337);
    expect(await transactions.stop(charger.chargerId, mapped!.ref, stop)).toBe(false);
    expect(await transactions.stop(charger.chargerId, 31337, stop)).toBe(true);
  });
});

import { eq } from 'drizzle-orm';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { schema } from '@gridflex/persistence';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import { TransactionsRepository } from './transactions.repository';
import { UpstreamOutboxRepository } from './upstream-outbox.repository';

describe.each(TEST_DATABASE_ENGINES)('UpstreamOutboxRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let outbox: UpstreamOutboxRepository;
  let charger: ChargerFixture;
  let other: ChargerFixture;

  const waiting = async (chargerId: string) =>
    (
      await database.db
        .select({ seq: schema.upstreamOutbox.seq })
        .from(schema.upstreamOutbox)
        .where(eq(schema.upstreamOutbox.chargerId, chargerId))
    ).length;

  beforeAll(async () => {
    database = await createDatabase();
    outbox = new UpstreamOutboxRepository(database.db);
  });
  afterAll(() => database.close());

  beforeEach(async () => {
    await database.db.delete(schema.sites);
    charger = await insertCharger(database.db, { identity: 'CP-OUTBOX' });
    other = await insertCharger(database.db, { identity: 'CP-OUTBOX-2' });
  });

  it("gives each charger's messages back oldest first, one by one as they are removed", async () => {
    await outbox.append(charger.chargerId, {
      action: 'StartTransaction',
      params: { n: 1 },
      transactionRef: null,
    });
    await outbox.append(other.chargerId, { action: 'MeterValues', params: { n: 99 }, transactionRef: null });
    await outbox.append(charger.chargerId, { action: 'MeterValues', params: { n: 2 }, transactionRef: null });
    await outbox.append(charger.chargerId, {
      action: 'StopTransaction',
      params: { n: 3 },
      transactionRef: null,
    });
    expect(await waiting(charger.chargerId)).toBe(3);
    expect(await outbox.waitingTotal()).toBe(4);

    const seen: unknown[] = [];
    for (
      let message = await outbox.oldest(charger.chargerId);
      message;
      message = await outbox.oldest(charger.chargerId)
    ) {
      seen.push([message.action, message.params]);
      await outbox.remove(message.seq);
    }
    expect(seen).toEqual([
      ['StartTransaction', { n: 1 }],
      ['MeterValues', { n: 2 }],
      ['StopTransaction', { n: 3 }],
    ]);
    expect(await waiting(charger.chargerId)).toBe(0);
    expect(await outbox.oldest(other.chargerId)).toMatchObject({ action: 'MeterValues', params: { n: 99 } });
  });

  it('keeps the local transaction a message names, and forgets it with the transaction', async () => {
    const transactions = new TransactionsRepository(database.db);
    const { transactionId } = await transactions.start({
      connectorRef: charger.connectorRefs.get(1)!,
      idTag: 'TAG',
      meterStartWh: 0,
      startedAt: new Date('2026-03-01T10:00:00Z'),
    });
    await outbox.append(charger.chargerId, {
      action: 'StopTransaction',
      params: { transactionId },
      transactionRef: transactionId,
    });
    expect(await outbox.oldest(charger.chargerId)).toMatchObject({ transactionRef: transactionId });
    await database.db.delete(schema.transactions);
    expect(await outbox.oldest(charger.chargerId)).toMatchObject({ transactionRef: null });
  });

  it('is emptied with its charger', async () => {
    await outbox.append(charger.chargerId, { action: 'MeterValues', params: {}, transactionRef: null });
    await database.db.delete(schema.chargers);
    expect(await waiting(charger.chargerId)).toBe(0);
  });
});

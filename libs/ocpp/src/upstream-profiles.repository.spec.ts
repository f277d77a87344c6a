import { asc, eq } from 'drizzle-orm';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import type { UpstreamProfileRequest } from './upstream-profile-request';
import { UpstreamProfilesRepository } from './upstream-profiles.repository';

const RECEIVED = new Date('2026-03-01T12:00:00Z');

function request(
  profileId: number,
  connectorId: number,
  stackLevel: number,
  purpose: schema.UpstreamProfilePurpose,
  limit: number,
): UpstreamProfileRequest {
  return {
    profileId,
    connectorId,
    stackLevel,
    purpose,
    schedule: {
      kind: 'Absolute',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit }],
    },
  };
}

describe.each(TEST_DATABASE_ENGINES)('UpstreamProfilesRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let repository: UpstreamProfilesRepository;
  let charger: ChargerFixture;

  beforeAll(async () => {
    database = await createDatabase();
    repository = new UpstreamProfilesRepository(database.db);
  });
  afterAll(() => database.close());

  beforeEach(async () => {
    await database.db.delete(schema.sites);
    charger = await insertCharger(database.db, { identity: 'UP 1', connectorIds: [1, 2] });
  });

  const stored = async () =>
    (
      await database.db
        .select()
        .from(schema.upstreamChargingProfiles)
        .where(eq(schema.upstreamChargingProfiles.chargerId, charger.chargerId))
        .orderBy(asc(schema.upstreamChargingProfiles.profileId))
    ).map((row) => ({
      profileId: row.profileId,
      connectorId: row.connectorId,
      limit: row.schedule.chargingSchedulePeriod[0].limit,
    }));

  const openTransaction = async (connectorId: number) => {
    const [row] = await database.db
      .insert(schema.transactions)
      .values({
        connectorRef: charger.connectorRefs.get(connectorId)!,
        idTag: 'T',
        meterStartWh: 0,
        startedAt: RECEIVED,
      })
      .returning();
    return row.id;
  };

  it('replaces a profile of the same id, or of the same stack level and purpose on the same connector', async () => {
    await repository.store(charger.chargerId, request(1, 1, 0, 'TxDefaultProfile', 16), null, RECEIVED);
    await repository.store(charger.chargerId, request(2, 2, 0, 'TxDefaultProfile', 12), null, RECEIVED);
    const byId = await repository.store(
      charger.chargerId,
      request(1, 1, 5, 'TxDefaultProfile', 10),
      null,
      RECEIVED,
    );
    expect(byId.map((row) => row.profileId)).toEqual([1]);
    const bySlot = await repository.store(
      charger.chargerId,
      request(3, 2, 0, 'TxDefaultProfile', 8),
      null,
      RECEIVED,
    );
    expect(bySlot.map((row) => row.profileId)).toEqual([2]);
    expect(await stored()).toEqual([
      { profileId: 1, connectorId: 1, limit: 10 },
      { profileId: 3, connectorId: 2, limit: 8 },
    ]);

    await repository.restore(charger.chargerId, 3, bySlot);
    expect(await stored()).toEqual([
      { profileId: 1, connectorId: 1, limit: 10 },
      { profileId: 2, connectorId: 2, limit: 12 },
    ]);
  });

  it('clears by id or by connector, purpose and stack level, telling the connectors concerned', async () => {
    await repository.store(charger.chargerId, request(1, 0, 0, 'ChargerMax', 40), null, RECEIVED);
    await repository.store(charger.chargerId, request(2, 1, 1, 'TxDefaultProfile', 16), null, RECEIVED);
    await repository.store(charger.chargerId, request(3, 2, 1, 'TxDefaultProfile', 12), null, RECEIVED);
    await expect(repository.clear(charger.chargerId, { profileId: 99 })).resolves.toEqual([]);
    await expect(repository.clear(charger.chargerId, { profileId: 2 ** 40 })).resolves.toEqual([]);
    await expect(
      repository.clear(charger.chargerId, { purpose: 'TxDefaultProfile', stackLevel: 2 }),
    ).resolves.toEqual([]);
    await expect(repository.clear(charger.chargerId, { connectorId: 2 })).resolves.toEqual([2]);
    await expect(repository.clear(charger.chargerId, { purpose: 'ChargerMax' })).resolves.toEqual([0]);
    expect(await stored()).toEqual([{ profileId: 2, connectorId: 1, limit: 16 }]);
    await expect(repository.clear(charger.chargerId, {})).resolves.toEqual([1]);
  });

  it('binds a TxProfile to the transaction open on its connector and drops it when that transaction ends', async () => {
    await expect(repository.openTransactionOn(charger.chargerId, 1)).resolves.toBeNull();
    const transactionId = await openTransaction(1);
    await expect(repository.openTransactionOn(charger.chargerId, 1)).resolves.toBe(transactionId);
    await expect(repository.hasConnector(charger.chargerId, 2)).resolves.toBe(true);
    await expect(repository.hasConnector(charger.chargerId, 3)).resolves.toBe(false);
    await repository.store(charger.chargerId, request(7, 1, 0, 'TxProfile', 10), transactionId, RECEIVED);
    await repository.store(charger.chargerId, request(8, 1, 0, 'TxDefaultProfile', 16), null, RECEIVED);

    await expect(repository.dropEndedTransactions(charger.chargerId)).resolves.toBe(0);
    await database.db
      .update(schema.transactions)
      .set({ stoppedAt: new Date('2026-03-01T13:00:00Z') })
      .where(eq(schema.transactions.id, transactionId));
    await expect(repository.dropEndedTransactions(charger.chargerId)).resolves.toBe(1);
    expect(await stored()).toEqual([{ profileId: 8, connectorId: 1, limit: 16 }]);
  });
});

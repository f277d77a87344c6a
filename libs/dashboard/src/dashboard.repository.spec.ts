import { insertCharger } from '@gridflex/ocpp/testing';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { DashboardRepository } from './dashboard.repository';

describe.each(TEST_DATABASE_ENGINES)('dashboard repository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let repository: DashboardRepository;

  beforeAll(async () => {
    database = await createDatabase();
    repository = new DashboardRepository(database.db);
  });
  afterAll(() => database.close());
  beforeEach(() => database.db.delete(schema.sites));

  it('lists each connector once with its plan and open session, even with two sessions left open', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-1', connectorIds: [1, 2] });
    const ref1 = fixture.connectorRefs.get(1)!;
    const periods = [{ start: '2026-03-01T10:00:00.000Z', end: null, limitA: 16 }];
    await database.db.insert(schema.connectorPlans).values({
      connectorRef: ref1,
      version: 3,
      periods,
      plannedAt: new Date('2026-03-01T10:00:00Z'),
      dispatchStatus: 'accepted',
    });
    const startedAt = new Date('2026-03-01T09:00:00Z');
    await database.db.insert(schema.transactions).values([
      { connectorRef: ref1, idTag: 'A', meterStartWh: 0, startedAt },
      { connectorRef: ref1, idTag: 'B', meterStartWh: 0, startedAt },
    ]);

    const rows = await repository.connectorsOfSites([fixture.siteId]);

    expect(rows.map((r) => r.connectorId)).toEqual([1, 2]);
    expect(rows[0]).toMatchObject({
      identity: 'CP-1',
      planVersion: 3,
      periods,
      dispatchStatus: 'accepted',
      transactionStartedAt: startedAt,
    });
    expect(rows[1]).toMatchObject({ planVersion: null, periods: null, transactionStartedAt: null });
  });

  it('keeps samples in order and forgets those past retention', async () => {
    const { siteId } = await insertCharger(database.db, { identity: 'CP-2', connectorIds: [1] });
    const sample = (at: string, measured: number) => ({
      siteId,
      at: new Date(at),
      measuredA: [measured, 0, 0] as [number, number, number],
      plannedA: [16, 0, 0] as [number, number, number],
      capacityA: [20, null, null] as [number | null, number | null, number | null],
    });
    await repository.insertSamples([
      sample('2026-03-01T10:00:20Z', 3),
      sample('2026-03-01T10:00:10Z', 2),
      sample('2026-03-01T09:00:00Z', 1),
    ]);

    await repository.deleteSamplesBefore([siteId], new Date('2026-03-01T09:30:00Z'));
    const kept = await repository.samplesSince([siteId], new Date('2026-03-01T10:00:00Z'));

    expect(kept.map((s) => s.measuredA[0])).toEqual([2, 3]);
    expect(kept[0].capacityA).toEqual([20, null, null]);
    expect(await repository.samplesSince([siteId], new Date('2026-03-01T00:00:00Z'))).toHaveLength(2);
  });
});

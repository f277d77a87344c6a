import { insertCharger } from '@gridflex/ocpp/testing';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { PlanningRepository } from './planning.repository';
import { PlansRepository } from './plans.repository';

describe.each(TEST_DATABASE_ENGINES)('planning repositories on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let plans: PlansRepository;
  let inputs: PlanningRepository;

  beforeAll(async () => {
    database = await createDatabase();
    plans = new PlansRepository(database.db);
    inputs = new PlanningRepository(database.db);
  });
  afterAll(() => database.close());
  beforeEach(() => database.db.delete(schema.sites));

  const periods = (limitA: number) => [{ start: '2026-03-01T10:00:00.000Z', end: null, limitA }];

  it('stores new plan versions as pending, replacing the previous one', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-1', connectorIds: [1, 2] });
    const [ref1, ref2] = [fixture.connectorRefs.get(1)!, fixture.connectorRefs.get(2)!];
    const plannedAt = new Date('2026-03-01T10:00:00Z');
    await plans.save(
      [
        { connectorRef: ref1, version: 1, periods: periods(10) },
        { connectorRef: ref2, version: 1, periods: periods(0) },
      ],
      plannedAt,
    );
    await database.db
      .update(schema.connectorPlans)
      .set({ dispatchStatus: 'rejected', dispatchDetail: 'no', dispatchedVersion: 1 });
    await plans.save(
      [{ connectorRef: ref1, version: 2, periods: periods(12) }],
      new Date('2026-03-01T10:01:00Z'),
    );

    const latest = await plans.latest([ref1, ref2]);
    expect(latest.get(ref1)).toEqual({ connectorRef: ref1, version: 2, periods: periods(12) });
    expect(latest.get(ref2)?.version).toBe(1);
    expect(await plans.latest([])).toEqual(new Map());

    const view = await plans.forSite(fixture.siteId);
    expect(
      view.map((p) => [p.identity, p.connectorId, p.version, p.dispatchStatus, p.dispatchDetail]),
    ).toEqual([
      ['CP-1', 1, 2, 'pending', null],
      ['CP-1', 2, 1, 'rejected', 'no'],
    ]);
    expect(view[0].dispatchedVersion).toBe(1);
  });

  it('stores more plans at once than a statement could take parameters for', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-MANY', connectorIds: [] });
    const count = 14_000;
    await database.db.execute(sql`
      insert into ${schema.connectors} (charger_id, connector_id, max_current_a, phases)
      select ${fixture.chargerId}::uuid, g, 32, 3 from generate_series(1, ${count}::integer) g`);
    const refs = (
      await database.db
        .select({ id: schema.connectors.id })
        .from(schema.connectors)
        .where(eq(schema.connectors.chargerId, fixture.chargerId))
    ).map((row) => row.id);
    await plans.save(
      refs.map((connectorRef, i) => ({ connectorRef, version: 1, periods: periods(i % 32) })),
      new Date('2026-03-01T10:00:00Z'),
    );
    const latest = await plans.latest(refs);
    expect(latest.size).toBe(count);
    expect(latest.get(refs[count - 1])).toEqual({
      connectorRef: refs[count - 1],
      version: 1,
      periods: periods((count - 1) % 32),
    });
  });

  it("reads the connectors of sites with their open transaction's start", async () => {
    const a = await insertCharger(database.db, { identity: 'CP-A', connectorIds: [1, 2] });
    const b = await insertCharger(database.db, { identity: 'CP-B', connectorIds: [1] });
    await insertCharger(database.db, { identity: 'CP-OTHER', connectorIds: [1] });
    const startedAt = new Date('2026-03-01T09:00:00Z');
    await database.db.insert(schema.transactions).values([
      { connectorRef: a.connectorRefs.get(2)!, idTag: 'T', meterStartWh: 0, startedAt },
      {
        connectorRef: b.connectorRefs.get(1)!,
        idTag: 'T',
        meterStartWh: 0,
        startedAt,
        stoppedAt: new Date('2026-03-01T09:30:00Z'),
      },
    ]);
    const connectors = await inputs.connectorsOfSites([a.siteId, b.siteId]);
    expect(connectors.map((c) => [c.identity, c.connectorId, c.siteId, c.transactionStartedAt])).toEqual([
      ['CP-A', 1, a.siteId, null],
      ['CP-A', 2, a.siteId, startedAt],
      ['CP-B', 1, b.siteId, null],
    ]);
    expect(connectors[0]).toMatchObject({ phases: 3, maxCurrentA: 32, status: null });
    expect(await inputs.connectorsOfSites([])).toEqual([]);
  });
});

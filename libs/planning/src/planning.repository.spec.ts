import { eq } from 'drizzle-orm';
import { insertCharger } from '@gridflex/ocpp/testing';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { PlanningRepository } from './planning.repository';

describe.each(TEST_DATABASE_ENGINES)('site-model inputs of a plan on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let inputs: PlanningRepository;

  beforeAll(async () => {
    database = await createDatabase();
    inputs = new PlanningRepository(database.db);
  });
  afterAll(() => database.close());

  it('reads circuits, rules, placement and the open session with its preferences', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-P1', connectorIds: [1, 2] });
    const { db } = database;
    const [main] = await db
      .insert(schema.circuits)
      .values({ siteId: fixture.siteId, name: 'Main', limitL1A: 40, limitL2A: 35, limitL3A: 30 })
      .returning();
    await db
      .update(schema.chargers)
      .set({
        circuitId: main.id,
        maxCurrentA: 20,
        phaseRotation: ['L2', 'L3', 'L1'],
        smartChargingExcluded: true,
      })
      .where(eq(schema.chargers.identity, 'CP-P1'));
    await db
      .update(schema.connectors)
      .set({ minCurrentA: 8, priority: 4 })
      .where(eq(schema.connectors.id, fixture.connectorRefs.get(1)!));
    const [open] = await db
      .insert(schema.transactions)
      .values({
        connectorRef: fixture.connectorRefs.get(1)!,
        idTag: 'T',
        meterStartWh: 0,
        startedAt: new Date('2026-03-01T10:00:00Z'),
      })
      .returning();
    const departureAt = new Date('2026-03-01T18:00:00Z');
    await db
      .insert(schema.sessionPreferences)
      .values({ transactionId: open.id, priority: 9, energyWantedWh: 15_000, departureAt, updatedBy: 'app' });
    await db.insert(schema.peakShavingRules).values({
      siteId: fixture.siteId,
      name: 'peak',
      weekdays: [1, 2, 3, 4, 5],
      date: null,
      startTime: '17:00',
      endTime: '20:00',
      limitKw: 60,
      limitPercent: null,
    });

    expect(await inputs.circuitsOfSites([fixture.siteId])).toEqual([
      { id: main.id, siteId: fixture.siteId, name: 'Main', parentId: null, limitsA: [40, 35, 30] },
    ]);
    expect((await inputs.peakShavingRulesOfSites([fixture.siteId])).map((r) => [r.name, r.limitKw])).toEqual([
      ['peak', 60],
    ]);
    const [first, second] = await inputs.connectorsOfSites([fixture.siteId]);
    expect(first).toMatchObject({
      circuitId: main.id,
      chargerMaxCurrentA: 20,
      phaseRotation: ['L2', 'L3', 'L1'],
      smartChargingExcluded: true,
      minCurrentA: 8,
      priority: 4,
      transactionStartedAt: new Date('2026-03-01T10:00:00Z'),
      sessionPriority: 9,
      energyWantedWh: 15_000,
      departureAt,
    });
    expect(second).toMatchObject({ minCurrentA: 6, priority: 0, sessionPriority: null, departureAt: null });
    expect(await inputs.circuitsOfSites([])).toEqual([]);
    expect(await inputs.peakShavingRulesOfSites([])).toEqual([]);
  });
});

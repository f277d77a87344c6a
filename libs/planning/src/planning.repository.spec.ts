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
      {
        id: main.id,
        siteId: fixture.siteId,
        name: 'Main',
        parentId: null,
        limitsA: [40, 35, 30],
        transformer: null,
      },
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

  it('keeps a session on every phase its connector is wired to, its learnt phases only telling its energy', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-P2', connectorIds: [1, 2] });
    const { db } = database;
    await db
      .update(schema.chargers)
      .set({ phaseRotation: ['L2', 'L3', 'L1'] })
      .where(eq(schema.chargers.id, fixture.chargerId));
    // Both EVs were learnt to draw on the charger's L2 alone; only connector 1 has a session running.
    await db
      .update(schema.connectors)
      .set({ phasesInUse: 1, phasesInUseMask: [false, true, false] })
      .where(eq(schema.connectors.chargerId, fixture.chargerId));
    await db.insert(schema.transactions).values({
      connectorRef: fixture.connectorRefs.get(1)!,
      idTag: 'T',
      meterStartWh: 0,
      startedAt: new Date('2026-03-01T10:00:00Z'),
    });
    const [session, idle] = await inputs.connectorsOfSites([fixture.siteId]);
    // An A limit applies to every phase the EV may draw on, and it may switch at any moment.
    expect(session).toMatchObject({ phases: 3, phaseRotation: ['L2', 'L3', 'L1'], phasesInUse: 1 });
    expect(idle).toMatchObject({ phases: 3, phaseRotation: ['L2', 'L3', 'L1'] });
    expect(idle.phasesInUse).toBeUndefined();

    // A station that only counted the phases.
    await db
      .update(schema.connectors)
      .set({ phasesInUse: 2, phasesInUseMask: null })
      .where(eq(schema.connectors.id, fixture.connectorRefs.get(1)!));
    expect((await inputs.connectorsOfSites([fixture.siteId]))[0]).toMatchObject({
      phases: 3,
      phaseRotation: ['L2', 'L3', 'L1'],
      phasesInUse: 2,
    });
  });

  it('tells whether a session running on a charger told the energy it wants', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-P4', connectorIds: [1, 2] });
    const { db } = database;
    await expect(inputs.hasSessionWithEnergyWanted(fixture.chargerId)).resolves.toBe(false);
    const [open] = await db
      .insert(schema.transactions)
      .values({
        connectorRef: fixture.connectorRefs.get(2)!,
        idTag: 'T',
        meterStartWh: 0,
        startedAt: new Date('2026-03-01T10:00:00Z'),
      })
      .returning();
    await db.insert(schema.sessionPreferences).values({
      transactionId: open.id,
      priority: 3,
      energyWantedWh: null,
      departureAt: null,
      updatedBy: 'app',
    });
    await expect(inputs.hasSessionWithEnergyWanted(fixture.chargerId)).resolves.toBe(false);
    await db
      .update(schema.sessionPreferences)
      .set({ energyWantedWh: 12_000 })
      .where(eq(schema.sessionPreferences.transactionId, open.id));
    await expect(inputs.hasSessionWithEnergyWanted(fixture.chargerId)).resolves.toBe(true);
    await db
      .update(schema.transactions)
      .set({ stoppedAt: new Date('2026-03-01T11:00:00Z') })
      .where(eq(schema.transactions.id, open.id));
    await expect(inputs.hasSessionWithEnergyWanted(fixture.chargerId)).resolves.toBe(false);
  });

  it('bounds connectors by the external limits their station reported, per EVSE and station-wide', async () => {
    const fixture = await insertCharger(database.db, {
      identity: 'CP-P3',
      connectorIds: [1, 2],
      ocppVersion: '2.0.1',
    });
    const { db } = database;
    const now = new Date('2026-03-01T12:00:00Z');
    const limit = (evseId: number, source: string, schedules: schema.ReportedChargingSchedule[] | null) =>
      db.insert(schema.chargingLimits).values({
        chargerId: fixture.chargerId,
        evseId,
        source,
        isGridCritical: null,
        schedules,
        reportedAt: now,
      });
    const amps = (limitA: number): schema.ReportedChargingSchedule[] => [
      { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: limitA }] },
    ];
    await limit(1, 'EMS', amps(10));
    await limit(1, 'SO', amps(12));
    const [first, second] = await inputs.connectorsOfSites([fixture.siteId], now);
    expect(first).toMatchObject({ maxCurrentA: 10, chargerMaxCurrentA: null });
    expect(second).toMatchObject({ maxCurrentA: 32, chargerMaxCurrentA: null });

    // 11 040 W over 230 V × 3 phases: 16 A for the whole station. A limit without schedule bounds nothing.
    await limit(0, 'CSO', [
      { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11_040 }] },
    ]);
    await limit(2, 'EMS', null);
    const bounded = await inputs.connectorsOfSites([fixture.siteId], now);
    expect(bounded.map((c) => [c.maxCurrentA, c.chargerMaxCurrentA])).toEqual([
      [10, 16],
      [32, 16],
    ]);
  });

  it('bounds connectors by the upstream central system’s profiles in force now (proxy mode)', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-P-UP', connectorIds: [1, 2] });
    const { db } = database;
    const now = new Date('2026-03-01T12:00:00Z');
    const [running] = await db
      .insert(schema.transactions)
      .values({ connectorRef: fixture.connectorRefs.get(1)!, idTag: 'T', meterStartWh: 0, startedAt: now })
      .returning();
    const profile = (
      profileId: number,
      connectorId: number,
      purpose: schema.UpstreamProfilePurpose,
      schedule: Partial<schema.UpstreamSchedule> & { limit: number },
      transactionId: number | null = null,
    ) =>
      db.insert(schema.upstreamChargingProfiles).values({
        chargerId: fixture.chargerId,
        connectorId,
        profileId,
        stackLevel: 0,
        purpose,
        transactionId,
        receivedAt: now,
        schedule: {
          kind: 'Absolute',
          chargingRateUnit: schedule.chargingRateUnit ?? 'A',
          chargingSchedulePeriod: [{ startPeriod: 0, limit: schedule.limit }],
          ...(schedule.startSchedule && { startSchedule: schedule.startSchedule }),
        },
      });
    await profile(1, 0, 'TxDefaultProfile', { limit: 20 });
    await profile(2, 1, 'TxProfile', { limit: 12 }, running.id);
    // Only from an hour on: not in force now, so not a bound of this plan (dispatch clamps it then).
    await profile(3, 2, 'TxDefaultProfile', { limit: 6, startSchedule: '2026-03-01T13:00:00Z' });
    // 22 080 W over 230 V × 3 phases: 32 A for the whole charger.
    await profile(4, 0, 'ChargerMax', { limit: 22_080, chargingRateUnit: 'W' });
    const bounded = await inputs.connectorsOfSites([fixture.siteId], now);
    expect(bounded.map((c) => [c.maxCurrentA, c.chargerMaxCurrentA])).toEqual([
      [12, 32],
      [20, 32],
    ]);
    // Planned again when connector 2's default begins; both share the charger maximum at dispatch.
    expect(bounded.map((c) => [c.nextUpstreamChangeMs, c.sharesUpstreamChargerMax])).toEqual([
      [undefined, true],
      [Date.parse('2026-03-01T13:00:00Z'), true],
    ]);

    await db
      .update(schema.transactions)
      .set({ stoppedAt: now })
      .where(eq(schema.transactions.id, running.id));
    const [ended] = await inputs.connectorsOfSites([fixture.siteId], now);
    expect(ended.maxCurrentA).toBe(20);
  });

  it('asks only for the energy still wanted: what the meter counted since the start, if believable', async () => {
    const fixture = await insertCharger(database.db, { identity: 'CP-P9', connectorIds: [1, 2] });
    const { db } = database;
    const startedAt = new Date('2026-03-01T10:00:00Z');
    const now = new Date('2026-03-01T11:00:00Z');
    const session = async (connectorId: number, meterStartWh: number, registerWh: number) => {
      const connectorRef = fixture.connectorRefs.get(connectorId)!;
      const [open] = await db
        .insert(schema.transactions)
        .values({ connectorRef, idTag: 'T', meterStartWh, startedAt })
        .returning();
      await db
        .insert(schema.sessionPreferences)
        .values({ transactionId: open.id, energyWantedWh: 20_000, updatedBy: 'app' });
      await db
        .update(schema.connectors)
        .set({ energyRegisterWh: registerWh })
        .where(eq(schema.connectors.id, connectorRef));
    };
    // 7.5 kWh in an hour on 3 × 32 A; then a lifetime register against a start without a reading.
    await session(1, 100_000, 107_500);
    await session(2, 0, 5_400_000);

    const [counted, unbelievable] = await inputs.connectorsOfSites([fixture.siteId], now);
    expect(counted.energyWantedWh).toBe(12_500);
    expect(unbelievable.energyWantedWh).toBe(20_000);
  });
});

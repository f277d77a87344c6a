import { eq } from 'drizzle-orm';
import { ChargerStateRepository, StationCeilingRepository, toProfileContext } from '@gridflex/ocpp';
import { insertCharger } from '@gridflex/ocpp/testing';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { DispatchRepository } from './dispatch.repository';

describe.each(TEST_DATABASE_ENGINES)('DispatchRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let repository: DispatchRepository;

  beforeAll(async () => {
    database = await createDatabase();
    repository = new DispatchRepository(database.db);
  });
  afterAll(() => database.close());
  beforeEach(() => database.db.delete(schema.sites));

  const periods = [{ start: '2026-03-01T10:00:00.000Z', end: null, limitA: 16 }];
  const CAPABILITIES = {
    smartCharging: true,
    rateUnits: ['A' as const],
    maxPeriods: 10,
    maxStackLevel: 8,
    maxProfiles: 10,
    phaseRotation: null,
    supplyPhases: 3,
    meterSampleIntervalS: null,
    discoveredAt: '2026-03-01T09:59:00.000Z',
  };

  async function plan(identity: string, statuses: string[]) {
    const fixture = await insertCharger(database.db, {
      identity,
      connectorIds: statuses.map((_, i) => i + 1),
    });
    const refs = statuses.map((_, i) => fixture.connectorRefs.get(i + 1)!);
    await database.db.insert(schema.connectorPlans).values(
      statuses.map((dispatchStatus, i) => ({
        connectorRef: refs[i],
        version: 3,
        periods,
        plannedAt: new Date(),
        dispatchStatus,
      })),
    );
    return { chargerId: fixture.chargerId, refs };
  }

  const planRow = async (ref: string) =>
    (
      await database.db
        .select()
        .from(schema.connectorPlans)
        .where(eq(schema.connectorPlans.connectorRef, ref))
    )[0];

  it("loads a connector's plan with the charger it goes to", async () => {
    const { refs } = await plan('CP-1', ['pending']);
    await expect(repository.loadTarget(refs[0])).resolves.toEqual({
      connectorRef: refs[0],
      version: 3,
      periods,
      identity: 'CP-1',
      connectorId: 1,
      phases: 3,
      profileVoltageV: 230,
      uncontrollableReason: null,
      dispatchStatus: 'pending',
      dispatchedVersion: null,
      // 63 A over one charger, split over its one 32 A connector.
      context: { capabilities: null, nominalVoltageV: 230, safeShareA: 32 },
      transaction: null,
      // The station maximum follows the charger's plans, here its one connector's.
      ceiling: {
        station: {
          capabilities: null,
          nominalVoltageV: 230,
          safeShareA: 32,
          phases: 3,
          smartChargingExcluded: false,
          connectorMaxA: new Map([[1, 32]]),
        },
        capA: 32,
        plans: [periods],
        upstreamChargerMax: [],
      },
      chargerPlans: [{ connectorId: 1, periods }],
      upstreamProfiles: [],
    });
    await expect(repository.loadTarget('00000000-0000-4000-8000-000000000000')).resolves.toBeUndefined();
  });

  it('loads the upstream profiles of the connector and of the whole charger, a TxProfile only while its transaction runs', async () => {
    const { chargerId, refs } = await plan('CP-UP', ['pending', 'pending']);
    const startedAt = new Date('2026-03-01T09:00:00Z');
    const [running, ended] = await database.db
      .insert(schema.transactions)
      .values([
        { connectorRef: refs[0], idTag: 'T', meterStartWh: 0, startedAt },
        { connectorRef: refs[0], idTag: 'OLD', meterStartWh: 0, startedAt, stoppedAt: startedAt },
      ])
      .returning();
    const receivedAt = new Date('2026-03-01T09:30:00Z');
    const schedule: schema.UpstreamSchedule = {
      kind: 'Absolute',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
    };
    const row = (
      profileId: number,
      connectorId: number,
      purpose: schema.UpstreamProfilePurpose,
      tx?: number,
    ) => ({
      chargerId,
      connectorId,
      profileId,
      stackLevel: 0,
      purpose,
      transactionId: tx ?? null,
      schedule,
      receivedAt,
    });
    await database.db
      .insert(schema.upstreamChargingProfiles)
      .values([
        row(1, 0, 'ChargerMax'),
        row(2, 1, 'TxProfile', running.id),
        row(3, 1, 'TxProfile', ended.id),
        row(4, 2, 'TxDefaultProfile'),
      ]);
    const target = await repository.loadTarget(refs[0]);
    // In no particular order: what dispatch builds from them does not depend on it.
    const loaded = target?.upstreamProfiles ?? [];
    expect(loaded).toHaveLength(3);
    expect(loaded).toEqual(
      expect.arrayContaining([
        {
          connectorId: 0,
          stackLevel: 0,
          purpose: 'ChargerMax',
          schedule,
          receivedAt,
          transactionStartedAt: null,
        },
        {
          connectorId: 1,
          stackLevel: 0,
          purpose: 'TxProfile',
          schedule,
          receivedAt,
          transactionStartedAt: startedAt,
        },
        {
          connectorId: 1,
          stackLevel: 0,
          purpose: 'TxProfile',
          schedule,
          receivedAt,
          transactionStartedAt: null,
        },
      ]),
    );
    // The station maximum follows the charger maximum alone, read the same as the gateway reads it.
    const chargerMax = loaded.filter((profile) => profile.purpose === 'ChargerMax');
    expect(target?.ceiling.upstreamChargerMax).toEqual(chargerMax);
    const inputs = await new StationCeilingRepository(database.db).ceilingInputs(chargerId);
    expect(inputs?.upstreamChargerMax).toEqual(chargerMax);
    // Each connector's part of it is shared out of all the charger's plans, each named by its connector.
    expect(target?.chargerPlans.map((p) => p.connectorId).sort()).toEqual([1, 2]);
  });

  it('reads the same context, open transaction and station ceiling as the gateway does, for many connectors at once', async () => {
    const a = await plan('CP-A', ['pending', 'accepted', 'pending']);
    const b = await plan('CP-B', ['pending']);
    await database.db
      .update(schema.chargers)
      .set({ maxCurrentA: 20, capabilities: { ...CAPABILITIES, maxPeriods: 5 } })
      .where(eq(schema.chargers.id, a.chargerId));
    const startedAt = new Date('2026-03-01T09:00:00Z');
    await database.db.insert(schema.transactions).values([
      { connectorRef: a.refs[1], idTag: 'OLD', meterStartWh: 0, startedAt: new Date('2026-03-01T08:00:00Z') },
      { connectorRef: a.refs[1], idTag: 'T', meterStartWh: 0, startedAt, stationTransactionId: 'st-1' },
      { connectorRef: b.refs[0], idTag: 'T', meterStartWh: 0, startedAt, stoppedAt: new Date() },
    ]);
    const refs = [...a.refs, ...b.refs];
    const targets = await repository.loadTargets([...refs, refs[0]]);

    expect([...targets.keys()].sort()).toEqual([...refs].sort());
    const chargerState = new ChargerStateRepository(database.db);
    const ceilings = new StationCeilingRepository(database.db);
    const chargerIdOf = new Map<string, string>([
      ...a.refs.map((ref): [string, string] => [ref, a.chargerId]),
      [b.refs[0], b.chargerId],
    ]);
    for (const ref of refs) {
      const target = targets.get(ref)!;
      const inputs = await ceilings.ceilingInputs(chargerIdOf.get(ref)!);
      expect(target.ceiling).toEqual(inputs);
      expect(target.context).toEqual(toProfileContext(inputs!.station, target.connectorId));
      expect(target.transaction).toEqual(await chargerState.activeTransaction(ref));
    }
    expect(targets.get(a.refs[0])!.context).toEqual({
      capabilities: { ...CAPABILITIES, maxPeriods: 5 },
      nominalVoltageV: 230,
      safeShareA: 20 / 3,
    });
    expect(targets.get(a.refs[1])!.transaction).toMatchObject({ stationTransactionId: 'st-1' });
    expect(targets.get(b.refs[0])!.transaction).toBeNull();
    expect(await repository.loadTargets([])).toEqual(new Map());
  });

  it('reads the targets of concurrent pushes with one query', async () => {
    const { refs } = await plan('CP-C', ['pending', 'pending', 'pending']);
    const batches = jest.spyOn(repository, 'loadTargets');
    try {
      const targets = await Promise.all(refs.map((ref) => repository.loadTarget(ref)));
      expect(targets.map((target) => target?.connectorRef)).toEqual(refs);
      expect(batches).toHaveBeenCalledTimes(1);
      expect(batches.mock.calls[0][0]).toEqual(refs);
    } finally {
      batches.mockRestore();
    }
  });

  it('records an outcome for the current version only', async () => {
    const { refs } = await plan('CP-2', ['pending']);
    const at = new Date('2026-03-01T10:00:01Z');
    await repository.recordOutcome(refs[0], 2, 'accepted', null, at);
    expect(await planRow(refs[0])).toMatchObject({ dispatchStatus: 'pending', dispatchedVersion: null });
    await repository.recordOutcome(refs[0], 3, 'rejected', 'Charger answered Rejected', at);
    expect(await planRow(refs[0])).toMatchObject({
      dispatchStatus: 'rejected',
      dispatchDetail: 'Charger answered Rejected',
      dispatchedVersion: 3,
      dispatchedAt: at,
    });
  });

  it('records a verification for the current version only', async () => {
    const { refs } = await plan('CP-V', ['accepted']);
    const at = new Date('2026-03-01T10:00:03Z');
    await repository.recordVerification(refs[0], 2, { verdict: 'match', detail: 'old' }, at);
    expect(await planRow(refs[0])).toMatchObject({ verification: null, verifiedAt: null });
    await repository.recordVerification(refs[0], 3, { verdict: 'mismatch', detail: 'applies 32 A' }, at);
    expect(await planRow(refs[0])).toMatchObject({
      verification: 'mismatch',
      verificationDetail: 'applies 32 A',
      verifiedAt: at,
    });
  });

  it('records the outcomes of concurrent pushes with one statement', async () => {
    const { refs } = await plan('CP-D', ['pending', 'pending', 'pending']);
    const at = new Date('2026-03-01T10:00:02Z');
    const batches = jest.spyOn(repository, 'recordOutcomes');
    try {
      await Promise.all([
        repository.recordOutcome(refs[0], 3, 'accepted', null, at),
        repository.recordOutcome(refs[1], 3, 'call-error', "NotSupported: 'quoted', {braced}", at),
        repository.recordOutcome(refs[2], 2, 'accepted', null, at),
      ]);
      expect(batches).toHaveBeenCalledTimes(1);
    } finally {
      batches.mockRestore();
    }
    expect(await planRow(refs[0])).toMatchObject({ dispatchStatus: 'accepted', dispatchedAt: at });
    expect(await planRow(refs[1])).toMatchObject({
      dispatchStatus: 'call-error',
      dispatchDetail: "NotSupported: 'quoted', {braced}",
      dispatchedVersion: 3,
    });
    expect(await planRow(refs[2])).toMatchObject({ dispatchStatus: 'pending', dispatchedVersion: null });
  });

  it("lists the latest plan of each of a charger's connectors with its dispatch status", async () => {
    const { chargerId, refs } = await plan('CP-3', ['pending', 'accepted', 'rejected']);
    await plan('CP-4', ['pending']);
    const plans = await repository.plansForCharger(chargerId);
    expect(plans.sort((a, b) => refs.indexOf(a.connectorRef) - refs.indexOf(b.connectorRef))).toEqual([
      { connectorRef: refs[0], version: 3, dispatchStatus: 'pending' },
      { connectorRef: refs[1], version: 3, dispatchStatus: 'accepted' },
      { connectorRef: refs[2], version: 3, dispatchStatus: 'rejected' },
    ]);
  });

  it('lists accepted plans whose profile stops following them by now, with when it does', async () => {
    const { refs } = await plan('CP-5', ['pending', 'pending', 'pending', 'pending']);
    const now = new Date('2026-03-01T11:00:00.000Z');
    const accept = (ref: string, version: number, renewAt: string | null) =>
      repository.recordOutcome(
        ref,
        version,
        'accepted',
        null,
        new Date('2026-03-01T10:30:00.000Z'),
        renewAt === null ? null : new Date(renewAt),
      );
    await accept(refs[0], 3, '2026-03-01T11:00:00.000Z');
    await accept(refs[1], 3, '2026-03-01T11:00:01.000Z');
    await accept(refs[2], 3, null);
    // Accepted under an older version: the newer one is pushed anyway.
    await database.db
      .update(schema.connectorPlans)
      .set({
        dispatchStatus: 'accepted',
        dispatchedVersion: 2,
        renewAt: new Date('2026-03-01T10:00:00.000Z'),
      })
      .where(eq(schema.connectorPlans.connectorRef, refs[3]));
    expect(await repository.dueForRenewal(now)).toEqual([
      { connectorRef: refs[0], version: 3, renewAt: new Date('2026-03-01T11:00:00.000Z') },
    ]);
  });
});

import { eq } from 'drizzle-orm';
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
      version: 3,
      periods,
      identity: 'CP-1',
      connectorId: 1,
      phases: 3,
      uncontrollableReason: null,
      dispatchStatus: 'pending',
      dispatchedVersion: null,
    });
    await expect(repository.loadTarget('00000000-0000-4000-8000-000000000000')).resolves.toBeUndefined();
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
});

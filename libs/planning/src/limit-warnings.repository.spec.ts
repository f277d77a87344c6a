import type { InfeasibleLimitNode } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { LimitWarningsRepository } from './limit-warnings.repository';
import { siteWarnings } from './limit-warnings';

describe.each(TEST_DATABASE_ENGINES)('LimitWarningsRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let sut: LimitWarningsRepository;

  beforeAll(async () => {
    database = await createDatabase();
    sut = new LimitWarningsRepository(database.db);
  });
  afterAll(() => database.close());

  const now = new Date('2026-03-01T10:00:00Z');
  const node = (
    kind: InfeasibleLimitNode['kind'],
    id: string,
    siteId: string | null,
  ): InfeasibleLimitNode => ({
    kind,
    id,
    name: id,
    siteId,
    phases: [{ phase: 'L1', reservedA: 64, limitA: 63 }],
    since: now.toISOString(),
  });

  it('keeps a state per scope, counts the nodes by kind and drops a scope with nothing to say', async () => {
    const group = { nodes: [node('group', 'g1', null), node('site', 's1', 's1')], dso: null };
    await sut.save('group:g1', group, now);
    await sut.save('site:s2', { nodes: [node('circuit', 'k1', 's2')], dso: null }, now);
    expect(await sut.find('group:g1')).toEqual(group);
    expect(await sut.countNodes()).toEqual(
      new Map([
        ['group', 1],
        ['site', 1],
        ['circuit', 1],
      ]),
    );
    expect(siteWarnings(await sut.find('group:g1'), 's1').map((w) => w.kind)).toEqual(['group', 'site']);
    expect(siteWarnings(await sut.find('group:g1'), 's9').map((w) => w.kind)).toEqual(['group']);

    const told = { nodes: [], dso: { since: now.toISOString(), reportedRequestIds: ['r1'] } };
    await sut.save('group:g1', told, now);
    expect(await sut.find('group:g1')).toEqual(told);
    await sut.save('site:s2', { nodes: [], dso: null }, now);
    expect(await sut.find('site:s2')).toBeNull();
    expect([...(await sut.all()).keys()]).toEqual(['group:g1']);
  });
});

import { insertCharger } from '@gridflex/ocpp/testing';
import { sqlStateOf, UNIQUE_VIOLATION } from '@gridflex/common';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { AuthorizationRepository } from './authorization.repository';
import { AuthorizationService } from './authorization.service';

describe.each(TEST_DATABASE_ENGINES)('id tokens and site policies on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let repository: AuthorizationRepository;
  let service: AuthorizationService;

  beforeAll(async () => {
    database = await createDatabase();
    repository = new AuthorizationRepository(database.db);
    service = new AuthorizationService(repository);
  });
  afterAll(() => database.close());

  it('versions the list of exactly the sites a change touches, and decides from what is stored', async () => {
    const a = await insertCharger(database.db, { identity: 'AUTH-A', connectorIds: [1] });
    const b = await insertCharger(database.db, { identity: 'AUTH-B', connectorIds: [1] });
    const version = async (siteId: string) => (await repository.sitePolicy(siteId)).listVersion;
    const at = new Date();

    const { row: local } = await repository.create({ idToken: 'Local-Card', siteId: a.siteId });
    expect([await version(a.siteId), await version(b.siteId)]).toEqual([1, 0]);
    await repository.create({ idToken: 'EVERYWHERE', parentIdToken: 'fleet' });
    expect([await version(a.siteId), await version(b.siteId)]).toEqual([2, 1]);
    // The group of another token: its change touches the lists of every site.
    const { row: fleet, sites } = await repository.create({ idToken: 'FLEET', siteId: b.siteId });
    expect(sites).toEqual({ all: true });

    const duplicate = await repository.create({ idToken: 'local-card' }).catch((error: unknown) => error);
    expect(sqlStateOf(duplicate)).toBe(UNIQUE_VIOLATION);
    expect(await version(a.siteId)).toBe(3);

    expect(await service.decide(b.chargerId, { idToken: 'LOCAL-CARD' }, at)).toEqual({
      status: 'NotAtThisLocation',
    });
    expect(await service.decide(b.chargerId, { idToken: 'nobody' }, at)).toEqual({ status: 'Accepted' });
    expect(await repository.setSitePolicy(b.siteId, 'list')).toEqual({ listVersion: 3, changed: true });
    expect(await repository.setSitePolicy(b.siteId, 'list')).toEqual({ listVersion: 3, changed: false });
    expect(await service.decide(b.chargerId, { idToken: 'nobody' }, at)).toEqual({ status: 'Unknown' });
    expect(await service.decide(b.chargerId, { idToken: 'everywhere' }, at)).toEqual({
      status: 'Accepted',
      parentIdTag: 'fleet',
    });
    await repository.update(fleet.id, { status: 'Blocked' });
    expect(await service.decide(b.chargerId, { idToken: 'everywhere' }, at)).toEqual({ status: 'Blocked' });

    expect(await repository.remove(local.id)).toEqual({ all: false, siteIds: [a.siteId] });
    expect(await repository.remove(local.id)).toBeNull();
    expect(await repository.chargersOf({ all: false, siteIds: [a.siteId] })).toEqual([a.chargerId]);
  });
});

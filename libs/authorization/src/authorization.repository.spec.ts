import { TransactionsRepository } from '@gridflex/ocpp';
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
    expect(await repository.setSitePolicy(b.siteId, { policy: 'list' })).toEqual({
      listVersion: 3,
      changed: true,
      allowConcurrentTransactions: true,
    });
    expect(await repository.setSitePolicy(b.siteId, { policy: 'list' })).toEqual({
      listVersion: 3,
      changed: false,
      allowConcurrentTransactions: true,
    });
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

  it('refuses a token already charging elsewhere only where the site forbids concurrent transactions', async () => {
    const { chargerId, siteId, connectorRefs } = await insertCharger(database.db, {
      identity: 'AUTH-CONCURRENT',
      connectorIds: [1, 2],
    });
    const other = await insertCharger(database.db, { identity: 'AUTH-CONCURRENT-2', connectorIds: [1] });
    const transactions = new TransactionsRepository(database.db);
    const first = connectorRefs.get(1)!;
    const second = connectorRefs.get(2)!;
    const at = new Date();
    const { transactionId } = await transactions.start({
      connectorRef: first,
      idTag: 'Fleet-Card',
      meterStartWh: 0,
      startedAt: at,
    });

    const onSecond = { otherThanConnector: second };
    expect(await service.decide(chargerId, { idToken: 'FLEET-CARD' }, at, onSecond)).toEqual({
      status: 'Accepted',
    });
    expect(
      await repository.setSitePolicy(siteId, { policy: 'acceptAll', allowConcurrentTransactions: false }),
    ).toEqual({ listVersion: 0, changed: false, allowConcurrentTransactions: false });
    expect(await service.decide(chargerId, { idToken: 'FLEET-CARD' }, at, onSecond)).toEqual({
      status: 'ConcurrentTx',
    });
    // Its own connector (a repeated start), its own charger (a card presented to stop), or no start at all.
    expect(
      await service.decide(chargerId, { idToken: 'fleet-card' }, at, { otherThanConnector: first }),
    ).toEqual({ status: 'Accepted' });
    expect(
      await service.decide(chargerId, { idToken: 'fleet-card' }, at, { otherThanCharger: chargerId }),
    ).toEqual({ status: 'Accepted' });
    expect(await service.decide(chargerId, { idToken: 'fleet-card' }, at)).toEqual({ status: 'Accepted' });
    // Another site's setting decides at its chargers; the setting survives a policy change.
    expect(
      await service.decide(other.chargerId, { idToken: 'fleet-card' }, at, {
        otherThanCharger: other.chargerId,
      }),
    ).toEqual({ status: 'Accepted' });
    expect((await repository.setSitePolicy(siteId, { policy: 'list' })).allowConcurrentTransactions).toBe(
      false,
    );

    await transactions.stop(chargerId, transactionId, { meterStopWh: 1, stoppedAt: at, reason: null });
    await repository.setSitePolicy(siteId, { policy: 'acceptAll' });
    expect(await service.decide(chargerId, { idToken: 'FLEET-CARD' }, at, onSecond)).toEqual({
      status: 'Accepted',
    });
  });
});

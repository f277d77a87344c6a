import type { Job, Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import {
  ChargerCallsService,
  ChargerEventsRepository,
  ChargerOfflineError,
  OcppCallError,
} from '@gridflex/ocpp';
import { insertCharger } from '@gridflex/ocpp/testing';
import { schema } from '@gridflex/persistence';
import { createPgliteTestDatabase, TestDatabase } from '@gridflex/persistence/testing';
import { AuthorizationRepository } from './authorization.repository';
import { LOCAL_AUTH_LIST_TRUNCATED, LocalAuthListProcessor } from './local-auth-list.processor';

/** The charger's side of the protocol: its list version, and how it answers each SendLocalList. */
class ScriptedCharger {
  listVersion = 0;
  readonly sent: { updateType: string; listVersion: number; localAuthorizationList?: object[] }[] = [];
  answers: string[] = [];
  failure: Error | null = null;

  call<T>(_identity: string, action: string, payload: object): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (action === 'GetLocalListVersion') return Promise.resolve({ listVersion: this.listVersion } as T);
    const request = payload as ScriptedCharger['sent'][number];
    this.sent.push(request);
    const status = this.answers.shift() ?? 'Accepted';
    if (status === 'Accepted') this.listVersion = request.listVersion;
    return Promise.resolve({ status } as T);
  }
}

describe('syncing a 1.6 charger’s local auth list', () => {
  let database: TestDatabase;
  let repository: AuthorizationRepository;
  let charger: ScriptedCharger;
  let processor: LocalAuthListProcessor;
  let events: ChargerEventsRepository;
  let chargerId: string;
  let siteId: string;

  const sync = () => processor.process({ data: { chargerId } } as Job<{ chargerId: string }>);

  beforeAll(async () => {
    database = await createPgliteTestDatabase();
    repository = new AuthorizationRepository(database.db);
    charger = new ScriptedCharger();
    events = new ChargerEventsRepository(database.db);
    // process() never queues: the queue is not needed.
    processor = new LocalAuthListProcessor(
      {} as Queue,
      repository,
      charger as unknown as ChargerCallsService,
      events,
    );
    ({ chargerId, siteId } = await insertCharger(database.db, { identity: 'LIST-1', connectorIds: [1] }));
  });
  afterAll(() => database.close());

  it('sends nothing under acceptAll, the whole list first, then the differences', async () => {
    await repository.create({ idToken: 'A' });
    expect(await sync()).toBe('no-list');
    await repository.create({ idToken: 'B', siteId });
    await repository.setSitePolicy(siteId, { policy: 'list' });
    expect(await sync()).toBe('Full-accepted');
    expect(charger.sent.at(-1)).toEqual({
      listVersion: 3,
      updateType: 'Full',
      localAuthorizationList: [
        { idTag: 'A', idTagInfo: { status: 'Accepted' } },
        { idTag: 'B', idTagInfo: { status: 'Accepted' } },
      ],
    });
    expect(await sync()).toBe('up-to-date');

    const { row } = await repository.create({ idToken: 'C', siteId, status: 'Blocked' });
    expect(await sync()).toBe('Differential-accepted');
    expect(charger.sent.at(-1)).toEqual({
      listVersion: 4,
      updateType: 'Differential',
      localAuthorizationList: [{ idTag: 'C', idTagInfo: { status: 'Blocked' } }],
    });
    await repository.remove(row.id);
    charger.answers = ['VersionMismatch'];
    expect(await sync()).toBe('Full-accepted');
    expect(charger.sent.slice(-2).map((request) => request.updateType)).toEqual(['Differential', 'Full']);
    expect(await repository.sentLocalList(chargerId)).toMatchObject({ listVersion: 5 });
  });

  it('leaves the list of a proxied charger to its upstream, whether its own or its site’s', async () => {
    await repository.create({ idToken: 'P', siteId });
    const before = charger.sent.length;
    const chargerRow = eq(schema.chargers.id, chargerId);
    await database.db
      .update(schema.chargers)
      .set({ upstreamMode: 'own', upstreamUrl: 'ws://csms.example/ocpp' })
      .where(chargerRow);
    expect(await sync()).toBe('proxied');
    await database.db
      .update(schema.chargers)
      .set({ upstreamMode: 'site', upstreamUrl: null })
      .where(chargerRow);
    const siteRow = eq(schema.sites.id, siteId);
    await database.db.update(schema.sites).set({ upstreamUrl: 'ws://csms.example/ocpp' }).where(siteRow);
    expect(await sync()).toBe('proxied');
    expect(charger.sent).toHaveLength(before);

    await database.db.update(schema.sites).set({ upstreamUrl: null }).where(siteRow);
    expect(await sync()).toBe('Differential-accepted');
    expect(charger.sent.at(-1)).toMatchObject({
      localAuthorizationList: [{ idTag: 'P', idTagInfo: { status: 'Accepted' } }],
    });
  });

  it('gives the whole list to a charger that lost it, and leaves alone one without a list', async () => {
    charger.listVersion = 0;
    await repository.create({ idToken: 'D' });
    expect(await sync()).toBe('Full-accepted');

    await repository.create({ idToken: 'E' });
    charger.failure = new OcppCallError('LIST-1', 'GetLocalListVersion', 'NotSupported', '');
    expect(await sync()).toBe('unsupported');
    charger.failure = new ChargerOfflineError('LIST-1');
    expect(await sync()).toBe('offline');
    charger.failure = null;

    const sentBefore = charger.sent.length;
    await database.db
      .update(schema.chargers)
      .set({ capabilities: { localAuthList: false } as schema.ChargerCapabilitiesColumn })
      .where(eq(schema.chargers.id, chargerId));
    expect(await sync()).toBe('unsupported');
    expect(charger.sent).toHaveLength(sentBefore);
  });

  it('splits the list to the charger’s per-message maximum and keeps the accepted tokens it has room for', async () => {
    const limited = await insertCharger(database.db, { identity: 'LIST-SMALL', connectorIds: [1] });
    // Only this site's tokens: those of every site would count too.
    for (const row of await repository.list()) if (row.siteId === null) await repository.remove(row.id);
    const capabilities = {
      localAuthList: true,
      localListItemsPerMessage: 2,
      localListMaxEntries: 3,
    } as schema.ChargerCapabilitiesColumn;
    await database.db
      .update(schema.chargers)
      .set({ capabilities })
      .where(eq(schema.chargers.id, limited.chargerId));
    await repository.setSitePolicy(limited.siteId, { policy: 'list' });
    for (const [idToken, status] of [
      ['K1', 'Blocked'],
      ['K2', 'Accepted'],
      ['K3', 'Accepted'],
      ['K4', 'Expired'],
      ['K5', 'Accepted'],
    ] as const) {
      await repository.create({ idToken, status, siteId: limited.siteId });
    }
    const small = new ScriptedCharger();
    const limitedProcessor = new LocalAuthListProcessor(
      {} as Queue,
      repository,
      small as unknown as ChargerCallsService,
      events,
    );
    const job = { data: { chargerId: limited.chargerId } } as Job<{ chargerId: string }>;

    expect(await limitedProcessor.process(job)).toBe('Full-accepted');
    const tokens = (request: ScriptedCharger['sent'][number]) =>
      (request.localAuthorizationList as { idTag: string }[] | undefined)?.map((entry) => entry.idTag);
    expect(small.sent.map((request) => [request.updateType, tokens(request)])).toEqual([
      ['Full', ['K2', 'K3']],
      ['Differential', ['K5']],
    ]);
    const { listVersion: siteListVersion } = await repository.sitePolicy(limited.siteId);
    expect(small.sent.map((request) => request.listVersion)).toEqual([siteListVersion - 1, siteListVersion]);
    expect(await repository.sentLocalList(limited.chargerId)).toMatchObject({
      listVersion: siteListVersion,
      siteListVersion,
      omittedEntries: 2,
    });
    expect(await limitedProcessor.process(job)).toBe('up-to-date');
    const [truncated] = await events.list(limited.chargerId, { kind: LOCAL_AUTH_LIST_TRUNCATED, limit: 5 });
    expect(truncated.payload).toEqual({ siteListVersion, maxEntries: 3, sent: 3, omitted: 2 });

    // K5 blocked: no longer among the accepted, it leaves room to the first refused one of the list (K1).
    const [k5] = (await repository.list()).filter((row) => row.idToken === 'K5');
    await repository.update(k5.id, { status: 'Blocked' });
    expect(await limitedProcessor.process(job)).toBe('Differential-accepted');
    expect(small.sent.slice(2).map((request) => [request.updateType, tokens(request)])).toEqual([
      ['Differential', ['K5', 'K1']],
    ]);

    // A charger that lost its list, one entry a message: three pieces, their versions rising to the site's.
    small.listVersion = 0;
    await database.db
      .update(schema.chargers)
      .set({ capabilities: { ...capabilities, localListItemsPerMessage: 1 } })
      .where(eq(schema.chargers.id, limited.chargerId));
    expect(await limitedProcessor.process(job)).toBe('Full-accepted');
    const site = (await repository.sitePolicy(limited.siteId)).listVersion;
    expect(small.sent.slice(3).map((request) => [request.updateType, request.listVersion])).toEqual([
      ['Full', site - 2],
      ['Differential', site - 1],
      ['Differential', site],
    ]);
  });
});

import type { Job, Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { ChargerCallsService, ChargerOfflineError, OcppCallError } from '@gridflex/ocpp';
import { insertCharger } from '@gridflex/ocpp/testing';
import { schema } from '@gridflex/persistence';
import { createPgliteTestDatabase, TestDatabase } from '@gridflex/persistence/testing';
import { AuthorizationRepository } from './authorization.repository';
import { LocalAuthListProcessor } from './local-auth-list.processor';

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
  let chargerId: string;
  let siteId: string;

  const sync = () => processor.process({ data: { chargerId } } as Job<{ chargerId: string }>);

  beforeAll(async () => {
    database = await createPgliteTestDatabase();
    repository = new AuthorizationRepository(database.db);
    charger = new ScriptedCharger();
    // process() never queues: the queue is not needed.
    processor = new LocalAuthListProcessor(
      {} as Queue,
      repository,
      charger as unknown as ChargerCallsService,
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
});

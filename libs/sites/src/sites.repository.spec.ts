import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { ChargersRepository, DuplicateChargerIdentityError } from './chargers.repository';
import { SitesRepository } from './sites.repository';

describe.each(TEST_DATABASE_ENGINES)('site repositories on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let sites: SitesRepository;
  let chargers: ChargersRepository;

  beforeAll(async () => {
    database = await createDatabase();
    sites = new SitesRepository(database.db);
    chargers = new ChargersRepository(database.db);
  });
  afterAll(() => database.close());

  const newSite = (name: string, groupId: string | null) => ({
    name,
    groupId,
    nominalVoltageV: 230,
    limitL1A: 100,
    limitL2A: 90,
    limitL3A: 80,
  });

  it('creates, finds and lists sites by group', async () => {
    const a = await sites.create(newSite('A', 'grp-1'));
    await sites.create(newSite('B', 'grp-2'));
    const c = await sites.create(newSite('C', 'grp-1'));
    expect(await sites.findById(a.id)).toMatchObject({ name: 'A', limitL2A: 90, groupId: 'grp-1' });
    expect((await sites.listByGroup('grp-1')).map((s) => s.id)).toEqual([a.id, c.id]);
    expect(await sites.findById('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it('maps and unmaps a site to a group', async () => {
    const site = await sites.create(newSite('D', null));
    expect((await sites.updateGroup(site.id, 'grp-9'))?.groupId).toBe('grp-9');
    expect((await sites.updateGroup(site.id, null))?.groupId).toBeNull();
  });

  it('registers a charger with its connectors atomically and refuses a duplicate identity', async () => {
    const site = await sites.create(newSite('E', null));
    const created = await chargers.create({
      siteId: site.id,
      identity: 'CP-E1',
      passwordHash: null,
      ocppVersion: '1.6',
      connectors: [
        { connectorId: 2, maxCurrentA: 16, phases: 1 },
        { connectorId: 1, maxCurrentA: 32, phases: 3 },
      ],
    });
    expect(created.connectors.map((c) => c.connectorId)).toEqual([1, 2]);
    await expect(
      chargers.create({
        siteId: site.id,
        identity: 'CP-E1',
        passwordHash: null,
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, maxCurrentA: 16, phases: 3 }],
      }),
    ).rejects.toBeInstanceOf(DuplicateChargerIdentityError);
    const listed = await chargers.listBySite(site.id);
    expect(listed).toHaveLength(1);
    expect(listed[0].connectors).toHaveLength(2);
  });

  it('rolls the charger back when a connector cannot be stored', async () => {
    const site = await sites.create(newSite('F', null));
    await expect(
      chargers.create({
        siteId: site.id,
        identity: 'CP-F1',
        passwordHash: null,
        ocppVersion: '1.6',
        connectors: [
          { connectorId: 1, maxCurrentA: 16, phases: 3 },
          { connectorId: 1, maxCurrentA: 16, phases: 3 },
        ],
      }),
    ).rejects.toThrow();
    expect(await chargers.listBySite(site.id)).toEqual([]);
  });
});

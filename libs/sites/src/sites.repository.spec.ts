import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { ChargersRepository, DuplicateChargerIdentityError } from './chargers.repository';
import { InvalidSiteModelError } from './site-model';
import { randomUUID } from 'node:crypto';
import { schema } from '@gridflex/persistence';
import { SessionPreferencesRepository } from './session-preferences.repository';
import { ModelChange, SiteModelRepository } from './site-model.repository';
import { SitesRepository } from './sites.repository';

describe.each(TEST_DATABASE_ENGINES)('site repositories on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let sites: SitesRepository;
  let chargers: ChargersRepository;
  let model: SiteModelRepository;
  const by = (action: string): ModelChange => ({ actor: 'tester', action, details: { action } });

  beforeAll(async () => {
    database = await createDatabase();
    sites = new SitesRepository(database.db);
    chargers = new ChargersRepository(database.db);
    model = new SiteModelRepository(database.db);
  });
  afterAll(() => database.close());

  const siteFields = (name: string, groupId: string | null) => ({
    name,
    groupId,
    nominalVoltageV: 230,
    limitL1A: 100,
    limitL2A: 90,
    limitL3A: 80,
  });
  const newSite = (name: string, groupId: string | null) =>
    sites.create(siteFields(name, groupId), by('create'));
  const circuit = (name: string, parentId: string | null, a: number) => ({
    name,
    parentId,
    limitL1A: a,
    limitL2A: a,
    limitL3A: a,
  });

  it('creates, finds and lists sites by group', async () => {
    const a = await newSite('A', 'grp-1');
    await newSite('B', 'grp-2');
    const c = await newSite('C', 'grp-1');
    expect(await sites.findById(a.id)).toMatchObject({ name: 'A', limitL2A: 90, groupId: 'grp-1' });
    expect((await sites.listByGroup('grp-1')).map((s) => s.id)).toEqual([a.id, c.id]);
    expect(await sites.findById('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it("stores the chargers' fail-safe shares and tells which changed", async () => {
    const site = await newSite('Shares', null);
    const register = async (identity: string) =>
      (
        await chargers.create(
          {
            siteId: site.id,
            identity,
            passwordHash: null,
            ocppVersion: '1.6',
            connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
          },
          by('register'),
        )
      ).result.id;
    const a = await register('CP-SHARE-A');
    const b = await register('CP-SHARE-B');
    expect(
      (
        await sites.setFailSafeShares(
          new Map([
            [a, 10],
            [b, 20],
          ]),
        )
      ).sort(),
    ).toEqual([a, b].sort());
    expect(
      await sites.setFailSafeShares(
        new Map([
          [a, 10],
          [b, 20],
        ]),
      ),
    ).toEqual([]);
    expect(
      await sites.setFailSafeShares(
        new Map([
          [a, 10],
          [b, 12.5],
        ]),
      ),
    ).toEqual([b]);
    expect(await sites.setFailSafeShares(new Map())).toEqual([]);
    const stored = await database.db.select().from(schema.chargers);
    expect(stored.find((c) => c.id === b)?.failSafeShareA).toBe(12.5);
  });

  it('maps and unmaps a site to a group', async () => {
    const site = await newSite('D', null);
    expect((await sites.updateGroup(site.id, 'grp-9', by('map'))).result.groupId).toBe('grp-9');
    expect((await sites.updateGroup(site.id, null, by('unmap'))).result.groupId).toBeNull();
  });

  it('registers a charger with its connectors atomically and refuses a duplicate identity', async () => {
    const site = await newSite('E', null);
    const { result: created } = await chargers.create(
      {
        siteId: site.id,
        identity: 'CP-E1',
        passwordHash: null,
        ocppVersion: '1.6',
        connectors: [
          { connectorId: 2, maxCurrentA: 16, phases: 1 },
          { connectorId: 1, maxCurrentA: 32, phases: 3 },
        ],
      },
      by('add'),
    );
    expect(created.connectors.map((c) => c.connectorId)).toEqual([1, 2]);
    await expect(
      chargers.create(
        {
          siteId: site.id,
          identity: 'CP-E1',
          passwordHash: null,
          ocppVersion: '1.6',
          connectors: [{ connectorId: 1, maxCurrentA: 16, phases: 3 }],
        },
        by('add'),
      ),
    ).rejects.toBeInstanceOf(DuplicateChargerIdentityError);
    const listed = await chargers.listBySite(site.id);
    expect(listed).toHaveLength(1);
    expect(listed[0].connectors).toHaveLength(2);
  });

  it('rolls the charger back when a connector cannot be stored', async () => {
    const site = await newSite('F', null);
    await expect(
      chargers.create(
        {
          siteId: site.id,
          identity: 'CP-F1',
          passwordHash: null,
          ocppVersion: '1.6',
          connectors: [
            { connectorId: 1, maxCurrentA: 16, phases: 3 },
            { connectorId: 1, maxCurrentA: 16, phases: 3 },
          ],
        },
        by('add'),
      ),
    ).rejects.toThrow();
    expect(await chargers.listBySite(site.id)).toEqual([]);
  });

  it('versions every change of the model with who, when and what', async () => {
    const site = await newSite('G', null);
    const feeder = await model.createCircuit(site.id, circuit('Feeder', null, 63), by('circuit'));
    expect(feeder.version).toBe(2);
    const update = await model.updateSite(site.id, { timeZone: 'Europe/Amsterdam' }, by('zone'));
    expect(update).toMatchObject({ version: 3, result: { timeZone: 'Europe/Amsterdam', modelVersion: 3 } });
    const history = await model.listChanges(site.id);
    expect(history.map((c) => [c.version, c.action, c.actor])).toEqual([
      [3, 'zone', 'tester'],
      [2, 'circuit', 'tester'],
      [1, 'create', 'tester'],
    ]);
    expect(history[0].changedAt).toBeInstanceOf(Date);
  });

  it('rolls a change back, unrecorded, when it makes the model invalid', async () => {
    const site = await newSite('H', null);
    const a = (await model.createCircuit(site.id, circuit('A', null, 63), by('a'))).result;
    const b = (await model.createCircuit(site.id, circuit('B', a.id, 40), by('b'))).result;
    const cycle = model.updateCircuit(site.id, a.id, circuit('A', b.id, 63), by('cycle'));
    await expect(cycle).rejects.toBeInstanceOf(InvalidSiteModelError);
    await expect(cycle).rejects.toThrow('circuits form a cycle');
    expect((await model.findCircuit(site.id, a.id))?.parentId).toBeNull();
    expect((await sites.findById(site.id))?.modelVersion).toBe(3);
    expect((await model.listChanges(site.id)).map((c) => c.action)).toEqual(['b', 'a', 'create']);
  });

  it('refuses a charger on a circuit of another site and stores nothing', async () => {
    const site = await newSite('I', null);
    const other = await newSite('J', null);
    const foreign = (await model.createCircuit(other.id, circuit('Elsewhere', null, 63), by('c'))).result;
    const add = chargers.create(
      {
        siteId: site.id,
        identity: 'CP-I1',
        passwordHash: null,
        ocppVersion: '1.6',
        circuitId: foreign.id,
        connectors: [{ connectorId: 1, maxCurrentA: 16, phases: 3 }],
      },
      by('add'),
    );
    await expect(add).rejects.toThrow(`charger "CP-I1" is placed on an unknown circuit ${foreign.id}`);
    expect(await chargers.listBySite(site.id)).toEqual([]);
  });

  it('keeps the latest base-load reading and ignores one measured earlier', async () => {
    const site = await newSite('K', null);
    const at = (iso: string) => new Date(iso);
    expect(await model.recordBaseLoadReading(site.id, [10, 11, 12], at('2026-03-01T10:00:00Z'))).toBe(true);
    expect(await model.recordBaseLoadReading(site.id, [1, 1, 1], at('2026-03-01T09:59:00Z'))).toBe(false);
    expect(await sites.findById(site.id)).toMatchObject({
      meteredBaseLoadA: [10, 11, 12],
      meteredBaseLoadAt: at('2026-03-01T10:00:00Z'),
      modelVersion: 1,
    });
  });

  it('imports a whole site in one statement per table, children before their parents included', async () => {
    const [main, bay] = [randomUUID(), randomUUID()];
    const { siteId, warnings } = await model.importSite(
      {
        site: siteFields('Imported', 'grp-imp'),
        circuits: [
          { id: bay, ...circuit('Bay', main, 20) },
          { id: main, ...circuit('Main', null, 63) },
        ],
        chargers: [
          {
            identity: 'CP-IMP-1',
            ocppVersion: '1.6',
            circuitId: bay,
            connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
          },
        ],
      },
      by('import'),
    );
    expect(warnings).toEqual([]);
    expect((await model.listCircuits(siteId)).map((c) => [c.name, c.parentId])).toEqual(
      expect.arrayContaining([
        ['Main', null],
        ['Bay', main],
      ]),
    );
    expect((await chargers.listBySite(siteId))[0]).toMatchObject({ identity: 'CP-IMP-1', circuitId: bay });
    expect((await model.listChanges(siteId)).map((c) => [c.version, c.action])).toEqual([[1, 'import']]);
  });

  it('leaves nothing of an import whose model is invalid or whose charger identity is taken', async () => {
    const a = randomUUID();
    const cyclic = {
      site: siteFields('Cyclic', null),
      circuits: [{ id: a, ...circuit('A', a, 10) }],
      chargers: [],
    };
    await expect(model.importSite(cyclic, by('import'))).rejects.toBeInstanceOf(InvalidSiteModelError);
    const taken = {
      site: siteFields('Taken', null),
      circuits: [],
      chargers: [
        {
          identity: 'CP-IMP-1',
          ocppVersion: '1.6',
          connectors: [{ connectorId: 1, maxCurrentA: 16, phases: 3 }],
        },
      ],
    };
    await expect(model.importSite(taken, by('import'))).rejects.toBeInstanceOf(DuplicateChargerIdentityError);
    const names = (await sites.list()).map((s) => s.name);
    expect(names).not.toContain('Cyclic');
    expect(names).not.toContain('Taken');
  });

  it('keeps the preferences of the open session on a connector, merging partial updates', async () => {
    const preferences = new SessionPreferencesRepository(database.db);
    const site = await newSite('L', null);
    const { result: charger } = await chargers.create(
      {
        siteId: site.id,
        identity: 'CP-L1',
        passwordHash: null,
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      },
      by('add'),
    );
    expect(await preferences.openTransactionId(charger.id, 1)).toBeUndefined();
    const [closed, open] = await database.db
      .insert(schema.transactions)
      .values([
        {
          connectorRef: charger.connectors[0].id,
          idTag: 'T1',
          meterStartWh: 0,
          startedAt: new Date('2026-03-01T08:00:00Z'),
          stoppedAt: new Date('2026-03-01T09:00:00Z'),
        },
        {
          connectorRef: charger.connectors[0].id,
          idTag: 'T2',
          meterStartWh: 0,
          startedAt: new Date('2026-03-01T10:00:00Z'),
        },
      ])
      .returning();
    expect(await preferences.openTransactionId(charger.id, 1)).toBe(open.id);
    expect(await preferences.openTransactionId(charger.id, 2)).toBeUndefined();
    await preferences.upsert(open.id, { priority: 3, energyWantedWh: 10_000, updatedBy: 'app' });
    const departureAt = new Date('2026-03-01T17:00:00Z');
    const merged = await preferences.upsert(open.id, { departureAt, energyWantedWh: null, updatedBy: 'cpo' });
    expect(merged).toMatchObject({ priority: 3, energyWantedWh: null, departureAt, updatedBy: 'cpo' });
    expect(await preferences.find(closed.id)).toBeUndefined();
  });
});

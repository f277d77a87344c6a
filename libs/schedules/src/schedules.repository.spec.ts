import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { SiteModelRepository, SitesRepository } from '@gridflex/sites';
import { ScheduleEntryNotFoundError, SchedulesRepository } from './schedules.repository';

describe.each(TEST_DATABASE_ENGINES)('schedules repository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let schedules: SchedulesRepository;
  let sites: SitesRepository;
  const by = (action: string) => ({ actor: 'tester', action, details: {} });
  const window = { weekdays: [1, 2, 3, 4, 5], date: null, startTime: '17:00', endTime: '20:00' };

  beforeAll(async () => {
    database = await createDatabase();
    schedules = new SchedulesRepository(database.db);
    sites = new SitesRepository(database.db);
  });
  afterAll(() => database.close());

  const newSite = (name: string) =>
    sites.create(
      { name, groupId: null, nominalVoltageV: 230, limitL1A: 63, limitL2A: 63, limitL3A: 63 },
      by('create'),
    );

  it('adds and removes rules and tariffs of a site as versions of its model', async () => {
    const site = await newSite('A');
    const other = await newSite('B');
    const rule = await schedules.addRule(
      site.id,
      { ...window, name: 'peak', limitKw: 60, limitPercent: null },
      by('rule'),
    );
    const tariff = await schedules.addTariff(
      site.id,
      { ...window, name: 'evening', pricePerKwh: 0.3, currency: 'EUR' },
      by('tariff'),
    );
    await schedules.addRule(
      other.id,
      { ...window, name: 'elsewhere', limitKw: null, limitPercent: 50 },
      by('rule'),
    );
    expect((await schedules.rulesOfSites([site.id])).map((r) => [r.name, r.weekdays, r.limitKw])).toEqual([
      ['peak', [1, 2, 3, 4, 5], 60],
    ]);
    expect((await schedules.rulesOfSites([site.id, other.id])).map((r) => r.name)).toEqual([
      'peak',
      'elsewhere',
    ]);
    expect((await schedules.tariffsOfSites([site.id]))[0]).toMatchObject({ id: tariff.id, pricePerKwh: 0.3 });

    await schedules.removeRule(site.id, rule.id, by('unrule'));
    await expect(schedules.removeRule(other.id, tariff.id, by('miss'))).rejects.toBeInstanceOf(
      ScheduleEntryNotFoundError,
    );
    expect(await schedules.rulesOfSites([site.id])).toEqual([]);
    const history = await new SiteModelRepository(database.db).listChanges(site.id);
    expect(history.map((c) => [c.version, c.action])).toEqual([
      [4, 'unrule'],
      [3, 'tariff'],
      [2, 'rule'],
      [1, 'create'],
    ]);
    expect((await sites.findById(other.id))?.modelVersion).toBe(2);
  });

  it('writes windows inside a transaction the caller holds, rolled back with it', async () => {
    const site = await newSite('C');
    const failing = database.db.transaction(async (tx) => {
      await schedules.writeWindows(
        tx,
        site.id,
        [{ ...window, name: 'r', limitKw: 10, limitPercent: null }],
        [],
      );
      throw new Error('the import failed later');
    });
    await expect(failing).rejects.toThrow('the import failed later');
    expect(await schedules.rulesOfSites([site.id])).toEqual([]);
    await database.db.transaction((tx) =>
      schedules.writeWindows(
        tx,
        site.id,
        [{ ...window, name: 'r', limitKw: 10, limitPercent: null }],
        [{ ...window, name: 't', pricePerKwh: 0.1, currency: 'EUR' }],
      ),
    );
    expect((await schedules.rulesOfSites([site.id])).map((r) => r.name)).toEqual(['r']);
    expect((await schedules.tariffsOfSites([site.id])).map((t) => t.name)).toEqual(['t']);
  });
});

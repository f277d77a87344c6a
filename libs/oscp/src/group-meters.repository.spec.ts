import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { GroupMetersRepository } from './group-meters.repository';

describe.each(TEST_DATABASE_ENGINES)('GroupMetersRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let sut: GroupMetersRepository;

  beforeAll(async () => {
    database = await createDatabase();
    sut = new GroupMetersRepository(database.db);
  });

  afterAll(async () => {
    await database.close();
  });

  it("reads the group's connectors with their registers and open sessions, and nothing of other groups", async () => {
    const site = { nominalVoltageV: 230, limitL1A: 63, limitL2A: 63, limitL3A: 63 };
    const [inGroup, elsewhere] = await database.db
      .insert(schema.sites)
      .values([
        { ...site, name: 'a', groupId: 'g1' },
        { ...site, name: 'b', groupId: 'g2' },
      ])
      .returning();
    const [cp1, cp2] = await database.db
      .insert(schema.chargers)
      .values([
        { siteId: inGroup.id, identity: 'CP-1', ocppVersion: '1.6' },
        { siteId: elsewhere.id, identity: 'CP-2', ocppVersion: '1.6' },
      ])
      .returning();
    const measuredAt = new Date('2026-01-01T11:00:00Z');
    const [c1, c2] = await database.db
      .insert(schema.connectors)
      .values([
        {
          chargerId: cp1.id,
          connectorId: 1,
          maxCurrentA: 32,
          phases: 3,
          energyRegisterWh: 5000,
          energyCountedWh: 8000,
          measuredPowerW: 11000,
          measuredAt,
        },
        { chargerId: cp1.id, connectorId: 2, maxCurrentA: 32, phases: 3 },
        { chargerId: cp2.id, connectorId: 1, maxCurrentA: 32, phases: 3, energyRegisterWh: 9 },
      ])
      .returning();
    const startedAt = new Date('2026-01-01T10:00:00Z');
    await database.db.insert(schema.transactions).values([
      {
        connectorRef: c1.id,
        idTag: 't',
        meterStartWh: 1000,
        startedAt: new Date('2026-01-01T08:00:00Z'),
        stoppedAt: startedAt,
      },
      { connectorRef: c1.id, idTag: 't', meterStartWh: 4000, startedAt },
      { connectorRef: c2.id, idTag: 't', meterStartWh: 0, startedAt, stoppedAt: measuredAt },
    ]);

    expect(await sut.readings('g1')).toEqual([
      {
        assetId: 'CP-1/1',
        energyRegisterWh: 5000,
        countedEnergyWh: 8000,
        powerW: 11000,
        measuredAt,
        session: { meterStartWh: 4000, startedAt },
      },
      {
        assetId: 'CP-1/2',
        energyRegisterWh: null,
        countedEnergyWh: null,
        powerW: null,
        measuredAt: null,
        session: null,
      },
    ]);
    expect(await sut.readings('g3')).toEqual([]);
  });
});

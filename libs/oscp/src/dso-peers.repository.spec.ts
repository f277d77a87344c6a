import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { DsoPeersRepository, DuplicateDsoPeerError } from './dso-peers.repository';

describe.each(TEST_DATABASE_ENGINES)('DsoPeersRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let sut: DsoPeersRepository;

  beforeAll(async () => {
    database = await createDatabase();
    sut = new DsoPeersRepository(database.db);
  });

  afterAll(async () => {
    await database.close();
  });

  it('creates a peer and finds it by token hash and by id, never returning the hash', async () => {
    const created = await sut.create({ name: 'Stedin', tokenHash: 'hash-stedin' });

    expect(created).toEqual({ id: expect.any(String), name: 'Stedin', createdAt: expect.any(Date) });
    expect(await sut.findByTokenHash('hash-stedin')).toEqual(created);
    expect(await sut.findById(created.id)).toEqual(created);
  });

  it('returns undefined for an unknown token hash or id', async () => {
    expect(await sut.findByTokenHash('no-such-hash')).toBeUndefined();
    expect(await sut.findById('3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b')).toBeUndefined();
  });

  it('refuses a duplicate name', async () => {
    await expect(sut.create({ name: 'Stedin', tokenHash: 'another-hash' })).rejects.toEqual(
      new DuplicateDsoPeerError('name'),
    );
  });

  it('refuses a duplicate token hash', async () => {
    const error = await sut.create({ name: 'Enexis', tokenHash: 'hash-stedin' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateDsoPeerError);
    expect((error as DuplicateDsoPeerError).field).toBe('token');
  });

  it('lists peers by name', async () => {
    await sut.create({ name: 'Alliander', tokenHash: 'hash-alliander' });
    expect((await sut.list()).map((peer) => peer.name)).toEqual(['Alliander', 'Stedin']);
  });
});

import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { eq } from 'drizzle-orm';
import { schema } from '@gridflex/persistence';
import { DsoPeersRepository, DuplicateDsoPeerError, GroupAlreadyBoundError } from './dso-peers.repository';

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

    expect(created).toEqual({
      id: expect.any(String),
      name: 'Stedin',
      createdAt: expect.any(Date),
      baseUrl: null,
      canCallPeer: false,
      options: {},
      registration: 'PENDING',
      link: 'UNKNOWN',
      linkChangedAt: null,
      peerRequiredBehaviour: null,
      lastHeartbeatAt: null,
      offlineModeAt: null,
    });
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

  it('switches the link only from the state the caller saw, recording each switch', async () => {
    const peer = await sut.create({ name: 'Westnetz', tokenHash: 'hash-westnetz' });
    const at = new Date('2026-01-01T10:00:00Z');

    expect(await sut.switchLink(peer.id, 'UNKNOWN', 'ONLINE', 'handshake acknowledged', at)).toBe(true);
    expect(await sut.switchLink(peer.id, 'UNKNOWN', 'OFFLINE', 'stale view', at)).toBe(false);
    const later = new Date('2026-01-01T11:00:00Z');
    expect(await sut.switchLink(peer.id, 'ONLINE', 'OFFLINE', 'offline_mode_at passed', later)).toBe(true);

    expect(await sut.findById(peer.id)).toMatchObject({ link: 'OFFLINE', linkChangedAt: later });
    expect(await sut.linkEvents(peer.id)).toEqual([
      { from: 'ONLINE', to: 'OFFLINE', reason: 'offline_mode_at passed', at: later },
      { from: 'UNKNOWN', to: 'ONLINE', reason: 'handshake acknowledged', at },
    ]);
  });

  it('revokes a token by clearing its hash, and tells whether the peer can be called', async () => {
    const peer = await sut.create({ name: 'Netze BW', tokenHash: 'hash-bw', baseUrl: 'http://x/oscp' });
    expect(peer.canCallPeer).toBe(false);
    await sut.update(peer.id, {
      outboundTokenSealed: 'v1.sealed',
      tokenHash: null,
      registration: 'UNREGISTERED',
    });

    expect(await sut.findByTokenHash('hash-bw')).toBeUndefined();
    expect(await sut.findById(peer.id)).toMatchObject({ canCallPeer: true, registration: 'UNREGISTERED' });
    expect(await sut.outboundCredentials(peer.id)).toEqual({
      baseUrl: 'http://x/oscp',
      tokenSealed: 'v1.sealed',
    });
  });

  it('lists peers by name', async () => {
    await sut.create({ name: 'Alliander', tokenHash: 'hash-alliander' });
    expect((await sut.list()).map((peer) => peer.name)).toEqual([
      'Alliander',
      'Netze BW',
      'Stedin',
      'Westnetz',
    ]);
  });

  describe('group bindings', () => {
    it('binds the groups of a new peer and knows the peer of each group', async () => {
      const peer = await sut.create({ name: 'Liander', tokenHash: 'hash-liander' }, ['grp-b', 'grp-a']);

      expect(await sut.groupsOf(peer.id)).toEqual(['grp-a', 'grp-b']);
      expect(await sut.peerOfGroup('grp-a')).toBe(peer.id);
      expect(await sut.peerOfGroup('grp-unbound')).toBeUndefined();
      expect((await sut.groupsByPeer()).get(peer.id)).toEqual(['grp-a', 'grp-b']);
    });

    it('refuses a new peer with a group bound to another, naming that peer and storing nothing', async () => {
      const error = await sut
        .create({ name: 'Enduris', tokenHash: 'hash-enduris' }, ['grp-c', 'grp-a'])
        .catch((e: unknown) => e);

      expect(error).toEqual(new GroupAlreadyBoundError('grp-a', 'Liander'));
      expect((error as GroupAlreadyBoundError).boundTo).toBe('Liander');
      expect((await sut.list()).map((peer) => peer.name)).not.toContain('Enduris');
      expect(await sut.peerOfGroup('grp-c')).toBeUndefined();
    });

    it('replaces the groups of a peer, returning those bound or unbound', async () => {
      const peer = await sut.create({ name: 'Rendo', tokenHash: 'hash-rendo' }, ['grp-r1', 'grp-r2']);

      expect((await sut.rebindGroups(peer.id, ['grp-r2', 'grp-r3'])).sort()).toEqual(['grp-r1', 'grp-r3']);
      expect(await sut.groupsOf(peer.id)).toEqual(['grp-r2', 'grp-r3']);
      expect(await sut.rebindGroups(peer.id, ['grp-r3', 'grp-r2'])).toEqual([]);
    });

    it('refuses to rebind a group bound to another peer, changing nothing', async () => {
      const peer = await sut.create({ name: 'Coteq', tokenHash: 'hash-coteq' }, ['grp-q']);

      await expect(sut.rebindGroups(peer.id, ['grp-a'])).rejects.toEqual(
        new GroupAlreadyBoundError('grp-a', 'Liander'),
      );
      expect(await sut.groupsOf(peer.id)).toEqual(['grp-q']);
    });

    it('unbinds the groups of a deleted peer', async () => {
      const peer = await sut.create({ name: 'Gone', tokenHash: 'hash-gone' }, ['grp-gone']);
      await database.db.delete(schema.dsoPeers).where(eq(schema.dsoPeers.id, peer.id));
      expect(await sut.peerOfGroup('grp-gone')).toBeUndefined();
    });
  });
});

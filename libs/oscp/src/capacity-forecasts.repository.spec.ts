import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import {
  CapacityForecastsRepository,
  NewCapacityForecast,
  SegmentOutOfSequenceError,
  StoredBlocksExceededError,
} from './capacity-forecasts.repository';
import { DsoPeersRepository } from './dso-peers.repository';
import { CapacityForecastType, UpdateGroupCapacityForecast } from './oscp.types';

const body = (
  groupId: string,
  type: CapacityForecastType,
  capacity: number,
): UpdateGroupCapacityForecast => ({
  group_id: groupId,
  type,
  forecasted_blocks: [
    {
      capacity,
      phase: 'ALL',
      unit: 'A',
      start_time: '2025-06-01T10:00:00Z',
      end_time: '2025-06-01T11:00:00Z',
    },
  ],
});

const MAX_STORED = 10_000;

describe.each(TEST_DATABASE_ENGINES)('CapacityForecastsRepository on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let sut: CapacityForecastsRepository;
  let peerId: string;

  const forecast = (requestId: string, groupId: string, type: CapacityForecastType): NewCapacityForecast => ({
    peerId,
    requestId,
    groupId,
    type,
    body: body(groupId, type, 100),
  });

  beforeAll(async () => {
    database = await createDatabase();
    sut = new CapacityForecastsRepository(database.db);
    const bound = ['g1', 'g2', 'g9'];
    peerId = (await new DsoPeersRepository(database.db).create({ name: 'dso', tokenHash: 'h' }, bound)).id;
  });

  afterAll(async () => {
    await database.close();
  });

  it('knows a group once a site names it', async () => {
    expect(await sut.groupExists('g1')).toBe(false);
    await database.db
      .insert(schema.sites)
      .values({ name: 's', groupId: 'g1', nominalVoltageV: 230, limitL1A: 1, limitL2A: 1, limitL3A: 1 });
    expect(await sut.groupExists('g1')).toBe(true);
    expect(await sut.groupExists('G1')).toBe(false);
  });

  it('inserts and lists the forecasts of one group and type, oldest first, body as stored', async () => {
    const first = await sut.insert(forecast('r1', 'g1', 'CONSUMPTION'));
    await sut.insert(forecast('r2', 'g1', 'FALLBACK_CONSUMPTION'));
    await sut.insert(forecast('r3', 'g2', 'CONSUMPTION'));
    const withExtras = { ...body('g1', 'CONSUMPTION', 50), note: 'extra field kept' };
    const second = await sut.insert({ ...forecast('r4', 'g1', 'CONSUMPTION'), body: withExtras });

    const listed = await sut.listForGroup('g1', 'CONSUMPTION');

    expect(listed.map(({ id, requestId }) => ({ id, requestId }))).toEqual([
      { id: first, requestId: 'r1' },
      { id: second, requestId: 'r4' },
    ]);
    expect(listed[0].receivedAt).toBeInstanceOf(Date);
    expect(listed[0].receivedAt.getTime()).toBeLessThanOrEqual(listed[1].receivedAt.getTime());
    expect(listed[1].body).toEqual(withExtras);
  });

  it('lists nothing for a group without forecasts', async () => {
    expect(await sut.listForGroup('g3', 'CONSUMPTION')).toEqual([]);
  });

  it('knows the groups each peer has forecast', async () => {
    expect((await sut.groupsOfPeer(peerId)).sort()).toEqual(['g1', 'g2']);
    expect(await sut.groupsOfPeer('3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b')).toEqual([]);
  });

  it('knows the peer that governs a group: the one bound to it, once it sent a forecast of any type', async () => {
    const other = (
      await new DsoPeersRepository(database.db).create({ name: 'other', tokenHash: 'h2' }, ['g4'])
    ).id;
    expect(await sut.peersOfGroup('g4')).toEqual([]);
    await sut.insert({ ...forecast('r5', 'g4', 'OPTIMUM'), peerId: other });
    expect(await sut.peersOfGroup('g4')).toEqual([other]);
    expect(await sut.peersOfGroup('g1')).toEqual([peerId]);
    expect(await sut.peersOfGroup('g-none')).toEqual([]);
  });

  describe('forecasts of a peer not bound to the group (stored before binding, or the group moved)', () => {
    let stranger: string;

    beforeAll(async () => {
      stranger = (await new DsoPeersRepository(database.db).create({ name: 'stranger', tokenHash: 'h3' })).id;
      await sut.insert({ ...forecast('s1', 'g1', 'CONSUMPTION'), peerId: stranger });
      await sut.insert({ ...forecast('s2', 'g-unbound', 'CONSUMPTION'), peerId: stranger });
    });

    it('count for nothing: not listed, not governing, no groups of the peer', async () => {
      expect((await sut.listForGroup('g1', 'CONSUMPTION')).map((f) => f.requestId)).toEqual(['r1', 'r4']);
      expect(await sut.listForGroup('g-unbound', 'CONSUMPTION')).toEqual([]);
      expect(await sut.peersOfGroup('g1')).toEqual([peerId]);
      expect(await sut.peersOfGroup('g-unbound')).toEqual([]);
      expect(await sut.groupsOfPeer(stranger)).toEqual([]);
    });

    it('are not among the ids that identify the inputs of the group capacity', async () => {
      const ids = await sut.forecastIdsOfGroup('g1', ['CONSUMPTION', 'FALLBACK_CONSUMPTION']);
      const bound = [
        ...(await sut.listForGroup('g1', 'CONSUMPTION')),
        ...(await sut.listForGroup('g1', 'FALLBACK_CONSUMPTION')),
      ];
      expect(ids).toEqual(bound.map((f) => f.id).sort());
      expect(ids).toHaveLength(3);
      expect(await sut.forecastIdsOfGroup('g-unbound', ['CONSUMPTION'])).toEqual([]);
    });

    it("count from the moment the group is bound to their peer, and the former peer's no longer", async () => {
      const peers = new DsoPeersRepository(database.db);
      await peers.rebindGroups(peerId, ['g2', 'g9']);
      await peers.rebindGroups(stranger, ['g1']);

      expect((await sut.listForGroup('g1', 'CONSUMPTION')).map((f) => f.requestId)).toEqual(['s1']);
      expect(await sut.peersOfGroup('g1')).toEqual([stranger]);
      expect(await sut.groupsOfPeer(stranger)).toEqual(['g1']);
      expect((await sut.groupsOfPeer(peerId)).sort()).toEqual(['g2']);

      await peers.rebindGroups(stranger, []);
      await peers.rebindGroups(peerId, ['g1', 'g2', 'g9']);
    });
  });

  describe('segments', () => {
    const segment = (index: number, count: number, capacity: number, requestId = `seg-${index}`) => ({
      ...forecast(requestId, 'g9', 'CONSUMPTION'),
      body: body('g9', 'CONSUMPTION', capacity),
      index,
      count,
    });
    const stored = () => sut.listForGroup('g9', 'CONSUMPTION');

    it('joins the segments in index order, whatever the arrival order, once the last has come', async () => {
      expect(await sut.storeSegment(segment(1, 3, 10), MAX_STORED)).toBeUndefined();
      expect(await sut.storeSegment(segment(3, 3, 30), MAX_STORED)).toBeUndefined();
      expect(await stored()).toEqual([]);

      const id = await sut.storeSegment(segment(2, 3, 20), MAX_STORED);

      const [joined, ...rest] = await stored();
      expect(rest).toEqual([]);
      expect(joined).toMatchObject({ id, requestId: 'seg-1', peerId });
      expect(joined.body.forecasted_blocks.map((b) => b.capacity)).toEqual([10, 20, 30]);
      expect(await database.db.$count(schema.capacityForecastSegments)).toBe(0);
    });

    it('refuses a later segment without a first, or with another count, storing nothing', async () => {
      await database.db.delete(schema.capacityForecasts);
      await expect(sut.storeSegment(segment(2, 2, 20), MAX_STORED)).rejects.toThrow(
        SegmentOutOfSequenceError,
      );
      await sut.storeSegment(segment(1, 2, 10), MAX_STORED);
      await expect(sut.storeSegment(segment(2, 3, 20), MAX_STORED)).rejects.toThrow(
        /X-Segment-Count 3 differs from the 2/,
      );
      expect(await database.db.$count(schema.capacityForecastSegments)).toBe(1);
      expect(await stored()).toEqual([]);
    });

    it('starts over when a new segment 1 comes, and takes a repeated segment once', async () => {
      await database.db.delete(schema.capacityForecasts);
      await sut.storeSegment(segment(1, 2, 10, 'old'), MAX_STORED);
      await sut.storeSegment(segment(1, 2, 11, 'new'), MAX_STORED);
      await sut.storeSegment(segment(1, 2, 12, 'new'), MAX_STORED);
      await sut.storeSegment(segment(2, 2, 20), MAX_STORED);
      const [joined] = await stored();
      expect(joined.requestId).toBe('new');
      expect(joined.body.forecasted_blocks.map((b) => b.capacity)).toEqual([12, 20]);
    });

    it('refuses a segment that would hold more blocks for the group than allowed, storing nothing', async () => {
      await database.db.delete(schema.capacityForecasts);
      const other = (await new DsoPeersRepository(database.db).create({ name: 'third', tokenHash: 'h4' })).id;
      await sut.storeSegment({ ...segment(1, 3, 5), peerId: other }, 3);
      await sut.storeSegment(segment(1, 3, 10), 3);
      // A repeated segment replaces its earlier copy: it does not count twice.
      await sut.storeSegment(segment(2, 3, 20), 3);
      await sut.storeSegment(segment(2, 3, 21), 3);

      await expect(sut.storeSegment(segment(3, 3, 30), 3)).rejects.toThrow(StoredBlocksExceededError);
      await expect(sut.storeSegment(segment(3, 3, 30), 3)).rejects.toThrow(
        'This segment\'s 1 blocks would bring the segments held for group "g9" to 4 blocks; at most 3 are accepted (OSCP_MAX_STORED_BLOCKS)',
      );
      expect(await database.db.$count(schema.capacityForecastSegments)).toBe(3);
      expect(await stored()).toEqual([]);
    });
  });
});

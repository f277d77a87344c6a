import request from 'supertest';
import { eq } from 'drizzle-orm';
import { hashToken } from '@gridflex/common';
import { schema } from '@gridflex/persistence';
import { SimulatedDso } from '@gridflex/simulator';
import { DsoPeersRepository } from './dso-peers.repository';
import {
  afterServerSettles,
  nextForecastAccepted,
  OscpTestApp,
  startOscpTestApp,
} from './testing/oscp-test-app';

const PATH = '/oscp/fp/2.0/update_group_capacity_forecast';
const TOKEN = 'dso-token-0123456789-abcdefghij';
const OTHER_TOKEN = 'other-dso-token-0123456789-abcd';
const GROUP_ID = 'transformer-17';
const OTHER_GROUP_ID = 'transformer-18';
/** Bound to the peer, but no site is in it. */
const EMPTY_GROUP_ID = 'feeder-99';

const block = (overrides: Record<string, unknown> = {}) => ({
  capacity: 250,
  phase: 'ALL',
  unit: 'A',
  start_time: '2025-06-01T10:00:00Z',
  end_time: '2025-06-01T10:15:00Z',
  ...overrides,
});

const forecast = (overrides: Record<string, unknown> = {}) => ({
  group_id: GROUP_ID,
  type: 'CONSUMPTION',
  forecasted_blocks: [block()],
  ...overrides,
});

const withoutField = (body: Record<string, unknown>, field: string) =>
  Object.fromEntries(Object.entries(body).filter(([key]) => key !== field));

describe('POST /oscp/fp/2.0/update_group_capacity_forecast', () => {
  let oscp: OscpTestApp;
  let peerId: string;

  beforeAll(async () => {
    // The blocks here are fixed instants long past; bounded-work.e2e-spec.ts checks the default bounds.
    oscp = await startOscpTestApp({ OSCP_MAX_PAST_S: 3153600000 });
    const peers = oscp.app.get(DsoPeersRepository);
    peerId = (await peers.create({ name: 'dso', tokenHash: hashToken(TOKEN) }, [GROUP_ID, EMPTY_GROUP_ID]))
      .id;
    await peers.create({ name: 'other-dso', tokenHash: hashToken(OTHER_TOKEN) }, [OTHER_GROUP_ID]);
    const site = { nominalVoltageV: 230, limitL1A: 100, limitL2A: 100, limitL3A: 100 };
    await oscp.db.insert(schema.sites).values([
      { ...site, name: 'depot', groupId: GROUP_ID },
      { ...site, name: 'yard', groupId: OTHER_GROUP_ID },
      { ...site, name: 'unbound', groupId: 'feeder-unbound' },
    ]);
  });

  afterAll(async () => {
    await oscp.close();
  });

  beforeEach(async () => {
    await oscp.db.delete(schema.capacityForecasts);
    oscp.events.length = 0;
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    request(oscp.url)
      .post(PATH)
      .set({ Authorization: `Token ${TOKEN}`, 'X-Request-ID': 'req-1', ...headers })
      .send(body as object);

  const storedForecasts = () => oscp.db.select().from(schema.capacityForecasts);

  async function expectRefused(response: request.Response, status: number, message: RegExp): Promise<void> {
    expect(response.status).toBe(status);
    expect((response.body as { message: string }).message).toMatch(message);
    await afterServerSettles();
    expect(await oscp.db.$count(schema.capacityForecasts)).toBe(0);
    expect(oscp.events).toEqual([]);
  }

  describe('authentication', () => {
    it('401 without an Authorization header', async () => {
      const response = await request(oscp.url).post(PATH).set('X-Request-ID', 'r').send(forecast());
      await expectRefused(response, 401, /Authorization header must be "Token <token>"/);
    });

    it.each([
      ['another scheme', `Bearer ${TOKEN}`],
      ['no token', 'Token'],
      ['no scheme', TOKEN],
      ['two tokens', `Token ${TOKEN} ${TOKEN}`],
    ])('401 for a malformed Authorization header (%s)', async (_case, authorization) => {
      await expectRefused(await post(forecast(), { Authorization: authorization }), 401, /Token <token>/);
    });

    it('403 for a token no peer holds', async () => {
      const response = await post(forecast(), { Authorization: 'Token not-a-known-token-at-all' });
      await expectRefused(response, 403, /Unknown or revoked token/);
    });

    it('accepts the scheme name in any case (RFC 7235)', async () => {
      expect((await post(forecast(), { Authorization: `token ${TOKEN}` })).status).toBe(204);
    });
  });

  describe('X-Request-ID', () => {
    it('400 when missing', async () => {
      const response = await request(oscp.url)
        .post(PATH)
        .set('Authorization', `Token ${TOKEN}`)
        .send(forecast());
      await expectRefused(response, 400, /X-Request-ID header is required/);
    });

    it('400 when blank', async () => {
      await expectRefused(
        await post(forecast(), { 'X-Request-ID': ' ' }),
        400,
        /X-Request-ID header is required/,
      );
    });

    it('400 when longer than 255 characters', async () => {
      const response = await post(forecast(), { 'X-Request-ID': 'x'.repeat(256) });
      await expectRefused(response, 400, /X-Request-ID header must be at most 255 characters/);
    });
  });

  describe('body validation (400, naming the field)', () => {
    it.each<[string, unknown, RegExp]>([
      ['missing group_id', withoutField(forecast(), 'group_id'), /group_id must be a string/],
      ['empty group_id', forecast({ group_id: '' }), /group_id should not be empty/],
      ['non-string group_id', forecast({ group_id: 17 }), /group_id must be a string/],
      ['missing type', withoutField(forecast(), 'type'), /type must be one of the following values/],
      [
        'unknown type',
        forecast({ type: 'PRODUCTION' }),
        /type must be one of the following values: CONSUMPTION/,
      ],
      ['lower-case type', forecast({ type: 'consumption' }), /type must be one of the following values/],
      [
        'missing forecasted_blocks',
        withoutField(forecast(), 'forecasted_blocks'),
        /forecasted_blocks must be an array/,
      ],
      [
        'empty forecasted_blocks',
        forecast({ forecasted_blocks: [] }),
        /forecasted_blocks must contain at least 1/,
      ],
      [
        'forecasted_blocks not an array',
        forecast({ forecasted_blocks: block() }),
        /forecasted_blocks must be an array/,
      ],
      [
        'a block that is not an object',
        forecast({ forecasted_blocks: [5] }),
        /forecasted_blocks: each of forecasted_blocks must be an object/,
      ],
      [
        'a block that is an array of blocks',
        forecast({ forecasted_blocks: [[block()]] }),
        /forecasted_blocks: each of forecasted_blocks must be an object/,
      ],
      [
        'negative capacity',
        forecast({ forecasted_blocks: [block({ capacity: -1 })] }),
        /forecasted_blocks\[0\]\.capacity: capacity must not be negative/,
      ],
      [
        'capacity as a string',
        forecast({ forecasted_blocks: [block({ capacity: '10' })] }),
        /forecasted_blocks\[0\]\.capacity: capacity must be a number/,
      ],
      [
        'missing capacity',
        forecast({ forecasted_blocks: [withoutField(block(), 'capacity')] }),
        /forecasted_blocks\[0\]\.capacity: capacity must be a number/,
      ],
      [
        'unknown phase',
        forecast({ forecasted_blocks: [block({ phase: 'L1' })] }),
        /forecasted_blocks\[0\]\.phase: phase must be one of the following values: UNKNOWN, ONE, TWO, THREE, ALL/,
      ],
      [
        'unit kW (must be KW)',
        forecast({ forecasted_blocks: [block({ unit: 'kW' })] }),
        /forecasted_blocks\[0\]\.unit: unit must be one of the following values: A, W, KW, WH, KWH/,
      ],
      [
        'unit EUR',
        forecast({ forecasted_blocks: [block({ unit: 'EUR' })] }),
        /forecasted_blocks\[0\]\.unit: unit must be one of/,
      ],
      [
        'unit EUR/KWH',
        forecast({ forecasted_blocks: [block({ unit: 'EUR/KWH' })] }),
        /forecasted_blocks\[0\]\.unit: unit must be one of/,
      ],
      [
        'start_time without offset',
        forecast({ forecasted_blocks: [block({ start_time: '2025-06-01T10:00:00' })] }),
        /forecasted_blocks\[0\]\.start_time: start_time must be an RFC 3339 date-time with an explicit offset/,
      ],
      [
        'end_time without offset',
        forecast({ forecasted_blocks: [block({ end_time: '2025-06-01T10:15:00.000' })] }),
        /forecasted_blocks\[0\]\.end_time: end_time must be an RFC 3339 date-time/,
      ],
      [
        'a date without time',
        forecast({ forecasted_blocks: [block({ start_time: '2025-06-01' })] }),
        /start_time must be an RFC 3339 date-time/,
      ],
      [
        'a space instead of T',
        forecast({ forecasted_blocks: [block({ start_time: '2025-06-01 10:00:00Z' })] }),
        /start_time must be an RFC 3339 date-time/,
      ],
      [
        'an impossible date',
        forecast({ forecasted_blocks: [block({ start_time: '2025-02-30T10:00:00Z' })] }),
        /start_time must be an RFC 3339 date-time/,
      ],
      [
        'a time as epoch number',
        forecast({ forecasted_blocks: [block({ start_time: 1748772000 })] }),
        /start_time must be an RFC 3339 date-time/,
      ],
      [
        'missing end_time',
        forecast({ forecasted_blocks: [withoutField(block(), 'end_time')] }),
        /forecasted_blocks\[0\]\.end_time: end_time must be an RFC 3339 date-time/,
      ],
      [
        'start_time equal to end_time',
        forecast({ forecasted_blocks: [block(), block({ end_time: '2025-06-01T10:00:00Z' })] }),
        /forecasted_blocks\[1\]: start_time \(2025-06-01T10:00:00Z\) must be before end_time \(2025-06-01T10:00:00Z\)/,
      ],
      [
        'start_time after end_time across offsets',
        forecast({
          forecasted_blocks: [
            block({ start_time: '2025-06-01T18:30:00+08:00', end_time: '2025-06-01T10:15:00Z' }),
          ],
        }),
        /forecasted_blocks\[0\]: start_time \(2025-06-01T18:30:00\+08:00\) must be before end_time/,
      ],
      ['a JSON array as body', [forecast()], /group_id must be a string/],
    ])('%s', async (_rule, body, message) => {
      await expectRefused(await post(body), 400, message);
    });
  });

  it('404 for a group_id bound to the peer that no site belongs to', async () => {
    await expectRefused(
      await post(forecast({ group_id: EMPTY_GROUP_ID })),
      404,
      /Unknown group_id "feeder-99"/,
    );
  });

  describe('authorization: a peer sends for the groups bound to it only (403, nothing stored)', () => {
    const notBound = (group: string) =>
      new RegExp(
        `^DSO peer "dso" is not bound to group_id "${group}": a group is governed by the one DSO peer`,
      );

    it.each([
      ['bound to another peer', OTHER_GROUP_ID],
      ['bound to no peer', 'feeder-unbound'],
      ['no site belongs to, before saying whether it exists', 'feeder-nowhere'],
    ])('403 for a group %s', async (_case, group) => {
      await expectRefused(await post(forecast({ group_id: group })), 403, notBound(group));
    });

    it('logs the refusal with the peer and the group, never the token', async () => {
      oscp.logs.length = 0;
      await post(forecast({ group_id: OTHER_GROUP_ID }));
      const refusals = oscp.logs.filter((line) => line.includes('Refused update_group_capacity_forecast'));
      expect(refusals).toEqual([
        expect.stringContaining('for group "transformer-18" from DSO peer "dso": not bound to it'),
      ]);
      expect(oscp.logs.join('\n')).not.toContain(TOKEN);
    });

    it("403 for a segment of a forecast for another peer's group, keeping no segment", async () => {
      await oscp.db.delete(schema.capacityForecastSegments);
      const response = await post(forecast({ group_id: OTHER_GROUP_ID }), {
        'X-Segment-Index': '1',
        'X-Segment-Count': '2',
      });
      await expectRefused(response, 403, notBound(OTHER_GROUP_ID));
      expect(await oscp.db.$count(schema.capacityForecastSegments)).toBe(0);
    });

    it('accepts from the peer bound to that group', async () => {
      const reply = await request(oscp.url)
        .post(PATH)
        .set({ Authorization: `Token ${OTHER_TOKEN}`, 'X-Request-ID': 'req-other' })
        .send(forecast({ group_id: OTHER_GROUP_ID }));
      expect(reply.status).toBe(204);
      expect((await storedForecasts()).map((f) => f.groupId)).toEqual([OTHER_GROUP_ID]);
    });
  });

  describe('accepted', () => {
    it('stores the forecast, then answers 204 with an empty body, then emits the event', async () => {
      const body = forecast({
        forecasted_blocks: [
          block(),
          block({ start_time: '2025-06-01T10:15:00Z', end_time: '2025-06-01T10:30:00Z' }),
        ],
      });
      const emitted = nextForecastAccepted(oscp.app);

      const response = await post(body, { 'X-Request-ID': 'req-accepted' });

      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      const [stored] = await storedForecasts();
      expect(stored).toMatchObject({
        peerId,
        requestId: 'req-accepted',
        groupId: GROUP_ID,
        type: 'CONSUMPTION',
        body,
      });
      expect(await emitted).toEqual({
        forecastId: stored.id,
        groupId: GROUP_ID,
        type: 'CONSUMPTION',
        peerId,
      });
      expect(oscp.events).toHaveLength(1);
    });

    it('ignores unknown fields but stores the body as received', async () => {
      const body = forecast({ comment: 'day-ahead', forecasted_blocks: [block({ confidence: 0.9 })] });
      expect((await post(body)).status).toBe(204);
      const [stored] = await storedForecasts();
      expect(stored.body).toEqual(body);
    });

    it('accepts +08:00 offsets, milliseconds and lower-case T/Z', async () => {
      const blocks = [
        block({ start_time: '2025-06-01T18:00:00+08:00', end_time: '2025-06-01T18:15:00.000+08:00' }),
        block({ start_time: '2025-06-01T10:15:00.123Z', end_time: '2025-06-01T10:30:00.123456-00:30' }),
        block({ start_time: '2025-06-01t11:00:00z', end_time: '2025-06-01T11:15:00+00:00' }),
      ];
      expect((await post(forecast({ forecasted_blocks: blocks }))).status).toBe(204);
    });

    it.each(['CONSUMPTION', 'GENERATION', 'FALLBACK_CONSUMPTION', 'FALLBACK_GENERATION', 'OPTIMUM'])(
      'accepts type %s with capacity 0 in any unit and phase',
      async (type) => {
        const blocks = ['A', 'W', 'KW', 'WH', 'KWH'].map((unit, i) =>
          block({ unit, capacity: 0, phase: ['UNKNOWN', 'ONE', 'TWO', 'THREE', 'ALL'][i] }),
        );
        expect((await post(forecast({ type, forecasted_blocks: blocks }))).status).toBe(204);
        const [stored] = await oscp.db
          .select()
          .from(schema.capacityForecasts)
          .where(eq(schema.capacityForecasts.type, type));
        expect(stored.groupId).toBe(GROUP_ID);
      },
    );

    it('takes forecasts from the simulated DSO, with its fresh X-Request-ID', async () => {
      const dso = new SimulatedDso({ baseUrl: `${oscp.url}/oscp/fp/2.0`, token: TOKEN });
      const emitted = nextForecastAccepted(oscp.app);

      const reply = await dso.sendCapacityForecast({
        groupId: GROUP_ID,
        type: 'FALLBACK_CONSUMPTION',
        blocks: [block({ unit: 'KW', capacity: 40 })],
      });

      expect(reply).toEqual({ status: 204, body: undefined, requestId: expect.any(String) });
      const [stored] = await storedForecasts();
      expect(stored.requestId).toBe(reply.requestId);
      expect((await emitted).forecastId).toBe(stored.id);
    });

    it('relays the 400 message to the simulated DSO', async () => {
      const dso = new SimulatedDso({ baseUrl: `${oscp.url}/oscp/fp/2.0`, token: TOKEN });
      const reply = await dso.sendCapacityForecast({
        groupId: GROUP_ID,
        type: 'CONSUMPTION',
        blocks: [block({ unit: 'kW' })],
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ message: expect.stringMatching(/unit must be one of/) });
    });
  });

  it('never logs a presented token, known or not', async () => {
    await post(forecast());
    await post(forecast(), { Authorization: 'Token some-unknown-token-value' });
    await afterServerSettles();
    const logged = oscp.logs.join('\n');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain('some-unknown-token-value');
  });

  describe('segmented forecasts (X-Segment-Index / X-Segment-Count)', () => {
    const hours = (from: number, to: number, capacity: number) =>
      block({
        capacity,
        start_time: `2025-06-01T${String(from).padStart(2, '0')}:00:00Z`,
        end_time: `2025-06-01T${String(to).padStart(2, '0')}:00:00Z`,
      });
    const dso = () => new SimulatedDso({ baseUrl: `${oscp.url}/oscp/fp/2.0`, token: TOKEN });

    it('stores nothing until the last segment, then one forecast with all blocks in index order', async () => {
      const blocks = [hours(10, 11, 1), hours(11, 12, 2), hours(12, 13, 3), hours(13, 14, 4)];
      const emitted = nextForecastAccepted(oscp.app);

      const replies = await dso().sendSegmentedCapacityForecast(
        { groupId: GROUP_ID, type: 'CONSUMPTION', blocks },
        3,
      );

      expect(replies.map((r) => r.status)).toEqual([204, 204, 204]);
      const [stored, ...rest] = await storedForecasts();
      expect(rest).toEqual([]);
      // The first segment's request id identifies the forecast, e.g. for a compliance error.
      expect(stored.requestId).toBe(replies[0].requestId);
      expect(
        (stored.body as { forecasted_blocks: { capacity: number }[] }).forecasted_blocks.map(
          (b) => b.capacity,
        ),
      ).toEqual([1, 2, 3, 4]);
      expect((await emitted).forecastId).toBe(stored.id);
      expect(oscp.events).toHaveLength(1);
    });

    it('announces nothing for a segment that does not complete the forecast', async () => {
      await post(forecast(), { 'X-Segment-Index': '1', 'X-Segment-Count': '3' });
      await afterServerSettles();
      expect(await storedForecasts()).toEqual([]);
      expect(oscp.events).toEqual([]);
    });

    it.each<[string, Record<string, string>, RegExp]>([
      ['only an index', { 'X-Segment-Index': '1' }, /must be sent together/],
      ['only a count', { 'X-Segment-Count': '2' }, /must be sent together/],
      ['index 0', { 'X-Segment-Index': '0', 'X-Segment-Count': '2' }, /whole numbers from 1 to 1000/],
      ['a word', { 'X-Segment-Index': 'one', 'X-Segment-Count': '2' }, /whole numbers from 1 to 1000/],
      [
        'index beyond count',
        { 'X-Segment-Index': '3', 'X-Segment-Count': '2' },
        /X-Segment-Index 3 is beyond X-Segment-Count 2/,
      ],
      [
        'a later segment without the first',
        { 'X-Segment-Index': '2', 'X-Segment-Count': '2' },
        /no segment 1 of this CONSUMPTION forecast/,
      ],
    ])('400 for %s, storing nothing', async (_case, headers, message) => {
      await oscp.db.delete(schema.capacityForecastSegments);
      await expectRefused(await post(forecast(), headers), 400, message);
      expect(await oscp.db.$count(schema.capacityForecastSegments)).toBe(0);
    });
  });
});

import { randomBytes } from 'node:crypto';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { SimulatedDso } from '@gridflex/simulator';
import { registerCharger, startController, TestController, waitFor } from './test-controller';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

type Block = { capacity: number; phase: string; unit: string; start_time: string; end_time: string };

/** A one-minute block (or `lengthMs`) starting `fromMs` after now. */
function block(fromMs: number, lengthMs = MINUTE_MS, capacity = 16): Block {
  const now = Date.now();
  return {
    capacity,
    phase: 'ALL',
    unit: 'A',
    start_time: new Date(now + fromMs).toISOString(),
    end_time: new Date(now + fromMs + lengthMs).toISOString(),
  };
}

const minutes = (count: number, firstMinute = 0) =>
  Array.from({ length: count }, (_, i) => block((firstMinute + i) * MINUTE_MS, MINUTE_MS, 10 + (i % 7)));

async function storedRows(db: Database): Promise<{ forecasts: number; segments: number }> {
  return {
    forecasts: await db.$count(schema.capacityForecasts),
    segments: await db.$count(schema.capacityForecastSegments),
  };
}

async function addPeerAndGroup(controller: TestController, groupId: string, token: string): Promise<string> {
  await controller.admin.post('/api/v1/dso-peers', { name: 'dso', token, groupIds: [groupId] }).expect(201);
  const site = await controller.admin
    .post('/api/v1/sites', {
      name: 'Depot',
      groupId,
      nominalVoltageV: 230,
      gridLimitA: { l1: 63, l2: 63, l3: 63 },
    })
    .expect(201);
  return site.body.id as string;
}

describe('bounded work per DSO forecast: refused beyond the bounds, with nothing stored', () => {
  const TOKEN = randomBytes(24).toString('hex');
  const GROUP = 'grp-bounded';
  let controller: TestController;
  let db: Database;
  let dso: SimulatedDso;

  beforeAll(async () => {
    // Small bounds, so that the messages stay under the HTTP body limit; the horizon, block length and past
    // bounds keep their defaults (8 days, 60 s, 1 day).
    controller = await startController({ OSCP_MAX_BLOCKS_PER_MESSAGE: 50, OSCP_MAX_STORED_BLOCKS: 120 });
    db = controller.app.get<Database>(DATABASE);
    await addPeerAndGroup(controller, GROUP, TOKEN);
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: TOKEN });
  });

  afterAll(async () => {
    await controller.app.close();
  });

  const send = (blocks: Block[], type = 'CONSUMPTION') =>
    dso.sendCapacityForecast({ groupId: GROUP, type, blocks });
  const sendSegment = (index: number, count: number, blocks: Block[]) =>
    dso.sendCapacityForecast(
      { groupId: GROUP, type: 'FALLBACK_CONSUMPTION', blocks },
      { headers: { 'X-Segment-Index': String(index), 'X-Segment-Count': String(count) } },
    );
  const messageOf = (reply: { body: unknown }) => (reply.body as { message: string }).message;

  it('refuses a message with more blocks than OSCP_MAX_BLOCKS_PER_MESSAGE with 413', async () => {
    const reply = await send(minutes(51));
    expect(reply.status).toBe(413);
    expect(messageOf(reply)).toBe(
      'forecasted_blocks has 51 blocks; at most 50 are accepted in one message (OSCP_MAX_BLOCKS_PER_MESSAGE)',
    );
    expect(await storedRows(db)).toEqual({ forecasts: 0, segments: 0 });
  });

  it('refuses blocks shorter than OSCP_MIN_BLOCK_S (60 s) with 400', async () => {
    const short = block(5 * MINUTE_MS, 1_000);
    const reply = await send([...minutes(3), short]);
    expect(reply.status).toBe(400);
    expect(messageOf(reply)).toBe(
      `forecasted_blocks[3] lasts 1 s (${short.start_time} to ${short.end_time}): ` +
        'blocks shorter than 60 s are refused (OSCP_MIN_BLOCK_S)',
    );
    expect(await storedRows(db)).toEqual({ forecasts: 0, segments: 0 });
  });

  it('refuses blocks ending more than OSCP_MAX_HORIZON_S (8 days) ahead with 400', async () => {
    const far = block(8 * DAY_MS, MINUTE_MS);
    const reply = await send([far, ...minutes(2)]);
    expect(reply.status).toBe(400);
    expect(messageOf(reply)).toMatch(
      new RegExp(
        `^forecasted_blocks\\[0\\] ends at ${far.end_time.replace(/\./g, '\\.')}: ` +
          'blocks may end at most 691200 s after now \\(.+; OSCP_MAX_HORIZON_S\\)$',
      ),
    );
    expect(await storedRows(db)).toEqual({ forecasts: 0, segments: 0 });
  });

  it('refuses blocks that ended more than OSCP_MAX_PAST_S (1 day) ago with 400', async () => {
    const reply = await send([block(-2 * DAY_MS, MINUTE_MS), block(-2 * DAY_MS + MINUTE_MS, MINUTE_MS)]);
    expect(reply.status).toBe(400);
    expect(messageOf(reply)).toMatch(
      /^forecasted_blocks\[0\] ended at .+ \(and 1 more blocks\): blocks that ended more than 86400 s before now \(.+\) are refused \(OSCP_MAX_PAST_S\)$/,
    );
    expect(await storedRows(db)).toEqual({ forecasts: 0, segments: 0 });
  });

  it('refuses a segment that would hold more than OSCP_MAX_STORED_BLOCKS for the group with 413', async () => {
    expect((await sendSegment(1, 3, minutes(50))).status).toBe(204);
    expect((await sendSegment(2, 3, minutes(50, 50))).status).toBe(204);

    const reply = await sendSegment(3, 3, minutes(21, 100));

    expect(reply.status).toBe(413);
    expect(messageOf(reply)).toBe(
      `This segment's 21 blocks would bring the segments held for group "${GROUP}" to 121 blocks; ` +
        'at most 120 are accepted (OSCP_MAX_STORED_BLOCKS)',
    );
    expect(await storedRows(db)).toEqual({ forecasts: 0, segments: 2 });
  });

  it('accepts a forecast within every bound', async () => {
    expect((await sendSegment(3, 3, minutes(20, 100))).status).toBe(204);
    expect((await send(minutes(50))).status).toBe(204);
    expect(await storedRows(db)).toEqual({ forecasts: 2, segments: 0 });
  });

  it('applies the same bounds to an AdjustGroupCapacityForecast asked of the DSO', async () => {
    const [peer] = (await controller.admin.get('/api/v1/dso-peers').expect(200)).body as { id: string }[];
    const reply = await controller.admin
      .post(`/api/v1/dso-peers/${peer.id}/adjust-requests`, {
        group_id: GROUP,
        type: 'CONSUMPTION',
        forecasted_blocks: minutes(51),
      })
      .expect(413);
    expect(messageOf(reply)).toBe(
      'forecasted_blocks has 51 blocks; at most 50 are accepted in one message (OSCP_MAX_BLOCKS_PER_MESSAGE)',
    );
  });
});

describe('a stored forecast as large as the bounds allow never keeps the controller from serving', () => {
  const TOKEN = randomBytes(24).toString('hex');
  const GROUP = 'grp-large';
  const BLOCKS = 10_000;
  let database: { url: string; drop(): Promise<void> };
  let controller: TestController | undefined;
  let siteId: string;

  beforeAll(async () => {
    database = await createSharedPostgresDatabase();
    const first = await startController({ DATABASE_URL: database.url });
    siteId = await addPeerAndGroup(first, GROUP, TOKEN);
    await registerCharger(first, siteId, 'CP-LARGE');
    const [peer] = (await first.admin.get('/api/v1/dso-peers').expect(200)).body as { id: string }[];
    // As ten segments of a thousand one-minute blocks would have been joined (about a week ahead).
    await first.app
      .get<Database>(DATABASE)
      .insert(schema.capacityForecasts)
      .values({
        peerId: peer.id,
        requestId: 'large-forecast',
        groupId: GROUP,
        type: 'CONSUMPTION',
        body: { group_id: GROUP, type: 'CONSUMPTION', forecasted_blocks: minutes(BLOCKS, -1) },
      });
    await first.app.close();
  });

  afterAll(async () => {
    await controller?.app.close();
    await database?.drop();
  });

  it('listens after a restart, answers the admin API and OSCP, and plans the group', async () => {
    controller = await startController({ DATABASE_URL: database.url });

    await controller.admin.get('/api/v1/sites').expect(200);
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: TOKEN });
    const reply = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'FALLBACK_CONSUMPTION',
      blocks: minutes(30),
    });
    expect(reply.status).toBe(204);
    const plan = await waitFor(async () => {
      const { body } = await controller!.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200);
      const connectors = (body as { connectors: { periods: unknown[] }[] }).connectors;
      return connectors.length > 0 ? connectors : undefined;
    }, 600);
    expect(plan).toHaveLength(1);
  }, 120_000);

  it('refuses a message of more than the default 2,000 blocks with 413, storing nothing', async () => {
    const db = controller!.app.get<Database>(DATABASE);
    const before = await storedRows(db);
    const dso = new SimulatedDso({ baseUrl: `http://${controller!.host}/oscp/fp/2.0`, token: TOKEN });

    const reply = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'CONSUMPTION',
      blocks: minutes(2001),
    });

    expect(reply.status).toBe(413);
    expect((reply.body as { message: string }).message).toBe(
      'forecasted_blocks has 2001 blocks; at most 2000 are accepted in one message (OSCP_MAX_BLOCKS_PER_MESSAGE)',
    );
    expect(await storedRows(db)).toEqual(before);
  });
});

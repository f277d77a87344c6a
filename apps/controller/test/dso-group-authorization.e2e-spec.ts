import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { SimulatedDso } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

const GROUP_A = 'grp-auth-a';
const GROUP_B = 'grp-auth-b';

type GroupView = { groupId: string; capacitySource: string; capacityNowA: (number | null)[] };

/**
 * Authorization, not only authentication: each DSO peer is bound to the groups it governs. Another peer's
 * valid token does not let it curtail those groups, ask about them, or read their measurements.
 */
describe('DSO peers send for, and hear about, only the groups bound to them', () => {
  let controller: TestController;
  const peers: Record<'a' | 'b', { id: string; dso: SimulatedDso }> = {} as never;
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
  const blocks = (capacity: number) => [
    { capacity, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(60) },
  ];

  beforeAll(async () => {
    controller = await startController({ OSCP_MEASUREMENT_PERIOD_S: 1 });
    for (const [name, groupId] of [
      ['Depot A', GROUP_A],
      ['Depot B', GROUP_B],
    ]) {
      await controller.admin
        .post('/api/v1/sites', {
          name,
          groupId,
          nominalVoltageV: 230,
          gridLimitA: { l1: 63, l2: 63, l3: 63 },
        })
        .expect(201);
    }
    peers.a = await createPeer('dso-a', [GROUP_A]);
    peers.b = await createPeer('dso-b', [GROUP_B]);
  });

  afterAll(async () => {
    await Promise.all(Object.values(peers).map(({ dso }) => dso.close()));
    await controller.app.close();
  });

  /** A peer bound to `groupIds`, registered (token swap) and asking for CONTINUOUS measurements. */
  async function createPeer(name: string, groupIds: string[]): Promise<{ id: string; dso: SimulatedDso }> {
    const token = randomBytes(24).toString('hex');
    const created = await controller.admin.post('/api/v1/dso-peers', { name, token, groupIds }).expect(201);
    expect(created.body.groupIds).toEqual(groupIds);
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token });
    await dso.listen();
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitFor(() => Promise.resolve(dso.currentToken !== token ? true : undefined));
    expect((await dso.handshake({ measurement_configuration: ['CONTINUOUS'] })).status).toBe(204);
    return { id: created.body.id as string, dso };
  }

  /** What the controller stored for the group, whole or in segments. */
  async function storedFor(groupId: string): Promise<number> {
    const db = controller.app.get<Database>(DATABASE);
    return (
      (await db.$count(schema.capacityForecasts, eq(schema.capacityForecasts.groupId, groupId))) +
      (await db.$count(schema.capacityForecastSegments, eq(schema.capacityForecastSegments.groupId, groupId)))
    );
  }

  async function group(groupId: string): Promise<GroupView> {
    const { body } = await controller.admin.get('/dashboard/api/snapshot').expect(200);
    return (body.groups as GroupView[]).find((g) => g.groupId === groupId)!;
  }

  const notBound = (peer: string, groupId: string) =>
    `DSO peer "${peer}" is not bound to group_id "${groupId}": ` +
    'a group is governed by the one DSO peer the CPO bound it to (groupIds)';

  it("refuses peer B's forecast for peer A's group with 403, storing nothing", async () => {
    const before = await group(GROUP_A);

    const reply = await peers.b.dso.sendCapacityForecast({
      groupId: GROUP_A,
      type: 'CONSUMPTION',
      blocks: blocks(5),
    });

    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ message: notBound('dso-b', GROUP_A) });
    expect(await storedFor(GROUP_A)).toBe(0);
    expect(before.capacitySource).toBe('site limits only');
    expect(await group(GROUP_A)).toMatchObject({ capacitySource: 'site limits only' });
  });

  it('refuses every segment of a paged forecast for a group not bound to the peer', async () => {
    const replies = await peers.b.dso.sendSegmentedCapacityForecast(
      { groupId: GROUP_A, type: 'CONSUMPTION', blocks: [...blocks(5), ...blocks(6)] },
      2,
    );

    expect(replies.map((r) => r.status)).toEqual([403, 403]);
    expect(await storedFor(GROUP_A)).toBe(0);
    expect(await group(GROUP_A)).toMatchObject({ capacitySource: 'site limits only' });
  });

  it('refuses to ask peer B to adjust the capacity of peer A’s group (403), sending nothing', async () => {
    const request = { group_id: GROUP_A, type: 'CONSUMPTION', forecasted_blocks: blocks(80) };

    const refused = await controller.admin.post(`/api/v1/dso-peers/${peers.b.id}/adjust-requests`, request);

    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ message: notBound('dso-b', GROUP_A) });
    const { body: sent } = await controller.admin.get(`/api/v1/dso-peers/${peers.b.id}/messages`).expect(200);
    expect((sent as { message: string }[]).map((m) => m.message)).not.toContain(
      'adjust_group_capacity_forecast',
    );
  });

  it('accepts each peer’s forecast for its own group (204), which then limits that group', async () => {
    const a = await peers.a.dso.sendCapacityForecast({
      groupId: GROUP_A,
      type: 'CONSUMPTION',
      blocks: blocks(40),
    });
    const b = await peers.b.dso.sendCapacityForecast({
      groupId: GROUP_B,
      type: 'CONSUMPTION',
      blocks: blocks(30),
    });

    expect([a.status, b.status]).toEqual([204, 204]);
    await waitFor(async () => ((await group(GROUP_A)).capacitySource === 'forecast' ? true : undefined));
    expect(await group(GROUP_A)).toMatchObject({ capacitySource: 'forecast', capacityNowA: [40, 40, 40] });
    expect(await group(GROUP_B)).toMatchObject({ capacitySource: 'forecast', capacityNowA: [30, 30, 30] });
  });

  it('asks peer A to adjust its own group', async () => {
    const request = { group_id: GROUP_A, type: 'CONSUMPTION', forecasted_blocks: blocks(80) };
    const queued = await controller.admin
      .post(`/api/v1/dso-peers/${peers.a.id}/adjust-requests`, request)
      .expect(202);

    const adjust = await peers.a.dso.waitFor('adjust_group_capacity_forecast');
    expect(adjust.requestId).toBe(queued.body.requestId);
    expect(adjust.body).toEqual(request);
  });

  it("sends each group's measurements to the peer bound to it only", async () => {
    const reports = (dso: SimulatedDso) =>
      dso.received
        .filter((m) => m.path === 'update_group_measurements')
        .map((m) => m.body as { group_id: string });
    // Three rounds each: enough for a group reported to the wrong peer to have shown up.
    await waitFor(() => Promise.resolve(reports(peers.a.dso).length >= 3 ? true : undefined));
    await waitFor(() => Promise.resolve(reports(peers.b.dso).length >= 3 ? true : undefined));

    expect(new Set(reports(peers.a.dso).map((r) => r.group_id))).toEqual(new Set([GROUP_A]));
    expect(new Set(reports(peers.b.dso).map((r) => r.group_id))).toEqual(new Set([GROUP_B]));
  });

  it('refuses to bind a group already bound to another peer with 409, changing nothing', async () => {
    const refused = await controller.admin.patch(`/api/v1/dso-peers/${peers.b.id}`, {
      groupIds: [GROUP_B, GROUP_A],
    });

    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/^Group "grp-auth-a" is already bound to DSO peer "dso-a"/);
    const { body } = await controller.admin.get(`/api/v1/dso-peers/${peers.b.id}`).expect(200);
    expect(body.groupIds).toEqual([GROUP_B]);
  });

  it('hands a group over: the old peer is refused and its forecast no longer counts, the new one’s does', async () => {
    await controller.admin.patch(`/api/v1/dso-peers/${peers.a.id}`, { groupIds: [] }).expect(200);
    await waitFor(async () =>
      (await group(GROUP_A)).capacitySource === 'site limits only' ? true : undefined,
    );

    const fromA = await peers.a.dso.sendCapacityForecast({
      groupId: GROUP_A,
      type: 'CONSUMPTION',
      blocks: blocks(4),
    });
    expect(fromA.status).toBe(403);

    await controller.admin
      .patch(`/api/v1/dso-peers/${peers.b.id}`, { groupIds: [GROUP_B, GROUP_A] })
      .expect(200);
    const fromB = await peers.b.dso.sendCapacityForecast({
      groupId: GROUP_A,
      type: 'CONSUMPTION',
      blocks: blocks(20),
    });
    expect(fromB.status).toBe(204);
    await waitFor(async () => ((await group(GROUP_A)).capacitySource === 'forecast' ? true : undefined));
    expect(await group(GROUP_A)).toMatchObject({ capacityNowA: [20, 20, 20] });
  });
});

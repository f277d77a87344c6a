import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-model';
const amps = (a: number) => ({ l1: a, l2: a, l3: a });

type PlanView = {
  connectors: { chargerIdentity: string; connectorId: number; periods: { limitA: number }[] }[];
};

/**
 * Two sites share one DSO group. Site A has a base load, a feeder with a bay below it, a smart-charged
 * charger in the bay and a charger excluded from smart charging on the feeder; site B has one charger.
 */
describe('the site model drives the plan', () => {
  let controller: TestController;
  let siteA: string;
  let siteB: string;
  const chargers: SimulatedCharger[] = [];

  /** Each connector's limit now, as `identity/connector`. */
  const currentLimits = async (siteId: string) => {
    const plan: PlanView = (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body;
    return Object.fromEntries(
      plan.connectors.map((c) => [`${c.chargerIdentity}/${c.connectorId}`, c.periods[0].limitA]),
    );
  };
  const planned = (expected: Record<string, number>) => async () => {
    const actual = { ...(await currentLimits(siteA)), ...(await currentLimits(siteB)) };
    return JSON.stringify(actual) === JSON.stringify({ ...actual, ...expected }) ? actual : undefined;
  };

  beforeAll(async () => {
    controller = await startController();
    const { admin } = controller;
    await admin.post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] }).expect(201);
    const site = (name: string, baseLoad?: object) =>
      admin
        .post('/api/v1/sites', { name, groupId: GROUP, nominalVoltageV: 230, gridLimitA: amps(63), baseLoad })
        .expect(201);
    siteA = (await site('A', { mode: 'fixed', currentA: amps(13) })).body.id;
    siteB = (await site('B')).body.id;
    const feeder = (await admin.post(`/api/v1/sites/${siteA}/circuits`, { name: 'Feeder', limitA: amps(32) }))
      .body.id;
    const bay = (
      await admin
        .post(`/api/v1/sites/${siteA}/circuits`, { name: 'Bay', parentId: feeder, limitA: amps(20) })
        .expect(201)
    ).body.id;
    const connectors = (count: number, maxCurrentA: number) =>
      Array.from({ length: count }, (_, i) => ({ connectorId: i + 1, maxCurrentA, phases: 3 }));
    await admin
      .post(`/api/v1/sites/${siteA}/chargers`, {
        identity: 'CP-M1',
        ocppVersion: '1.6',
        circuitId: bay,
        connectors: connectors(2, 32),
      })
      .expect(201);
    await admin
      .post(`/api/v1/sites/${siteA}/chargers`, {
        identity: 'CP-M2',
        ocppVersion: '1.6',
        circuitId: feeder,
        smartChargingExcluded: true,
        connectors: connectors(1, 16),
      })
      .expect(201);
    await admin
      .post(`/api/v1/sites/${siteB}/chargers`, {
        identity: 'CP-M3',
        ocppVersion: '1.6',
        connectors: connectors(1, 32),
      })
      .expect(201);
    for (const [identity, count] of [
      ['CP-M1', 2],
      ['CP-M3', 1],
    ] as const) {
      const charger = new SimulatedCharger({
        endpoint: `ws://${controller.host}/ocpp`,
        identity,
        connectorCount: count,
      });
      chargers.push(charger);
      await charger.connect();
      await charger.boot();
      for (let connectorId = 1; connectorId <= count; connectorId++) {
        await charger.startTransaction(connectorId, `TAG-${identity}-${connectorId}`, 0);
      }
    }
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await controller?.app.close();
  });

  it('limits connectors by their circuits, the excluded charger counted at its maximum', async () => {
    // The feeder's 32 A minus the excluded charger's 16 A leaves 16 A for the bay's two sessions.
    await waitFor(planned({ 'CP-M1/1': 8, 'CP-M1/2': 8, 'CP-M2/1': 16, 'CP-M3/1': 32 }));
  });

  it('shares the group between both sites after base load and excluded charger', async () => {
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
    const now = Date.now();
    const block = { phase: 'ALL', unit: 'A', start_time: new Date(now - 60_000).toISOString() };
    const end_time = new Date(now + 60 * 60_000).toISOString();
    const sent = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'CONSUMPTION',
      blocks: [{ ...block, capacity: 60, end_time }],
    });
    expect(sent.status).toBe(204);
    // 60 A - 13 A base load - 16 A excluded = 31 A: site A's bay takes 16 A, site B the remaining 15 A.
    await waitFor(planned({ 'CP-M1/1': 8, 'CP-M1/2': 8, 'CP-M3/1': 15 }));
  });

  it('follows a metered base load pushed through the API', async () => {
    await controller.admin
      .patch(`/api/v1/sites/${siteA}`, { baseLoad: { mode: 'metered', currentA: amps(13) } })
      .expect(200);
    await controller.admin
      .post(`/api/v1/sites/${siteA}/base-load/readings`, { currentA: amps(3) })
      .expect(200);
    // 60 A - 3 A - 16 A = 41 A: site B now gets 25 A.
    await waitFor(planned({ 'CP-M3/1': 25 }));
  });

  it('re-plans when a circuit changes and records the history', async () => {
    const circuits = (await controller.admin.get(`/api/v1/sites/${siteA}/circuits`).expect(200)).body;
    const bay = circuits.find((c: { name: string }) => c.name === 'Bay');
    await controller.admin
      .put(`/api/v1/sites/${siteA}/circuits/${bay.id}`, {
        name: 'Bay',
        parentId: bay.parentId,
        limitA: amps(12),
      })
      .expect(200);
    await waitFor(planned({ 'CP-M1/1': 6, 'CP-M1/2': 6, 'CP-M3/1': 29 }));
    const changes = (await controller.admin.get(`/api/v1/sites/${siteA}/changes`).expect(200)).body;
    expect(changes.map((c: { action: string }) => c.action)).toEqual([
      'circuit.replaced',
      'site.updated',
      'charger.added',
      'charger.added',
      'circuit.added',
      'circuit.added',
      'site.created',
    ]);
  });

  it('admits the session the driver prioritised through the API when minimums do not fit', async () => {
    const { admin } = controller;
    const circuits = (await admin.get(`/api/v1/sites/${siteA}/circuits`).expect(200)).body;
    const bay = circuits.find((c: { name: string }) => c.name === 'Bay');
    await admin
      .put(`/api/v1/sites/${siteA}/circuits/${bay.id}`, {
        name: 'Bay',
        parentId: bay.parentId,
        limitA: amps(10),
      })
      .expect(200);
    // 10 A fit one 6 A minimum: the session that started first keeps charging.
    await waitFor(planned({ 'CP-M1/1': 10, 'CP-M1/2': 0 }));

    const charger = (await admin.get(`/api/v1/sites/${siteA}/chargers`).expect(200)).body.find(
      (c: { identity: string }) => c.identity === 'CP-M1',
    );
    const path = `/api/v1/sites/${siteA}/chargers/${charger.id}/connectors/2/session`;
    expect((await admin.get(path).expect(200)).body).toMatchObject({ priority: null, departureAt: null });
    // Eight hours ahead, written in +01:00 as a driver's app in Amsterdam would, stored in UTC.
    const departure = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 8 * 3_600_000);
    const inAmsterdam = new Date(departure.getTime() + 3_600_000).toISOString().replace('.000Z', '+01:00');
    const told = await admin
      .put(path, { priority: 10, energyWantedWh: 20_000, departureAt: inAmsterdam })
      .expect(200);
    expect(told.body).toMatchObject({
      transactionId: expect.any(Number),
      priority: 10,
      energyWantedWh: 20_000,
      departureAt: departure.toISOString(),
      updatedBy: 'admin-api',
    });
    await waitFor(planned({ 'CP-M1/1': 0, 'CP-M1/2': 10 }));

    const refused = await admin.put(path, { priority: 'high', departureAt: 'tomorrow' }).expect(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['priority', 'departureAt']);
    await admin.put(path, {}).expect(400);
    expect((await admin.get(path).expect(200)).body.priority).toBe(10);
    const idle = await admin.put(`/api/v1/sites/${siteB}/chargers/${charger.id}/connectors/2/session`, {
      priority: 1,
    });
    expect(idle.status).toBe(404);
  });

  it('simulates a what-if plan with explanations, pushing and storing nothing', async () => {
    const { admin } = controller;
    const before = (await admin.get(`/api/v1/sites/${siteA}/plan`).expect(200)).body;
    const from = new Date(Date.now() + 60 * 60_000);
    const to = new Date(from.getTime() + 60 * 60_000);
    const simulated = (
      await admin
        .post(`/api/v1/sites/${siteA}/simulate`, {
          forecast: [{ start: from.toISOString(), end: to.toISOString(), limitA: amps(40) }],
          sessions: [
            { chargerIdentity: 'CP-M1', connectorId: 1 },
            { chargerIdentity: 'CP-M1', connectorId: 2, priority: 1 },
          ],
        })
        .expect(200)
    ).body;
    const byConnector = Object.fromEntries(
      simulated.connectors.map((c: { chargerIdentity: string; connectorId: number }) => [
        `${c.chargerIdentity}/${c.connectorId}`,
        c,
      ]),
    );
    expect(Object.keys(byConnector).sort()).toEqual(['CP-M1/1', 'CP-M1/2', 'CP-M2/1']);
    // The bay's 10 A fit one 6 A minimum: the prioritised session charges, the other is paused.
    expect(byConnector['CP-M1/2'].periods.map((p: { limitA: number }) => p.limitA)).toEqual([10, 10, 10]);
    expect(byConnector['CP-M1/2'].explanations[0]).toBe('shares circuit "Bay"\'s L1 limit of 10 A');
    expect(byConnector['CP-M1/1'].explanations[0]).toBe(
      'paused: its minimum of 6 A did not fit on circuit "Bay"\'s L1',
    );
    expect(byConnector['CP-M2/1'].periods[0].limitA).toBe(16);
    expect(byConnector['CP-M2/1'].explanations[0]).toBe('excluded from smart charging: at its maximum');
    expect(byConnector['CP-M1/2'].periods[1]).toMatchObject({
      start: from.toISOString(),
      end: to.toISOString(),
    });

    const overlapping = await admin
      .post(`/api/v1/sites/${siteA}/simulate`, {
        forecast: [
          { start: from.toISOString(), end: to.toISOString(), limitA: amps(40) },
          { start: from.toISOString(), end: to.toISOString(), limitA: amps(30) },
        ],
      })
      .expect(400);
    expect(overlapping.body.message).toBe('forecast: blocks must not overlap');
    const unknown = await admin
      .post(`/api/v1/sites/${siteA}/simulate`, { sessions: [{ chargerIdentity: 'CP-X', connectorId: 1 }] })
      .expect(400);
    expect(unknown.body.message).toContain('no connector 1 of charger "CP-X"');
    await admin.post(`/api/v1/sites/${siteA}/simulate`, { at: 'soon' }).expect(400);
    const after = (await admin.get(`/api/v1/sites/${siteA}/plan`).expect(200)).body;
    expect(after.connectors.map((c: { version: number }) => c.version)).toEqual(
      before.connectors.map((c: { version: number }) => c.version),
    );
  });
});

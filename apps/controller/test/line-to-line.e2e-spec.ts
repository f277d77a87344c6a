import { randomBytes } from 'node:crypto';
import {
  GridSafetyChecker,
  linePhasor,
  SafetyWorld,
  SimulatedCharger,
  SimulatedDso,
  transformerLines,
  worstLineA,
} from '@gridflex/simulator';
import { sendCurrentForecast, startController, TestController, waitFor } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-line-to-line';
const IDENTITY = 'CP-LL';
const amps = (a: number) => ({ l1: a, l2: a, l3: a });
const PAIRS = ['AB', 'BC', 'CA'] as const;
/** The transformer's secondary: 60 A on each line of a 120/208 V wye. */
const SECONDARY_LIMIT_A = 60;
const TRANSFORMER = { secondaryLineLimitA: SECONDARY_LIMIT_A };

type PlanView = { connectors: { connectorId: number; periods: { limitA: number }[] }[] };

/**
 * A North-American site: a 120/208 V wye transformer whose secondary lines may carry 60 A, feeding three
 * 208 V EVSEs wired line to line, one on each pair. Balanced, each line carries √3 × an EVSE's current,
 * so the exact limit allows 60 / √3 = 34.6 A each; a per-phase model (each line loaded by two EVSEs)
 * allows only 30 A.
 */
describe('line-to-line chargers under a transformer', () => {
  let controller: TestController;
  let siteId: string;
  let charger: SimulatedCharger;
  const world: SafetyWorld = {
    sites: [],
    chargers: [],
    dso: { safeDefaultA: 1000 },
  };
  let checker: GridSafetyChecker;

  const currentLimits = async () => {
    const plan: PlanView = (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body;
    return plan.connectors.map((c) => c.periods[0].limitA);
  };
  /**
   * Once the plan gives every connector what `settled` expects: what the charger enforces on each, when
   * it is the plan as sent (to 0.1 A, rounded down).
   */
  const offered = async (settled: (limits: number[]) => boolean) => {
    const planned = await waitFor(async () => {
      const limits = await currentLimits();
      return limits.length === 3 && settled(limits) ? limits : undefined;
    });
    return waitFor(() => {
      const limits = [1, 2, 3].map((connectorId) => charger.offeredCurrentA(connectorId) ?? Infinity);
      const asSent = limits.every((a, i) => a <= planned[i] && planned[i] - a < 0.1 + 1e-9);
      return Promise.resolve(asSent ? limits : undefined);
    });
  };
  /** The worst each secondary line can carry with the EVSEs drawing anything up to these limits. */
  const worstLinesA = (limits: number[]) =>
    transformerLines(TRANSFORMER, 120).map((line) =>
      worstLineA(limits.map((limitA, i) => ({ phasor: linePhasor(line, [PAIRS[i]]), limitA }))),
    );

  beforeAll(async () => {
    controller = await startController();
    const { admin } = controller;
    await admin.post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] }).expect(201);
    const site = {
      name: 'Caltech-like',
      groupId: GROUP,
      nominalVoltageV: 120,
      lineToLineVoltageV: 208,
      gridLimitA: amps(200),
      transformer: TRANSFORMER,
    };
    siteId = (await admin.post('/api/v1/sites', site).expect(201)).body.id;
    const connectors = PAIRS.map((lineToLine, i) => ({
      connectorId: i + 1,
      maxCurrentA: 40,
      phases: 2,
      lineToLine,
    }));
    await admin
      .post(`/api/v1/sites/${siteId}/chargers`, { identity: IDENTITY, ocppVersion: '1.6', connectors })
      .expect(201);
    world.sites.push({
      id: siteId,
      nominalVoltageV: 120,
      gridLimitA: [200, 200, 200],
      transformer: TRANSFORMER,
    });
    world.chargers.push({
      identity: IDENTITY,
      siteId,
      connectors: connectors.map(({ connectorId, maxCurrentA, lineToLine }) => ({
        connectorId,
        maxCurrentA,
        phases: 2,
        lineToLine,
      })),
    });
    // Booting, starting three sessions and the first plan may take a while on a loaded machine: the
    // connection's grace covers it. Every raise the charger accepts is still judged at once.
    checker = new GridSafetyChecker(world, { graceMs: 60_000 });
    charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity: IDENTITY,
      connectorCount: 3,
      onProfileAnswer: (profile, _status, applied) =>
        checker.profileAnswered(Date.now(), IDENTITY, profile, applied ? 'Accepted' : 'Refused'),
    });
    await charger.connect();
    checker.connected(Date.now(), IDENTITY);
    await charger.boot();
    for (const connectorId of [1, 2, 3]) await charger.startTransaction(connectorId, `TAG-${connectorId}`, 0);
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
    expect((await sendCurrentForecast(dso, GROUP, 500)).status).toBe(204);
  });

  afterAll(async () => {
    await charger?.close();
    await controller?.app.close();
  });

  it('gives each EVSE what the exact line currents allow, one phase at 208 V in its profile', async () => {
    const limits = await offered((a) => a.every((limit) => limit > 30 && limit < 40));
    for (const limit of limits) {
      // Within the 0.5 % the inscribed polygon may cost, above the per-phase model's 30 A.
      expect(limit).toBeGreaterThan(0.99 * (SECONDARY_LIMIT_A / Math.sqrt(3)));
      expect(limit).toBeLessThanOrEqual(SECONDARY_LIMIT_A / Math.sqrt(3));
    }
    for (const lineA of worstLinesA(limits)) expect(lineA).toBeLessThanOrEqual(SECONDARY_LIMIT_A + 1e-6);
    const profile = charger.receivedProfiles.at(-1)!;
    const periods = profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod;
    expect(periods.every((p) => p.numberPhases === 1)).toBe(true);
    expect(checker.report(Date.now()).violations).toEqual([]);
  });

  it('refuses an inconsistent wiring or transformer with 400 and changes nothing', async () => {
    const { admin } = controller;
    const before = (await admin.get(`/api/v1/sites/${siteId}`).expect(200)).body;
    const model = (site: {
      modelVersion: number;
      transformer: object;
      chargers: { identity: string }[];
    }) => ({
      modelVersion: site.modelVersion,
      transformer: site.transformer,
      chargers: site.chargers.map((c) => c.identity),
    });
    const wrongPhases = await admin
      .post(`/api/v1/sites/${siteId}/chargers`, {
        identity: 'CP-LL-3PH',
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3, lineToLine: 'AB' }],
      })
      .expect(400);
    expect(wrongPhases.body.message).toContain('lineToLine needs phases 2');
    const noVoltage = await admin
      .patch(`/api/v1/sites/${siteId}`, { transformer: { secondaryLineLimitA: 60, primaryLineLimitA: 20 } })
      .expect(400);
    expect(noVoltage.body.message).toContain('primaryVoltageV');
    const after = (await admin.get(`/api/v1/sites/${siteId}`).expect(200)).body;
    expect(model(after)).toEqual(model(before));
  });

  it('allows less when the same site is modelled per phase, for a line current the transformer would carry', async () => {
    const exact = await currentLimits();
    await controller.admin
      .patch(`/api/v1/sites/${siteId}`, { transformer: null, gridLimitA: amps(SECONDARY_LIMIT_A) })
      .expect(200);
    const perPhase = await offered((a) => a.every((limit) => limit === 30));
    expect(await currentLimits()).toEqual([30, 30, 30]);
    expect(Math.min(...exact)).toBeGreaterThan(Math.max(...perPhase) * 1.14);
    // 30 A on each EVSE loads each line with only √3 × 30 = 52 A of the transformer's 60.
    for (const lineA of worstLinesA(perPhase)) expect(lineA).toBeCloseTo(30 * Math.sqrt(3), 6);
  });
});

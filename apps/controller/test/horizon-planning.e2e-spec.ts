import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

type Period = { start: string; end: string | null; limitA: number };
type PlanView = { connectors: { chargerIdentity: string; connectorId: number; periods: Period[] }[] };

const DSO_TOKEN = randomBytes(24).toString('hex');
const amps = (a: number) => ({ l1: a, l2: a, l3: a });
const hhmm = (t: Date) => t.toISOString().slice(11, 16);
const toMinute = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000);
/** A three-phase connector at 230 V per phase: 690 W per ampere of its limit. */
const WATTS_PER_AMPERE = 690;
const HOUR_MS = 3_600_000;
const TOLERANCE_A = 1e-6;

/** The energy a connector's periods deliver from `fromMs` until `untilMs`. */
function energyWh(periods: Period[], fromMs: number, untilMs: number): number {
  return periods.reduce((sum, p) => {
    const start = Math.max(Date.parse(p.start), fromMs);
    const end = Math.min(p.end === null ? Infinity : Date.parse(p.end), untilMs);
    return end > start ? sum + (p.limitA * WATTS_PER_AMPERE * (end - start)) / HOUR_MS : sum;
  }, 0);
}

/** Whether a plan has taken a session's departure in: the horizon is split there. */
const endsAt = (periods: Period[], instant: Date) => periods.some((p) => p.end === instant.toISOString());

/** The periods overlapping [fromMs, untilMs). */
const within = (periods: Period[], fromMs: number, untilMs: number) =>
  periods.filter((p) => Date.parse(p.start) < untilMs && (p.end === null || Date.parse(p.end) > fromMs));

/**
 * The horizon optimiser in planning, through the real protocols: sessions tell their energy and
 * departure through the admin API, sites have tariffs, the DSO sends OPTIMUM forecasts over OSCP, and
 * simulated chargers charge over OCPP 1.6.
 */
describe('planning over the horizon: tariffs, OPTIMUM and departures', () => {
  let controller: TestController;
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    controller = await startController();
    await controller.admin
      .post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: ['grp-optimum'] })
      .expect(201);
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await controller?.app.close();
  });

  /** A site with one charger of `connectorCount` 32 A three-phase connectors, each with an EV charging. */
  async function siteWithEvs(identity: string, connectorCount: number, site: object) {
    const { admin } = controller;
    const siteId: string = (
      await admin.post('/api/v1/sites', { nominalVoltageV: 230, timeZone: 'UTC', ...site }).expect(201)
    ).body.id;
    const chargerId: string = (
      await admin
        .post(`/api/v1/sites/${siteId}/chargers`, {
          identity,
          ocppVersion: '1.6',
          connectors: Array.from({ length: connectorCount }, (_, i) => ({
            connectorId: i + 1,
            maxCurrentA: 32,
            phases: 3,
          })),
        })
        .expect(201)
    ).body.id;
    const charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity,
      connectorCount,
    });
    chargers.push(charger);
    await charger.connect();
    await charger.boot();
    for (let connectorId = 1; connectorId <= connectorCount; connectorId++) {
      await charger.startTransaction(connectorId, `TAG-${identity}-${connectorId}`, 0);
    }
    const tell = (connectorId: number, wishes: object) =>
      admin
        .put(`/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/${connectorId}/session`, wishes)
        .expect(200);
    const plan = async () =>
      ((await admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanView).connectors;
    return { siteId, tell, plan };
  }

  it('moves the energy wanted into the cheap hour of the tariff and still delivers it by departure', async () => {
    const { siteId, tell, plan } = await siteWithEvs('CP-TARIFF', 1, {
      name: 'Tariffed',
      gridLimitA: amps(63),
    });
    const now = Date.now();
    const cheapFrom = toMinute(now + HOUR_MS);
    const cheapTo = new Date(cheapFrom.getTime() + HOUR_MS);
    for (const [from, to, pricePerKwh] of [
      [new Date(now - 60_000), cheapFrom, 0.4],
      [cheapFrom, cheapTo, 0.1],
    ] as const) {
      await controller.admin
        .post(`/api/v1/sites/${siteId}/tariffs`, {
          name: `${pricePerKwh}`,
          startTime: hhmm(from),
          endTime: hhmm(to),
          pricePerKwh,
          currency: 'EUR',
        })
        .expect(201);
    }
    // An hour at 16 A, leaving 5 minutes before the cheap hour ends: the dear hour would do as well.
    const wantedWh = 16 * WATTS_PER_AMPERE;
    const leaves = new Date(cheapTo.getTime() - 5 * 60_000);
    await tell(1, { energyWantedWh: wantedWh, departureAt: leaves.toISOString() });

    const periods = await waitFor(async () => {
      const [connector] = await plan();
      const periods = connector?.periods ?? [];
      return endsAt(periods, cheapFrom) && endsAt(periods, leaves) ? periods : undefined;
    });
    const dear = within(periods, Date.parse(periods[0].start), cheapFrom.getTime());
    expect(dear.map((p) => p.limitA)).toEqual(dear.map(() => 0));
    expect(energyWh(periods, Date.parse(periods[0].start), leaves.getTime())).toBeGreaterThanOrEqual(
      wantedWh - 1e-6,
    );
    expect(within(periods, leaves.getTime(), Infinity).every((p) => p.limitA === 0)).toBe(true);

    // The what-if plans the same way, and says why the dear hour is left.
    const simulated = (await controller.admin.post(`/api/v1/sites/${siteId}/simulate`, {}).expect(200)).body;
    const [what] = simulated.connectors as { periods: Period[]; explanations: string[] }[];
    expect(what.periods.map((p) => p.limitA)).toEqual(periods.map((p) => p.limitA));
    expect(what.explanations[0]).toBe('paused: its energy is planned in cheaper blocks');
  });

  it("keeps to the DSO's OPTIMUM while the energy wanted allows, and exceeds it only as far as needed", async () => {
    const group = 'grp-optimum';
    const { tell, plan } = await siteWithEvs('CP-OPT', 1, {
      name: 'Optimum',
      groupId: group,
      gridLimitA: amps(63),
    });
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
    const now = Date.now();
    const from = new Date(now - 60_000).toISOString();
    const end = toMinute(now + 2 * HOUR_MS);
    const block = (capacity: number) => ({
      capacity,
      phase: 'ALL',
      unit: 'A',
      start_time: from,
      end_time: end.toISOString(),
    });
    for (const [type, capacity] of [
      ['CONSUMPTION', 32],
      ['OPTIMUM', 10],
    ] as const) {
      expect(
        (await dso.sendCapacityForecast({ groupId: group, type, blocks: [block(capacity)] })).status,
      ).toBe(204);
    }
    /** The plan until `departure` once it has taken in the session and the OPTIMUM (stored after its 204). */
    const until = async (departure: Date, wantedWh: number, check: (peakA: number) => boolean) =>
      waitFor(async () => {
        const [connector] = await plan();
        const periods = within(connector?.periods ?? [], now, departure.getTime());
        if (!endsAt(periods, departure)) return undefined;
        const deliveredWh = energyWh(periods, Date.parse(periods[0].start), departure.getTime());
        const peakA = Math.max(...periods.map((p) => p.limitA));
        return deliveredWh >= wantedWh - 1e-6 && check(peakA) ? peakA : undefined;
      });

    // 1.5 h at 10 A fit in the 1 h 50 min before it leaves, under the OPTIMUM of 10 A.
    const easyWh = 1.5 * 10 * WATTS_PER_AMPERE;
    const leaves = new Date(end.getTime() - 10 * 60_000);
    await tell(1, { energyWantedWh: easyWh, departureAt: leaves.toISOString() });
    expect(await until(leaves, easyWh, (peakA) => peakA <= 10 + TOLERANCE_A)).toBeGreaterThan(6);

    // 2 h at 15 A do not: the plan goes above the OPTIMUM, but never above the CONSUMPTION limit.
    const hardWh = 2 * 15 * WATTS_PER_AMPERE;
    const later = new Date(end.getTime() - 5 * 60_000);
    await tell(1, { energyWantedWh: hardWh, departureAt: later.toISOString() });
    const peakA = await until(later, hardWh, () => true);
    expect(peakA).toBeGreaterThan(10);
    expect(peakA).toBeLessThanOrEqual(32 + TOLERANCE_A);
  });

  it('gives a session its energy before it leaves, more than a fair share, and the other what is left', async () => {
    const { tell, plan } = await siteWithEvs('CP-DEADLINE', 2, { name: 'Deadline', gridLimitA: amps(32) });
    const now = Date.now();
    const departure = toMinute(now + HOUR_MS);
    // About 20 A until it leaves: the fair share of 16 A each would miss a fifth of it.
    const wantedWh = 19 * WATTS_PER_AMPERE;
    await tell(1, { energyWantedWh: wantedWh, departureAt: departure.toISOString() });

    const [leaving, staying] = await waitFor(async () => {
      const connectors = await plan();
      const byId = (id: number) => connectors.find((c) => c.connectorId === id)?.periods ?? [];
      const first = byId(1);
      return endsAt(first, departure) ? [first, byId(2)] : undefined;
    });
    expect(energyWh(leaving, Date.parse(leaving[0].start), departure.getTime())).toBeGreaterThanOrEqual(
      wantedWh - 1e-6,
    );
    expect(leaving[0].limitA).toBeGreaterThan(16);
    // The other keeps charging (never paused below its minimum), within the site's 32 A.
    expect(staying[0].limitA).toBeGreaterThanOrEqual(6);
    expect(leaving[0].limitA + staying[0].limitA).toBeLessThanOrEqual(32 + TOLERANCE_A);
    expect(within(leaving, departure.getTime(), Infinity).every((p) => p.limitA === 0)).toBe(true);
    expect(within(staying, departure.getTime(), Infinity).at(-1)?.limitA).toBe(32);
  });
});

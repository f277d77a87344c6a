import { SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

type Period = { start: string; end: string | null; limitA: number };
type PlanView = { connectors: { periods: Period[] }[] };

const hhmm = (t: Date) => t.toISOString().slice(11, 16);

describe('a peak-shaving rule limits the plan while its window is open', () => {
  let controller: TestController;
  let charger: SimulatedCharger | undefined;

  afterAll(async () => {
    await charger?.close();
    await controller?.app.close();
  });

  it('caps the site during the window and lifts the cap at its end', async () => {
    controller = await startController();
    const { admin } = controller;
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Shaved',
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
        timeZone: 'UTC',
      })
      .expect(201);
    const siteId: string = site.body.id;
    await registerCharger(controller, siteId, 'CP-PS');
    charger = await connectCharger(controller, 'CP-PS');
    await charger.boot();
    await charger.startTransaction(1, 'TAG-PS', 0);
    const plan = async () =>
      ((await admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanView).connectors[0]?.periods;
    await waitFor(async () => ((await plan())?.[0]?.limitA === 32 ? true : undefined));

    // An every-day window open now, for an hour: 13.8 kW over three phases at 230 V is 20 A per phase.
    const now = new Date();
    const start = hhmm(new Date(now.getTime() - 60_000));
    const end = hhmm(new Date(now.getTime() + 60 * 60_000));
    await admin
      .post(`/api/v1/sites/${siteId}/peak-shaving-rules`, {
        name: 'peak',
        startTime: start,
        endTime: end,
        limitKw: 13.8,
      })
      .expect(201);
    const periods = await waitFor(async () => {
      const current = await plan();
      return current?.[0]?.limitA !== undefined && Math.abs(current[0].limitA - 20) < 1e-9
        ? current
        : undefined;
    });
    const windowEnd = periods[0].end;
    expect(windowEnd?.slice(11, 16)).toBe(end);
    expect(periods[1]).toMatchObject({ start: windowEnd, limitA: 32 });
    await charger.waitForProfile(
      (p: { csChargingProfiles: { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } } }) =>
        p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === 20,
      20_000,
    );
  });
});

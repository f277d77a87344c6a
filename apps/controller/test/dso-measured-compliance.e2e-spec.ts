import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

const INITIAL_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-measured';
const COMPLIANCE_ERROR = 'group_capacity_compliance_error';

type ComplianceErrorBody = {
  message: string;
  forecasted_blocks: {
    capacity: number;
    phase: string;
    unit: string;
    start_time: string;
    end_time: string;
  }[];
};

describe('compliance errors on measured load above the forecast', () => {
  let controller: TestController;
  let dso: SimulatedDso;
  let charger: SimulatedCharger;
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
  const errors = () => dso.received.filter((m) => m.path === COMPLIANCE_ERROR);

  beforeAll(async () => {
    // A one-second grace makes the checks run every second (the shortest period).
    controller = await startController({ OSCP_COMPLIANCE_GRACE_S: 1 });
    const { admin } = controller;
    await admin
      .post('/api/v1/dso-peers', { name: 'dso', token: INITIAL_TOKEN, groupIds: [GROUP] })
      .expect(201);
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await registerCharger(controller, site.body.id, 'CP-MC');
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: INITIAL_TOKEN });
    await dso.listen();
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitFor(() => Promise.resolve(dso.currentToken !== INITIAL_TOKEN ? true : undefined));
    charger = await connectCharger(controller, 'CP-MC');
    await charger.boot();
  });

  afterAll(async () => {
    await charger.close();
    await dso.close();
    await controller.app.close();
  });

  it('tells the DSO, correlated with the forecast in force, when a charger draws above it past the grace', async () => {
    const block = { capacity: 20, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(30) };
    const forecast = await dso.sendCapacityForecast({ groupId: GROUP, type: 'CONSUMPTION', blocks: [block] });
    expect(forecast.status).toBe(204);
    await charger.statusNotification(1, 'Preparing');
    const transactionId = await charger.startTransaction(1, 'TAG-MC', 0);
    await charger.statusNotification(1, 'Charging');

    // The charger ignores its profile (at most 20 A) and draws 30 A per phase.
    await charger.meterValues(1, { currentA: [30, 30, 30], transactionId });
    const error = await dso.waitFor(COMPLIANCE_ERROR);

    expect(error.correlationId).toBe(forecast.requestId);
    const body = error.body as ComplianceErrorBody;
    expect(body.message).toMatch(/measured load of group grp-measured has been above the forecast capacity/);
    expect(body.forecasted_blocks).toEqual([
      { capacity: 30, phase: 'ALL', unit: 'A', start_time: block.start_time, end_time: block.end_time },
    ]);

    // Still over: the episode has been reported, the following checks stay silent.
    await charger.meterValues(1, { currentA: [30, 30, 30], transactionId });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(errors()).toHaveLength(1);

    // Back under, then over again: a new episode, reported again after its own grace.
    await charger.meterValues(1, { currentA: [15, 15, 15], transactionId });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(errors()).toHaveLength(1);
    await charger.meterValues(1, { currentA: [25, 25, 25], transactionId });
    await waitFor(() => Promise.resolve(errors().length === 2 ? true : undefined));
    expect(errors()[1].correlationId).toBe(forecast.requestId);
  });
});

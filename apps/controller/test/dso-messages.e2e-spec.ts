import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

const INITIAL_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-messages';

type EnergyMeasurement = { value: number; unit: string; measure_time: string; initial_measure_time?: string };

describe('messages to the DSO: measurements, compliance errors and adjust requests', () => {
  let controller: TestController;
  let dso: SimulatedDso;
  let siteId: string;
  let peerId: string;
  const chargers: SimulatedCharger[] = [];
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

  beforeAll(async () => {
    controller = await startController({ OSCP_MEASUREMENT_PERIOD_S: 1 });
    const { admin } = controller;
    peerId = (
      await admin
        .post('/api/v1/dso-peers', { name: 'dso', token: INITIAL_TOKEN, groupIds: [GROUP] })
        .expect(201)
    ).body.id;
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    siteId = site.body.id;
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: INITIAL_TOKEN });
    await dso.listen();
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitFor(() => Promise.resolve(dso.currentToken !== INITIAL_TOKEN ? true : undefined));
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await dso.close();
    await controller.app.close();
  });

  async function connectCharger(identity: string, smartChargingExcluded: boolean): Promise<SimulatedCharger> {
    await controller.admin
      .post(`/api/v1/sites/${siteId}/chargers`, {
        identity,
        ocppVersion: '1.6',
        smartChargingExcluded,
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      })
      .expect(201);
    const charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity,
      connectorCount: 1,
    });
    chargers.push(charger);
    await charger.connect();
    await charger.boot();
    return charger;
  }

  it('reports the group energy from the meter values, as the DSO asked (CONTINUOUS)', async () => {
    const charger = await connectCharger('CP-M1', false);
    await charger.statusNotification(1, 'Preparing');
    const transactionId = await charger.startTransaction(1, 'TAG-M', 1_000);
    await charger.statusNotification(1, 'Charging');
    await charger.meterValues(1, { energyWh: 3_500, powerW: 7_000, transactionId });
    const forecast = {
      groupId: GROUP,
      type: 'CONSUMPTION',
      blocks: [{ capacity: 60, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(60) }],
    };
    expect((await dso.sendCapacityForecast(forecast)).status).toBe(204);

    expect((await dso.handshake({ measurement_configuration: ['CONTINUOUS'] })).status).toBe(204);

    const report = await dso.waitFor('update_group_measurements');
    const body = report.body as { group_id: string; measurements: EnergyMeasurement[] };
    expect(body.group_id).toBe(GROUP);
    expect(body.measurements).toEqual([
      {
        value: 3_500,
        phase: 'ALL',
        unit: 'WH',
        direction: 'IMPORT',
        energy_type: 'FLEXIBLE',
        measure_time: expect.any(String),
      },
    ]);
    expect(report.authorization).toBe(`Token ${dso.expectedToken}`);
  });

  it('switches to INTERMITTENT readings since the session start when the DSO asks for those', async () => {
    expect((await dso.handshake({ measurement_configuration: ['INTERMITTENT'] })).status).toBe(204);
    const report = await dso.waitFor('update_group_measurements', (m) =>
      (m.body as { measurements: EnergyMeasurement[] }).measurements.some((x) => x.initial_measure_time),
    );
    const [reading] = (report.body as { measurements: EnergyMeasurement[] }).measurements;
    // 3500 Wh on the register, 1000 Wh at the start of the session.
    expect(reading).toMatchObject({ value: 2_500, initial_measure_time: expect.any(String) });
  });

  const bindGroups = (id: string, groupIds: string[]) =>
    controller.admin.patch(`/api/v1/dso-peers/${id}`, { groupIds }).expect(200);

  /**
   * A second DSO peer with `options`, registered, governing the group (taken from the first peer, which
   * gets it back afterwards) and forecasting `capacityA` for it until `use` is done with it.
   */
  async function withPeer<T>(
    name: string,
    options: object,
    capacityA: number,
    use: (peer: SimulatedDso, forecastRequestId: string) => Promise<T>,
  ): Promise<T> {
    const token = randomBytes(24).toString('hex');
    await bindGroups(peerId, []);
    const otherId = (
      await controller.admin
        .post('/api/v1/dso-peers', { name, token, options, groupIds: [GROUP] })
        .expect(201)
    ).body.id as string;
    const other = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token });
    await other.listen();
    try {
      await other.register();
      await other.waitFor('register');
      await waitFor(() => Promise.resolve(other.currentToken !== token ? true : undefined));
      const blocks = [{ capacity: capacityA, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(60) }];
      const forecast = await other.sendCapacityForecast({ groupId: GROUP, type: 'CONSUMPTION', blocks });
      expect(forecast.status).toBe(204);
      return await use(other, forecast.requestId);
    } finally {
      await other.close();
      await bindGroups(otherId, []);
      await bindGroups(peerId, [GROUP]);
    }
  }

  /** The first asset measurements a second peer with `options` receives. */
  function assetReport(name: string, options: object): Promise<unknown> {
    return withPeer(name, options, 60, async (other) => {
      expect((await other.handshake({ measurement_configuration: ['CONTINUOUS'] })).status).toBe(204);
      const report = await other.waitFor('update_asset_measurements');
      expect(other.received.filter((m) => m.path === 'update_group_measurements')).toEqual([]);
      return report.body;
    });
  }

  it('sends asset measurements, one CHARGING asset per connector, to a DSO that wants those', async () => {
    expect(await assetReport('dso-assets', { measurementMessage: 'ASSET' })).toEqual({
      group_id: GROUP,
      measurements: [
        {
          asset_id: 'CP-M1/1',
          asset_category: 'CHARGING',
          energy_measurement: expect.objectContaining({ value: 3_500, unit: 'WH', direction: 'IMPORT' }),
          instantaneous_measurement: {
            value: 7_000,
            phase: 'ALL',
            unit: 'W',
            measure_time: expect.any(String),
          },
        },
      ],
    });
  });

  it('sends the group as one combined asset to a DSO that wants a single asset per group', async () => {
    const second = await connectCharger('CP-M2', false);
    await second.statusNotification(1, 'Preparing');
    const transactionId = await second.startTransaction(1, 'TAG-M2', 200);
    await second.statusNotification(1, 'Charging');
    await second.meterValues(1, { energyWh: 500, powerW: 4_000, transactionId });

    expect(
      await assetReport('dso-combined', { measurementMessage: 'ASSET', combinedAssetId: 'depot-chargers' }),
    ).toEqual({
      group_id: GROUP,
      measurements: [
        {
          asset_id: 'depot-chargers',
          asset_category: 'CHARGING',
          energy_measurement: expect.objectContaining({ value: 4_000, unit: 'WH', direction: 'IMPORT' }),
          instantaneous_measurement: {
            value: 11_000,
            phase: 'ALL',
            unit: 'W',
            measure_time: expect.any(String),
          },
        },
      ],
    });
  });

  it('sends a compliance error, correlated with the forecast, when unsteerable load exceeds it', async () => {
    await connectCharger('CP-X', true);
    const forecast = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'CONSUMPTION',
      blocks: [{ capacity: 20, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(30) }],
    });
    expect(forecast.status).toBe(204);

    const error = await dso.waitFor('group_capacity_compliance_error');

    expect(error.correlationId).toBe(forecast.requestId);
    const body = error.body as { message: string; forecasted_blocks: { capacity: number; unit: string }[] };
    expect(body.message).toMatch(/cannot keep the forecast capacity/);
    expect(body.forecasted_blocks).toEqual([
      { capacity: 32, phase: 'ALL', unit: 'A', start_time: expect.any(String), end_time: expect.any(String) },
    ]);
    // Re-plans of the same forecast do not repeat it.
    await chargers[0].statusNotification(1, 'SuspendedEV');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dso.received.filter((m) => m.path === 'group_capacity_compliance_error')).toHaveLength(1);
  });

  it('sends an adjust request the CPO makes through the admin API', async () => {
    const request = {
      group_id: GROUP,
      type: 'CONSUMPTION',
      forecasted_blocks: [{ capacity: 80, phase: 'ALL', unit: 'A', start_time: at(60), end_time: at(120) }],
    };
    const queued = await controller.admin
      .post(`/api/v1/dso-peers/${peerId}/adjust-requests`, request)
      .expect(202);

    const adjust = await dso.waitFor('adjust_group_capacity_forecast');
    expect(adjust.requestId).toBe(queued.body.requestId);
    expect(adjust.body).toEqual(request);
  });

  it('refuses an invalid adjust request with 400, sending nothing', async () => {
    const response = await controller.admin
      .post(`/api/v1/dso-peers/${peerId}/adjust-requests`, {
        group_id: GROUP,
        type: 'MORE',
        forecasted_blocks: [],
      })
      .expect(400);
    expect(response.body.message).toMatch(/type must be one of the following values/);
    expect(response.body.message).toMatch(/forecasted_blocks must contain at least 1/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(dso.received.filter((m) => m.path === 'adjust_group_capacity_forecast')).toHaveLength(1);
  });

  it('asks the DSO for more capacity on its own when its forecast leaves the EVs short (autoAdjust)', async () => {
    await withPeer('dso-auto', { autoAdjust: true }, 40, async (other, forecastRequestId) => {
      const adjust = await other.waitFor('adjust_group_capacity_forecast');

      expect(adjust.correlationId).toBe(forecastRequestId);
      // Two EVs present at 32 A each on three phases, within the site's 63 A connection; one block per
      // stretch of the group's limit.
      const body = adjust.body as { group_id: string; type: string; forecasted_blocks: object[] };
      expect(body).toMatchObject({ group_id: GROUP, type: 'CONSUMPTION' });
      expect(body.forecasted_blocks.length).toBeGreaterThan(0);
      for (const block of body.forecasted_blocks) {
        expect(block).toEqual({
          capacity: 63,
          phase: 'ALL',
          unit: 'A',
          start_time: expect.any(String),
          end_time: expect.any(String),
        });
      }
      // Re-plans of the same forecast do not repeat it.
      await chargers[1].statusNotification(1, 'SuspendedEVSE');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(other.received.filter((m) => m.path === 'adjust_group_capacity_forecast')).toHaveLength(1);
    });
  });
});

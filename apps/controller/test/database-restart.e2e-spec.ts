import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PrivatePostgres } from '@gridflex/persistence/testing';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import {
  connectCharger,
  registerCharger,
  sendCurrentForecast,
  startController,
  TestController,
  waitFor,
} from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-db-restart';

type Profile = {
  connectorId: number;
  csChargingProfiles: { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } };
};
const limited = (limit: number) => (p: Profile) =>
  p.connectorId === 1 && p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === limit;

/** The database restarts under a running controller: what it accepted stays, and it goes on working. */
describe('a PostgreSQL restart', () => {
  let postgres: PrivatePostgres;
  let controller: TestController;
  let dso: SimulatedDso;
  let charger: SimulatedCharger;

  beforeAll(async () => {
    postgres = await PrivatePostgres.start();
    controller = await startController({ DATABASE_URL: postgres.url });
    await controller.admin
      .post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] })
      .expect(201);
    const site = await controller.admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await registerCharger(controller, site.body.id, 'PG-1');
    charger = await connectCharger(controller, 'PG-1');
    await charger.statusNotification(1, 'Charging');
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
  });

  afterAll(async () => {
    await charger.close();
    await controller.app.close();
    postgres.destroy();
  });

  const forecast = (capacityA: number) => sendCurrentForecast(dso, GROUP, capacityA);

  async function storedForecasts(): Promise<number> {
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return Number((await client.query('select count(*) as n from capacity_forecasts')).rows[0].n);
    } finally {
      await client.end();
    }
  }

  it('refuses what it cannot store while the database is down, and keeps everything it accepted', async () => {
    expect((await forecast(20)).status).toBe(204);
    await charger.waitForProfile<Profile>(limited(20), 20_000);

    postgres.stopHard();
    const refused = await forecast(16);
    expect(refused.status).toBeGreaterThanOrEqual(500);

    await postgres.restart();
    const accepted = await waitFor(async () => ((await forecast(12)).status === 204 ? true : undefined));
    expect(accepted).toBe(true);
    await charger.waitForProfile<Profile>(limited(12), 20_000);
    expect(await storedForecasts()).toBeGreaterThanOrEqual(2);
  });
});

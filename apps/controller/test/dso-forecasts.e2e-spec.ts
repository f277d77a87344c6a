import { randomBytes } from 'node:crypto';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController } from './test-controller';

const TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-forecasts';

type Profile = {
  csChargingProfiles: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
  };
};

describe('DSO forecasts with per-peer conversions, replacement and segments reach the charger', () => {
  let controller: TestController;
  let dso: SimulatedDso;
  let charger: SimulatedCharger;

  beforeAll(async () => {
    controller = await startController();
    const { admin } = controller;
    await admin
      .post('/api/v1/dso-peers', {
        name: 'dso',
        token: TOKEN,
        groupIds: [GROUP],
        options: { phaseAll: 'TOTAL', nominalVoltageV: 230 },
      })
      .expect(201);
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 240,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await registerCharger(controller, site.body.id, 'CP-S');
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: TOKEN });
    charger = await connectCharger(controller, 'CP-S');
    await charger.boot();
    await charger.statusNotification(1, 'Preparing');
    await charger.startTransaction(1, 'TAG-S', 0);
    await charger.statusNotification(1, 'Charging');
  });

  afterAll(async () => {
    await charger.close();
    await controller.app.close();
  });

  const now = Date.now();
  const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
  const block = (capacity: number, unit: string, from: number, to: number, phase = 'ALL') => ({
    capacity,
    phase,
    unit,
    start_time: at(from),
    end_time: at(to),
  });
  /**
   * The next TxProfile with these limits, received after the call. Each ends at 0 A: after the DSO's last
   * block its gap capacity applies, and it sent no fallback, so that is its safe default (0 A).
   */
  const nextProfile = (expected: number[]) => {
    const since = charger.receivedProfiles.length;
    return charger.waitForProfile<Profile>(
      (p) =>
        charger.receivedProfiles.indexOf(p as never) >= since &&
        p.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((x) => x.limit).join() ===
          expected.join(),
      20_000,
    );
  };

  it('reads ALL amperes as a three-phase total, as the peer option says', async () => {
    const profile = nextProfile([20, 0]);
    const reply = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'CONSUMPTION',
      blocks: [block(60, 'A', -5, 60)],
    });
    expect(reply.status).toBe(204);
    await profile;
  });

  it('replaces the older forecast within the newer span only, keeping the rest of it', async () => {
    const profile = nextProfile([10, 20, 0]);
    await dso.sendCapacityForecast({ groupId: GROUP, type: 'CONSUMPTION', blocks: [block(30, 'A', -5, 30)] });
    await profile;
  });

  it('joins a segmented forecast and converts kW with the peer voltage, not the site one', async () => {
    // Its ALL blocks span -5 to 20 min: from 20 to 30 min the previous forecast's 10 A still applies, and
    // on L1 the lower 8 A; from 30 to 60 min the first forecast's 20 A.
    const profile = nextProfile([20, 10, 8, 20, 0]);
    const replies = await dso.sendSegmentedCapacityForecast(
      {
        groupId: GROUP,
        type: 'CONSUMPTION',
        // 13.8 kW over three phases at 230 V is 20 A per phase; 6.9 kW is 10 A; 8 A on L1 alone.
        blocks: [block(13.8, 'KW', -5, 10), block(6.9, 'KW', 10, 20), block(8, 'A', 20, 30, 'ONE')],
      },
      3,
    );
    expect(replies.map((r) => r.status)).toEqual([204, 204, 204]);
    await profile;
  });
});

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { chromium } from 'playwright-core';
import request from 'supertest';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import {
  connectCharger,
  registerCharger,
  sendCurrentForecast,
  startController,
  TestController,
  TEST_API_KEY,
  waitFor,
} from './test-controller';

const INITIAL_TOKEN = randomBytes(24).toString('hex');
const REFUSING_GROUP = 'grp-refusing';
const METERED_GROUP = 'grp-metered';

type Warning = {
  kind: string;
  name: string;
  phases: { phase: string; reservedA: number; limitA: number }[];
  totalKw: { reservedKw: number; limitKw: number } | null;
};
type EnergyMeasurement = { value: number };
type ChargerView = { identity: string; connectors: { uncontrollableReason: string | null }[] };

/** The value of one series in a Prometheus text exposition; 0 when the series is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/**
 * What third-party peers do to us, each reported or counted truthfully: stations that refuse every profile,
 * a composite schedule that says nothing, meter registers that restart at 0 and stops sent twice.
 */
describe('limits that cannot be kept, verification and meter registers, told as they are', () => {
  let controller: TestController;
  let server: Server;
  let dso: SimulatedDso;
  const chargers: SimulatedCharger[] = [];
  let refusingSiteId: string;
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);

  beforeAll(async () => {
    controller = await startController({ OSCP_MEASUREMENT_PERIOD_S: 1, OCPP_VERIFY_PROFILES: 'always' });
    server = controller.app.getHttpServer() as Server;
    await controller.admin
      .post('/api/v1/dso-peers', {
        name: 'dso',
        token: INITIAL_TOKEN,
        groupIds: [REFUSING_GROUP, METERED_GROUP],
      })
      .expect(201);
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: INITIAL_TOKEN });
    await dso.listen();
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitFor(() => Promise.resolve(dso.currentToken !== INITIAL_TOKEN ? true : undefined));
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await dso?.close();
    await controller?.app.close();
  });

  async function createSite(name: string, groupId: string | null): Promise<string> {
    const { body } = await controller.admin
      .post('/api/v1/sites', { name, groupId, nominalVoltageV: 230, gridLimitA: { l1: 63, l2: 63, l3: 63 } })
      .expect(201);
    return body.id as string;
  }

  const scrape = async () => (await request(server).get('/metrics').expect(200)).text;
  const errorsToDso = () => dso.received.filter((m) => m.path === 'group_capacity_compliance_error');

  it('reports five 2.0.1 stations answering NotImplemented over a 63 A site with a 24 A forecast', async () => {
    const siteId = await createSite('Refusing depot', REFUSING_GROUP);
    refusingSiteId = siteId;
    const before = await scrape();
    for (let i = 1; i <= 5; i++) {
      const identity = `CS-NI-${i}`;
      await registerCharger(controller, siteId, identity, { ocppVersion: '2.0.1' });
      const station = await connectCharger(controller, identity, {
        ocppVersion: '2.0.1',
        profileCallError: 'NotImplemented',
      });
      chargers.push(station);
      await station.boot();
      await station.statusNotification(1, 'Occupied');
    }
    const reasons = await waitFor(async () => {
      const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
      const all = (body as ChargerView[]).map((c) => c.connectors[0].uncontrollableReason);
      return all.every((reason) => reason !== null) ? all : undefined;
    }, 600);
    expect(new Set(reasons)).toEqual(new Set(['SetChargingProfile answered NotImplemented']));
    // The forecast comes once all five refused: the error then reports the whole of their load.
    const forecast = await sendCurrentForecast(dso, REFUSING_GROUP, 24);
    expect(forecast.status).toBe(204);

    const over = (limitA: number) => ['L1', 'L2', 'L3'].map((phase) => ({ phase, reservedA: 160, limitA }));
    const warnings = await waitFor(async () => {
      const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200);
      const found = body.warnings as Warning[];
      return found.length === 2 && found[0].phases[0]?.reservedA === 160 ? found : undefined;
    }, 600);
    expect(warnings).toEqual([
      expect.objectContaining({ kind: 'group', name: REFUSING_GROUP, phases: over(24) }),
      expect.objectContaining({ kind: 'site', name: 'Refusing depot', phases: over(63) }),
    ]);

    const { body: snapshot } = await controller.admin.get('/dashboard/api/snapshot').expect(200);
    const site = (snapshot.sites as { id: string; warnings: Warning[] }[]).find((s) => s.id === siteId)!;
    expect(site.warnings.map((w) => w.kind)).toEqual(['group', 'site']);
    const group = (snapshot.groups as { groupId: string; warnings: Warning[] }[]).find(
      (g) => g.groupId === REFUSING_GROUP,
    )!;
    expect(group.warnings.map((w) => w.kind)).toEqual(['group', 'site']);

    const error = await dso.waitFor('group_capacity_compliance_error', () => true, 30_000);
    expect(error.correlationId).toBe(forecast.requestId);
    const body = error.body as { message: string; forecasted_blocks: { capacity: number; unit: string }[] };
    expect(body.message).toMatch(/cannot keep the forecast capacity.* 160 A on L1 against 24 A/);
    expect(body.forecasted_blocks).toEqual([
      {
        capacity: 160,
        phase: 'ALL',
        unit: 'A',
        start_time: expect.any(String),
        end_time: expect.any(String),
      },
    ]);

    // Re-plans of the same episode repeat nothing: no second error, no second count.
    await chargers[0].statusNotification(1, 'Available');
    await chargers[0].statusNotification(1, 'Occupied');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await scrape();
    expect(errorsToDso()).toHaveLength(1);
    for (const kind of ['group', 'site']) {
      const series = `gridflex_limit_infeasible_total{scope_kind="${kind}"}`;
      expect(sample(after, series) - sample(before, series)).toBe(1);
    }
    expect(sample(after, 'gridflex_limit_infeasible_nodes{scope_kind="group"}')).toBe(1);
    expect(sample(after, 'gridflex_limit_infeasible_nodes{scope_kind="site"}')).toBe(1);
  });

  it("reports a refusing station whose maximum alone exceeds its site's total-power limit, in kW", async () => {
    const { body: site } = await controller.admin
      .post('/api/v1/sites', {
        name: 'Small kW depot',
        groupId: null,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
        totalLimitKw: 20,
      })
      .expect(201);
    const identity = 'CS-NI-KW';
    await registerCharger(controller, site.id as string, identity, { ocppVersion: '2.0.1' });
    const station = await connectCharger(controller, identity, {
      ocppVersion: '2.0.1',
      profileCallError: 'NotImplemented',
    });
    chargers.push(station);
    await station.boot();
    await station.statusNotification(1, 'Occupied');
    const warnings = await waitFor(async () => {
      const { body } = await controller.admin.get(`/api/v1/sites/${site.id}/plan`).expect(200);
      const found = body.warnings as Warning[];
      return found.length === 1 ? found : undefined;
    }, 600);
    expect(warnings).toEqual([
      expect.objectContaining({
        kind: 'site',
        name: 'Small kW depot',
        phases: [],
        totalKw: { reservedKw: 22.1, limitKw: 20 },
        message:
          'Unsteered load alone exceeds the limit of site "Small kW depot": total 22.1 kW reserved > 20 kW limit',
      }),
    ]);
  });

  it('shows the warnings on the dashboard page, in the group card and the site card', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://${controller.host}/dashboard#key=${TEST_API_KEY}`);
      const siteWarning = page.locator(
        `[data-key="site:${refusingSiteId}"] [data-warning="site:${refusingSiteId}"]`,
      );
      await siteWarning.waitFor({ timeout: 20_000 });
      expect(await siteWarning.textContent()).toContain('L1 160 A unsteered > 63 A limit');
      const groupWarning = page.locator(
        `[data-key="group:${REFUSING_GROUP}"] [data-warning="group:${REFUSING_GROUP}"]`,
      );
      expect(await groupWarning.textContent()).toContain('L1 160 A unsteered > 24 A limit');
    } finally {
      await browser.close();
    }
  });

  it('sends a CONTINUOUS group register that does not go back when a charger restarts its meter at 0', async () => {
    const siteId = await createSite('Metered depot', METERED_GROUP);
    await registerCharger(controller, siteId, 'CP-METER');
    const charger = await connectCharger(controller, 'CP-METER', { meterRegisterStartWh: 3_743 });
    chargers.push(charger);
    await charger.boot();
    await charger.statusNotification(1, 'Charging');
    const forecast = {
      groupId: METERED_GROUP,
      type: 'CONSUMPTION',
      blocks: [
        {
          capacity: 60,
          phase: 'ALL',
          unit: 'A',
          start_time: at(-5).toISOString(),
          end_time: at(60).toISOString(),
        },
      ],
    };
    expect((await dso.sendCapacityForecast(forecast)).status).toBe(204);
    // Readings a minute apart: 121 Wh in a minute is what a 32 A connector can deliver.
    await charger.meterValues(1, { powerW: 7_000 }, at(-3));
    expect((await dso.handshake({ measurement_configuration: ['CONTINUOUS'] })).status).toBe(204);
    const values = () =>
      dso.received
        .filter((m) => m.path === 'update_group_measurements')
        .map((m) => m.body as { group_id: string; measurements: EnergyMeasurement[] })
        .filter((b) => b.group_id === METERED_GROUP)
        .map((b) => b.measurements[0].value);

    await waitFor(() => Promise.resolve(values().includes(3_743) ? true : undefined), 300);
    charger.resetRegister(1);
    await charger.meterValues(1, { powerW: 7_000 }, at(-2));
    charger.advanceRegister(1, 121);
    await charger.meterValues(1, { powerW: 7_000 }, at(-1));
    await waitFor(() => Promise.resolve(values().includes(3_864) ? true : undefined), 300);

    const sent = values();
    expect(sent.every((value, i) => i === 0 || value >= sent[i - 1])).toBe(true);
    expect(Math.min(...sent)).toBe(3_743);
  });

  it('records an accepted but empty composite schedule as unverifiable in the plan and the metric', async () => {
    const siteId = await createSite('Unverifiable', null);
    await registerCharger(controller, siteId, 'CP-EMPTY');
    const before = sample(await scrape(), 'gridflex_dispatch_verifications_total{result="unverifiable"}');
    const charger = await connectCharger(controller, 'CP-EMPTY', { emptyCompositeSchedule: true });
    chargers.push(charger);
    await charger.boot();

    const verification = await waitFor(async () => {
      const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200);
      return (
        (body.connectors as { verification: { result: string; detail: string } | null }[])[0]?.verification ??
        undefined
      );
    }, 300);
    expect(verification).toMatchObject({
      result: 'unverifiable',
      detail: 'Charger accepted but returned no schedule',
    });
    const after = sample(await scrape(), 'gridflex_dispatch_verifications_total{result="unverifiable"}');
    expect(after).toBeGreaterThan(before);
  });

  it('takes a StopTransaction or TransactionEvent Ended sent twice as one stop', async () => {
    const siteId = await createSite('Twice stopped', null);
    await registerCharger(controller, siteId, 'CP-STOP16');
    await registerCharger(controller, siteId, 'CS-STOP201', { ocppVersion: '2.0.1' });
    const cp = await connectCharger(controller, 'CP-STOP16', { duplicateStops: true });
    const cs = await connectCharger(controller, 'CS-STOP201', { ocppVersion: '2.0.1', duplicateStops: true });
    chargers.push(cp, cs);
    await cp.boot();
    await cs.boot();

    const first = await cp.startTransaction(1, 'TAG-1', 0);
    await cp.stopTransaction(first, 500, 'Local');
    await cs.transactionEvent('Started', { transactionId: 'tx-1', evseId: 1, idToken: 'TAG-2' });
    await cs.transactionEvent('Ended', { transactionId: 'tx-1', stoppedReason: 'Local' });

    // Both chargers move on: a new session each is planned and gets its TxProfile.
    const second = await cp.startTransaction(1, 'TAG-1', 500);
    expect(second).not.toBe(first);
    await cs.transactionEvent('Started', { transactionId: 'tx-2', evseId: 1, idToken: 'TAG-2' });
    await cp.waitForProfile((p) => p.csChargingProfiles.transactionId === second, 30_000);
    await cs.waitForProfile<{ chargingProfile: { transactionId?: string } }>(
      (p) => p.chargingProfile.transactionId === 'tx-2',
      30_000,
    );
  });
});

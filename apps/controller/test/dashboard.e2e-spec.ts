import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { DashboardService, DashboardSnapshot } from '@gridflex/dashboard';
import { SimulatedCharger, SimulatedDso } from '@gridflex/simulator';
import { launchBrowser } from './browser';
import { startController, TEST_API_KEY, TestController, waitFor } from './test-controller';

const DSO_TOKEN = randomBytes(24).toString('hex');
const GROUP = 'grp-dash';
const SITE_LIMIT_A = 40;
const DSO_CAPACITY_A = 24;

/** `docs/dashboard.png` with `UPDATE_SCREENSHOT=1` (the README's picture), a temporary file otherwise. */
function screenshotPath(): string {
  if (process.env.UPDATE_SCREENSHOT === '1')
    return join(__dirname, '..', '..', '..', 'docs', 'dashboard.png');
  const dir = join(tmpdir(), 'gridflex-dashboard-e2e');
  mkdirSync(dir, { recursive: true });
  return join(dir, 'dashboard.png');
}

const EV_SOC_PERCENT = 42;

/**
 * Each EV draws what its connector is offered now (the charger's composite of the profiles it accepted); the
 * 3-phase one also reports its state of charge.
 */
async function drawOffered(charger: SimulatedCharger, phases: 1 | 3): Promise<void> {
  const offered = charger.offeredCurrentA(1) ?? 0;
  const currentA: [number, number, number] = phases === 3 ? [offered, offered, offered] : [offered, 0, 0];
  await charger.meterValues(1, {
    currentA,
    powerW: offered * 230 * phases,
    ...(phases === 3 && { socPercent: EV_SOC_PERCENT }),
  });
}

/** Every instant where both are known: measured load at or under the limit line, per phase. */
function underLimit(chart: DashboardSnapshot['sites'][number]['chart']): boolean {
  return [0, 1, 2].every((phase) =>
    chart.t.every((_, i) => {
      const [measured, limit] = [chart.measured[phase][i], chart.limit[phase][i]];
      return measured === null || limit === null || measured <= limit + 1e-9;
    }),
  );
}

describe('the operations dashboard', () => {
  let controller: TestController;
  let siteId: string;
  let browser: Browser | undefined;
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    controller = await startController();
    const { admin } = controller;
    await admin
      .post('/api/v1/dso-peers', { name: 'dso-dash', token: DSO_TOKEN, groupIds: [GROUP] })
      .expect(201);
    const site = await admin
      .post('/api/v1/sites', {
        name: 'Depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: SITE_LIMIT_A, l2: SITE_LIMIT_A, l3: SITE_LIMIT_A },
      })
      .expect(201);
    siteId = site.body.id;
    await admin
      .post(`/api/v1/sites/${siteId}/chargers`, {
        identity: 'DASH-16',
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      })
      .expect(201);
    await admin
      .post(`/api/v1/sites/${siteId}/chargers`, {
        identity: 'DASH-201',
        ocppVersion: '2.0.1',
        phaseRotation: ['L2', 'L3', 'L1'],
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 1 }],
      })
      .expect(201);

    const endpoint = `ws://${controller.host}/ocpp`;
    const cp16 = new SimulatedCharger({ endpoint, identity: 'DASH-16', connectorCount: 1 });
    const cp201 = new SimulatedCharger({
      endpoint,
      identity: 'DASH-201',
      ocppVersion: '2.0.1',
      connectorCount: 1,
    });
    chargers.push(cp16, cp201);
    await Promise.all(chargers.map(async (c) => (await c.connect(), await c.boot())));
    await cp16.statusNotification(1, 'Preparing');
    await cp16.startTransaction(1, 'TAG-16', 0);
    await cp16.statusNotification(1, 'Charging');
    await cp201.transactionEvent('Started', {
      transactionId: 'tx-dash',
      evseId: 1,
      idToken: 'TAG-201',
      chargingState: 'Charging',
    });
    await cp201.statusNotification(1, 'Occupied');

    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
    const forecast = await dso.sendCapacityForecast({
      groupId: GROUP,
      type: 'CONSUMPTION',
      blocks: [
        { capacity: DSO_CAPACITY_A, phase: 'ALL', unit: 'A', start_time: at(-5), end_time: at(30) },
        { capacity: DSO_CAPACITY_A / 2, phase: 'ALL', unit: 'A', start_time: at(30), end_time: at(90) },
      ],
    });
    expect(forecast.status).toBe(204);

    // The 3-phase EV and the single-phase one (on grid L2) share L2's 24 A: 12 A each, once planned and sent.
    await waitFor(() =>
      Promise.resolve(cp16.offeredCurrentA(1) === 12 && cp201.offeredCurrentA(1) === 12 ? true : undefined),
    );
    const dashboard = controller.app.get(DashboardService);
    for (let sample = 0; sample < 3; sample++) {
      await drawOffered(cp16, 3);
      await drawOffered(cp201, 1);
      await dashboard.sampleLoads();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(chargers.map((c) => c.close()));
    await controller.app.close();
  });

  it('serves the data only with the admin key, by header or by the HttpOnly session cookie', async () => {
    const server = controller.app.getHttpServer();
    await request(server).get('/dashboard/api/snapshot').expect(401);
    await request(server).get('/dashboard/api/snapshot').set('X-API-Key', 'not-the-key-at-all').expect(401);
    await request(server).post('/dashboard/session').send({ key: 'not-the-admin-key-1234' }).expect(401);
    await request(server).post('/dashboard/session').send({}).expect(400);

    const signIn = await request(server).post('/dashboard/session').send({ key: TEST_API_KEY }).expect(204);
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TEST_API_KEY);
    const withCookie = await request(server)
      .get('/dashboard/api/snapshot')
      .set('Cookie', cookie.split(';')[0]);
    expect(withCookie.status).toBe(200);
    const basic = Buffer.from(`admin:${TEST_API_KEY}`).toString('base64');
    await request(server).get('/dashboard/api/snapshot').set('Authorization', `Basic ${basic}`).expect(200);
    await request(server).get('/dashboard').expect(200).expect('Content-Type', /html/);
    await request(server).get('/dashboard/assets/uPlot.iife.min.js').expect(200);
    await request(server).get('/dashboard/assets/..%2Fpackage.json').expect(404);
  });

  it('shows peers, capacity, plans, readings and the reasons in the snapshot', async () => {
    // Dispatch outcomes are recorded once the chargers' answers are in.
    const snapshot = await waitFor(async () => {
      const { body } = await controller.admin.get('/dashboard/api/snapshot').expect(200);
      const connectors = (body as DashboardSnapshot).sites.flatMap((s) => s.connectors);
      return connectors.every((c) => c.dispatch?.status === 'accepted')
        ? (body as DashboardSnapshot)
        : undefined;
    });
    expect(snapshot.peers).toEqual([expect.objectContaining({ name: 'dso-dash', link: 'UNKNOWN' })]);
    const group = snapshot.groups.find((g) => g.groupId === GROUP)!;
    expect(group.capacityNowA).toEqual([DSO_CAPACITY_A, DSO_CAPACITY_A, DSO_CAPACITY_A]);
    expect(group.capacitySource).toBe('forecast');
    // The curtailment ahead is already on the chart.
    expect(group.chart.limit[0]).toContain(DSO_CAPACITY_A / 2);
    const site = snapshot.sites.find((s) => s.id === siteId)!;
    expect(site.gridLimitA).toEqual([SITE_LIMIT_A, SITE_LIMIT_A, SITE_LIMIT_A]);
    const cp16 = site.connectors.find((c) => c.chargerIdentity === 'DASH-16')!;
    const cp201 = site.connectors.find((c) => c.chargerIdentity === 'DASH-201')!;
    expect(cp16).toMatchObject({
      ocppVersion: '1.6',
      status: 'Charging',
      evPresent: true,
      chargerConnected: true,
    });
    expect(cp201).toMatchObject({ ocppVersion: '2.0.1', status: 'Occupied', evPresent: true, phases: 1 });
    // Nobody told either session a wish; only the 3-phase EV reports its state of charge.
    expect([cp16.wishSource, cp16.socPercent]).toEqual(['default', EV_SOC_PERCENT]);
    expect([cp201.wishSource, cp201.socPercent]).toEqual(['default', null]);
    // Both share grid L2 (the single-phase EVSE is wired to it): 12 A each.
    expect(cp16.limitA).toBe(12);
    expect(cp201.limitA).toBe(12);
    expect(cp16.dispatch?.status).toBe('accepted');
    expect(cp16.explanation).toMatch(/shares group "grp-dash"'s L2 limit of 24 A/);
    expect(cp16.measuredA).toEqual([12, 12, 12]);
    // Measured per grid phase: the single-phase EVSE's L1 is grid L2.
    expect(site.measuredNowA).toEqual([12, 24, 12]);
    expect(group.measuredNowA).toEqual([12, 24, 12]);
    // Three samples and now, at least.
    expect(site.chart.measured[1].filter((a) => a !== null).length).toBeGreaterThanOrEqual(4);
    expect(underLimit(site.chart)).toBe(true);
    expect(underLimit(group.chart)).toBe(true);
  });

  it('draws it in a browser: connector rows with their limits, charts with points under the limit line', async () => {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(`http://${controller.host}/dashboard#key=${TEST_API_KEY}`);

    const limitCell = page.locator('[data-connector="DASH-16/1"] [data-field="limit"]');
    await limitCell.waitFor({ timeout: 20_000 });
    expect(await limitCell.textContent()).toBe('12.0');
    expect(await page.locator('[data-connector="DASH-201/1"] [data-field="limit"]').textContent()).toBe(
      '12.0',
    );
    expect(await page.locator('[data-peer="dso-dash"]').textContent()).toContain('UNKNOWN');
    const cell = (field: string) => page.locator(`[data-connector="DASH-16/1"] [data-field="${field}"]`);
    expect([await cell('wish').textContent(), await cell('soc').textContent()]).toEqual([
      'default',
      `${EV_SOC_PERCENT} %`,
    ]);
    // Which source sets the group's capacity now.
    expect(await page.locator(`[data-key="group:${GROUP}"] .summary`).textContent()).toContain('(forecast)');
    // The key does not stay in the address bar (nor in history).
    expect(page.url()).not.toContain(TEST_API_KEY);

    for (const key of [`site:${siteId}`, `group:${GROUP}`]) {
      for (const phase of ['L1', 'L2', 'L3']) {
        await expect(page.locator(`[data-chart="${key}:${phase}"] canvas`).count()).resolves.toBe(1);
      }
    }
    // The series the page drew, read back from its charts.
    const drawn = await page.evaluate(() => {
      type Charts = { gridflexDashboard: { charts: Map<string, { data: (number | null)[][] }> } };
      const { charts } = (globalThis as unknown as Charts).gridflexDashboard;
      return Object.fromEntries([...charts].map(([id, chart]) => [id, chart.data]));
    });
    const siteL2 = drawn[`site:${siteId}:L2`];
    const [, limit, , measured] = siteL2;
    const measuredPoints = measured.map((a, i) => [a, limit[i]]).filter(([a]) => a !== null);
    expect(measuredPoints.length).toBeGreaterThanOrEqual(4);
    expect(measuredPoints.every(([a, l]) => a! <= l!)).toBe(true);
    const [, capacity, , groupMeasured] = drawn[`group:${GROUP}:L2`];
    expect(groupMeasured.every((a, i) => a === null || a <= capacity[i]!)).toBe(true);

    await page.screenshot({ path: screenshotPath(), fullPage: true });
  });
});

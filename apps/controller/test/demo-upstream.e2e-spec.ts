import { AdminClient, DEMO_SITES, DemoFleet, upstreamProgress, UpstreamCsms } from '@gridflex/simulator';
import { startController, TEST_API_KEY, TestController, waitFor } from './test-controller';

const CHARGERS = DEMO_SITES.flatMap((site) => site.chargers).length;
const CONNECTORS = DEMO_SITES.flatMap((site) => site.chargers.flatMap((c) => c.connectors)).length;
const HOUR_MS = 3_600_000;

/**
 * `DEMO_UPSTREAM=1 npm run demo`'s proxy mode, its parts driven as the demo drives them: the demo's CSMS as
 * every site's default upstream, the demo's fleet connecting through gridflex, the progress line it prints.
 */
describe('the demo in proxy mode: its fleet behind gridflex, in front of the demo CSMS', () => {
  let controller: TestController;
  let csms: UpstreamCsms;
  let fleet: DemoFleet;
  let admin: AdminClient;
  const logged: string[] = [];

  beforeAll(async () => {
    controller = await startController();
    csms = await UpstreamCsms.start({ log: (line) => logged.push(line) });
    admin = new AdminClient(`http://${controller.host}`, TEST_API_KEY);
    await DemoFleet.configure(admin, csms.endpoint);
    // Three EVs at once: the first connectors of the three sites, 1.6 and 2.0.1.
    const sessions = ['a', 'b', 'c'].map((id) => ({
      id,
      arriveAtMs: 0,
      leaveAtMs: 10 * HOUR_MS,
      energyWh: 40_000,
    }));
    fleet = new DemoFleet(sessions);
  });

  afterAll(async () => {
    await fleet?.close();
    await controller?.app.close();
    await csms?.close();
  });

  it("makes the demo CSMS every site's default upstream", async () => {
    const sites = await admin.get<{ id: string; upstreamUrl: string | null }[]>('/api/v1/sites');
    expect(sites.map((site) => site.upstreamUrl)).toEqual(DEMO_SITES.map(() => csms.endpoint));
    const chargers = await admin.get<{ effectiveUpstream: { source: string } | null }[]>(
      `/api/v1/sites/${sites[0].id}/chargers`,
    );
    expect(chargers.map((c) => c.effectiveUpstream?.source)).toEqual(chargers.map(() => 'site'));
  });

  it("forwards the fleet's boots, transactions and meter values to the CSMS, and shows its counts", async () => {
    await fleet.connect(`ws://${controller.host}/ocpp`);
    await fleet.replay(1000);
    await fleet.meter(5, 60);
    const count = (action: string) => csms.received.get(action) ?? 0;
    await waitFor(() => Promise.resolve(count('BootNotification') === CHARGERS || undefined));
    expect(csms.connected.size).toBe(CHARGERS);
    // Two 1.6 chargers (Garage North, Visitor Lot) and one 2.0.1 station (Garage South) got an EV.
    expect(count('StartTransaction')).toBe(2);
    expect(count('TransactionEvent')).toBe(1);
    // One reading per connector, forwarded as the charger sent it.
    expect(count('MeterValues')).toBe(CONNECTORS);
    expect(logged.filter((line) => line.includes('StartTransaction from'))).toEqual([
      expect.stringContaining('"transactionId":900001'),
      expect.stringContaining('"transactionId":900002'),
    ]);
    const progress = upstreamProgress(csms);
    expect(progress).toMatch(new RegExp(`^  upstream CSMS ${CHARGERS} chargers connected · received `));
    expect(progress).toContain(`MeterValues ${CONNECTORS}`);
    expect(progress).toContain(`BootNotification ${CHARGERS}`);
    expect(progress).toContain('StartTransaction 2');
  });
});

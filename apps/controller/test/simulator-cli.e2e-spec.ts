import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { startController, TestController, waitFor } from './test-controller';

type PlanBody = {
  connectors: {
    chargerIdentity: string;
    version: number;
    dispatch: { status: string; version: number | null };
  }[];
};

/** `npm run simulator`'s program, run as a process against a running controller, for each OCPP version. */
describe.each(['1.6', '2.0.1'] as const)('the simulator CLI over OCPP %s', (ocppVersion) => {
  let controller: TestController;
  let simulator: ChildProcess;
  let siteId: string;
  const output: string[] = [];

  beforeAll(async () => {
    controller = await startController();
    const site = await controller.admin
      .post('/api/v1/sites', { name: 'Sim', nominalVoltageV: 230, gridLimitA: { l1: 40, l2: 40, l3: 40 } })
      .expect(201);
    siteId = site.body.id;
    for (const identity of ['CLI-1', 'CLI-2']) {
      await controller.admin
        .post(`/api/v1/sites/${siteId}/chargers`, {
          identity,
          ocppVersion,
          connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
        })
        .expect(201);
    }
    simulator = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(__dirname, '../../simulator/src/main.ts')],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          SIM_CONTROLLER_URL: `http://${controller.host}`,
          SIM_CHARGERS: 'CLI-1,CLI-2',
          SIM_OCPP_VERSION: ocppVersion,
          SIM_METER_INTERVAL_S: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    simulator.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    simulator.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  });

  afterAll(async () => {
    const exited = once(simulator, 'exit');
    simulator.kill('SIGINT');
    await exited;
    await controller.app.close();
  });

  it('connects its chargers, starts their sessions, and draws what the plan allows', async () => {
    const plan = await waitFor(async () => {
      const body = (await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200)).body as PlanBody;
      const accepted = body.connectors.filter(
        (c) => c.dispatch.status === 'accepted' && c.dispatch.version === c.version,
      );
      return accepted.length === 2 ? body : undefined;
    });
    expect(plan.connectors.map((c) => c.chargerIdentity).sort()).toEqual(['CLI-1', 'CLI-2']);
    // Two EVs share the 40 A site: each draws the 20 A it was planned.
    await waitFor(() =>
      Promise.resolve(output.join('').includes('CLI-2/1: drawing 20 A per phase') || undefined),
    );
    expect(output.join('')).toContain(`CLI-1: connected over OCPP ${ocppVersion}, 1 EV(s) charging`);
  });
});

import { randomBytes } from 'node:crypto';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import {
  buildScenario,
  formatSoak,
  runSoak,
  type SoakController,
  type SoakResult,
} from '@gridflex/simulator';
import { buildController, ControllerProcess, startControllerProcess } from './controller-process';
import { TEST_API_KEY } from './test-controller';

const SPEED = 60;

/** The soak's controller handle on a `startControllerProcess` child, restarted on the same port. */
class TestSoakController implements SoakController {
  private process?: ControllerProcess;
  /** Every process started, so that none outlives the test. */
  private readonly started: ControllerProcess[] = [];

  constructor(private readonly env: Record<string, string>) {}

  get baseUrl(): string {
    return `http://${this.process!.host}`;
  }

  readonly admin = async <T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> => {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'X-API-Key': TEST_API_KEY, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  async start(): Promise<void> {
    await this.restart();
    this.env.PORT = this.process!.host.split(':')[1];
  }

  async restart(): Promise<void> {
    this.process = await startControllerProcess(this.env);
    this.started.push(this.process);
  }

  async kill(): Promise<void> {
    await this.process?.kill();
  }

  async stop(): Promise<void> {
    const running = this.started.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    await Promise.all(running.map((p) => p.stop()));
  }
}

/**
 * A short run of the soak (`npm run soak`) inside `npm test`: the built controller against nine simulated
 * chargers (1.6 and 2.0.1, one- and three-phase, rotated, on a feeder circuit) and a DSO sending a day-ahead
 * forecast in `+08:00` with its fallback, then a curtailment and an emergency inside a day-ahead block, with
 * one `kill -9` and restart of the controller. The grid-safety checker, fed only with what went over the
 * wire, must find no violation of the invariant on what the chargers accepted or on what they drew.
 */
describe('grid safety (short soak)', () => {
  let database: { url: string; drop(): Promise<void> };
  let controller: TestSoakController;
  let result: SoakResult;

  beforeAll(async () => {
    buildController();
    database = await createSharedPostgresDatabase();
    controller = new TestSoakController({
      DATABASE_URL: database.url,
      QUEUE_PREFIX: `gridflex-safety-${randomBytes(4).toString('hex')}`,
      OSCP_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      OSCP_HEARTBEAT_INTERVAL_S: '10',
      // At SPEED the simulated DSO's hours last a minute and its emergencies seconds.
      OSCP_MIN_BLOCK_S: '1',
    });
    await controller.start();
    const base = buildScenario({ seed: 13, chargers: 9, durationMs: 130_000, speed: SPEED, faults: [] });
    const scenario = {
      ...base,
      // Generous for what the controller cannot foresee, so that the outcome does not depend on the machine's
      // speed; what it can foresee (the curtailment announced 30 s ahead, its own raises) gets no grace at all.
      graceMs: 10_000,
      arrivalHours: [0, 0.5] as [number, number],
      dso: {
        ...base.dso,
        gapsPerDay: 0,
        emergenciesPerDay: 0,
        scripted: [
          // A curtailment to half, announced 30 s ahead, for 30 s.
          { atMs: 20_000, groupId: 'grp-a', share: 0.5, startInMs: 30_000, durationMs: 30_000 },
          // An emergency of 10 s at 30 % inside a day-ahead block, at once, well after the restart.
          { atMs: 100_000, groupId: 'grp-a', share: 0.3, startInMs: 0, durationMs: 10_000 },
        ],
      },
      faults: [{ atMs: 55_000, kind: 'controller-kill' as const, downMs: 3_000 }],
    };
    const log: string[] = [];
    result = await runSoak(scenario, controller, undefined, (line) => log.push(line));
    console.log([...log, formatSoak(result)].join('\n'));
  }, 600_000);

  afterAll(async () => {
    await controller?.stop();
    await database?.drop();
  });

  it('ran the world it was meant to: EVs charged, limits were lowered and accepted, the controller restarted', () => {
    expect(result.faults).toEqual([expect.stringMatching(/^controller kill -9/)]);
    expect(result.faultErrors).toEqual([]);
    expect(result.dso.lost).toBe(0);
    expect(result.report.lowerings.count).toBeGreaterThanOrEqual(3);
    expect(result.report.pushes.connectorProfiles).toBeGreaterThan(0);
    expect(result.report.worstHeadroom.amps).not.toBeNull();
  });

  it('keeps every node within its limit on what the chargers accepted and on what they drew', () => {
    const violations = result.report.violations.map(
      (v) =>
        `${v.kind} ${v.node} ${v.phase}: ${v.sum.toFixed(1)} > ${v.limit.toFixed(1)} ${v.unit} for ${v.endMs - v.startMs} ms`,
    );
    expect(violations).toEqual([]);
  });

  it('had every lowering accepted within the grace', () => {
    expect(result.report.lowerings.unresolved).toBe(0);
    expect(result.report.lowerings.latencyMs.max).toBeLessThanOrEqual(result.scenario.graceMs);
  });
});

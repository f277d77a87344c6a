import { writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  buildScenario,
  formatSoak,
  formatViolations,
  GridSafetyChecker,
  runSoak,
  SoakDso,
  type SafetyWorld,
  type SoakFault,
  type SoakScenario,
} from '@gridflex/simulator';
import { PrivateRedis } from '@gridflex/observability/testing';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { buildController } from './bench-controller';
import { BenchFleet } from './bench-fleet';
import { SoakControllerProcess } from './soak-controller';

/**
 * `npm run soak`: the built controller (on PostgreSQL and a Redis of its own, both restartable) against
 * simulated chargers and a simulated DSO, checked by the grid-safety checker; exits 1 on any violation.
 *
 *   SOAK_DURATION_MIN  real minutes (default 30)      SOAK_SPEED   simulated s per real s (default 60)
 *   SOAK_CHARGERS      chargers (default 50)           SOAK_SEED    PRNG seed (default 1)
 *   SOAK_FAULTS        comma list of controller-kill, redis-restart, dso-silence, forecast-storm (default all)
 *   SOAK_SCALE=1       instead: 1,000 lean chargers (SOAK_CHARGERS to change), lowering latency only
 *   SOAK_LOWERINGS     lowerings in the scale run (default 10)
 */
async function main(): Promise<void> {
  const settings = {
    seed: numberSetting('SOAK_SEED', 1),
    durationMs: numberSetting('SOAK_DURATION_MIN', 30) * 60_000,
    speed: numberSetting('SOAK_SPEED', 60),
    scale: process.env.SOAK_SCALE === '1',
  };
  const chargers = numberSetting('SOAK_CHARGERS', settings.scale ? 1000 : 50);
  const faults = process.env.SOAK_FAULTS?.split(',').map((f) => f.trim()) as SoakFault['kind'][] | undefined;
  console.log(
    `machine: ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log('building the controller…');
  buildController();
  const redis = await PrivateRedis.start({ persistent: true });
  const database = await createSharedPostgresDatabase();
  const controller = await SoakControllerProcess.start({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    OSCP_HEARTBEAT_INTERVAL_S: '10',
    // At SOAK_SPEED the simulated DSO's hours and emergencies last seconds.
    OSCP_MIN_BLOCK_S: '1',
  });
  console.log(`controller log: ${controller.logFile}`);
  let failed = false;
  try {
    if (settings.scale) {
      failed = await scaleRun(controller, chargers, numberSetting('SOAK_LOWERINGS', 10), settings.seed);
    } else {
      const scenario = buildScenario({ ...settings, chargers, ...(faults && { faults }) });
      const result = await runSoak(scenario, controller, redis, (line) => console.log(line));
      console.log(formatSoak(result));
      const file = join(tmpdir(), `gridflex-soak-seed${scenario.seed}-${Date.now()}.json`);
      writeFileSync(file, JSON.stringify(result, null, 1));
      console.log(`every violation, the scenario and the figures: ${file}`);
      failed = result.report.violations.length > 0;
    }
  } finally {
    await controller.stop();
    await redis.kill();
    await database.drop();
  }
  process.exit(failed ? 1 : 0);
}

/**
 * 1,000 lean chargers (one 32 A three-phase connector each, all charging) in one DSO group: the group's
 * capacity goes down to half and back `lowerings` times; the checker measures how long until the accepted
 * limits fit each lowered capacity.
 */
async function scaleRun(
  controller: SoakControllerProcess,
  chargers: number,
  lowerings: number,
  seed: number,
): Promise<boolean> {
  const perSite = 100;
  const sites = Math.ceil(chargers / perSite);
  const identities = Array.from({ length: chargers }, (_, i) => `SCALE-${i + 1}`);
  const world: SafetyWorld = {
    sites: Array.from({ length: sites }, (_, s) => ({
      id: `Scale ${s + 1}`,
      groupId: 'grp-scale',
      nominalVoltageV: 230,
      gridLimitA: [perSite * 32, perSite * 32, perSite * 32],
    })),
    chargers: identities.map((identity, i) => ({
      identity,
      siteId: `Scale ${Math.floor(i / perSite) + 1}`,
      connectors: [{ connectorId: 1, phases: 3, maxCurrentA: 32 }],
    })),
    dso: { safeDefaultA: 0 },
  };
  const checker = new GridSafetyChecker(world);
  for (const site of world.sites) {
    const { id } = await controller.admin<{ id: string }>('POST', '/api/v1/sites', {
      name: site.id,
      groupId: site.groupId,
      nominalVoltageV: 230,
      gridLimitA: { l1: site.gridLimitA[0], l2: site.gridLimitA[1], l3: site.gridLimitA[2] },
    });
    for (const charger of world.chargers.filter((c) => c.siteId === site.id)) {
      await controller.admin('POST', `/api/v1/sites/${id}/chargers`, {
        identity: charger.identity,
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, phases: 3, maxCurrentA: 32 }],
      });
    }
  }
  const scenario: SoakScenario = {
    ...buildScenarioShell(seed),
    dso: {
      groups: [{ groupId: 'grp-scale', capacity: 16 * chargers, fallback: 8 * chargers, unit: 'A' }],
      heartbeatIntervalS: 10,
      utcOffset: 'Z',
      gapsPerDay: 0,
      emergenciesPerDay: 0,
      safeDefaultA: 0,
      scripted: [],
    },
  };
  const startMs = Date.now();
  const dso = await SoakDso.start(controller.admin, controller.baseUrl, scenario, checker, startMs);
  const dayBlock = (capacity: number) => [
    {
      capacity,
      phase: 'ALL',
      unit: 'A',
      start_time: new Date(Date.now() - 60_000).toISOString(),
      end_time: new Date(Date.now() + 86_400_000).toISOString(),
    },
  ];
  await dso.forecast('grp-scale', 'FALLBACK_CONSUMPTION', dayBlock(8 * chargers));
  await dso.forecast('grp-scale', 'CONSUMPTION', dayBlock(16 * chargers));
  const fleet = new BenchFleet(
    controller.baseUrl.replace(/^http/, 'ws') + '/ocpp',
    identities,
    1,
    (identity, payload) => checker.profileAnswered(Date.now(), identity, payload as never, 'Accepted'),
  );
  try {
    const ready = fleet.expect(16);
    await fleet.connect('Charging', undefined, (identity) => checker.connected(Date.now(), identity));
    await ready;
    console.log(
      `${chargers} chargers connected and at 16 A in ${((Date.now() - startMs) / 1000).toFixed(0)} s`,
    );
    for (let i = 0; i < lowerings; i++) {
      const lowered = fleet.expect(8);
      await dso.forecast('grp-scale', 'CONSUMPTION', dayBlock(8 * chargers));
      await lowered;
      const raised = fleet.expect(16);
      await dso.forecast('grp-scale', 'CONSUMPTION', dayBlock(16 * chargers));
      await raised;
      await fleet.quiet(2_000);
    }
    const report = checker.report(Date.now());
    const latency = report.lowerings.latencyMs;
    console.log(
      `scale: ${chargers} chargers, ${latency.count} lowerings: latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, ` +
        `max ${latency.max} ms (target p99 ≤ 2000 ms); violations ${report.violations.length}; ` +
        `pushes ${report.pushes.connectorProfiles} connector + ${report.pushes.stationProfiles} station profiles`,
    );
    for (const line of formatViolations(report)) console.log(line);
    return report.violations.length > 0;
  } finally {
    await fleet.close();
    await dso.close();
  }
}

/** The scale run's scenario: no world of its own (the checker's is built above), no DSO timeline. */
function buildScenarioShell(seed: number): SoakScenario {
  return { ...buildScenario({ seed, chargers: 0, durationMs: 0, speed: 1, faults: [] }), sites: [] };
}

function numberSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});

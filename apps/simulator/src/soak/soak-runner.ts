import { setTimeout as delay } from 'node:timers/promises';
import { GridSafetyChecker, type SafetyReport } from '../safety/grid-safety-checker';
import type { PerPhase } from '../safety/safety-world';
import { SoakDso, type AdminCall } from './soak-dso';
import { SoakFleet } from './soak-fleet';
import { safetyWorldOf, SOAK_VOLTAGE_V, type SoakFault, type SoakScenario } from './soak-scenario';

/** The controller under test, wherever it runs: the soak kills and restarts it. */
export interface SoakController {
  /** `http://host:port`, the same across restarts. */
  readonly baseUrl: string;
  admin: AdminCall;
  /** `kill -9`: no shutdown hook runs. */
  kill(): Promise<void>;
  /** Starts it again on the same port, database and Redis; resolves once it serves. */
  restart(): Promise<void>;
}

/** The controller's Redis, when the soak may restart it. */
export interface SoakRedis {
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface SoakResult {
  scenario: SoakScenario;
  report: SafetyReport;
  realMs: number;
  faults: string[];
  /** Faults that could not be applied, e.g. a controller that did not come back. */
  faultErrors: string[];
  dso: SoakDso['sent'] & { lostBecause: [string, number][] };
  chargers: number;
  profilesReceived: number;
}

const TICK_MS = 250;
const PROGRESS_MS = 30_000;

/**
 * Runs the scenario against a controller that serves on `controller.baseUrl`: configures it through the admin
 * API as an operator would, starts the DSO and the chargers, replays the EVs and the DSO's timeline for the
 * scenario's duration, applies its faults on schedule, and returns what the grid-safety checker found.
 */
export async function runSoak(
  scenario: SoakScenario,
  controller: SoakController,
  redis: SoakRedis | undefined,
  log: (line: string) => void = () => undefined,
): Promise<SoakResult> {
  const checker = new GridSafetyChecker(safetyWorldOf(scenario), {
    graceMs: scenario.graceMs,
    // A reading follows the accepted limit within a meter interval, plus the queue of the charger's exchanges.
    drawGraceMs: scenario.graceMs + 2 * scenario.meterIntervalMs,
  });
  await configure(scenario, controller.admin);
  const startMs = Date.now();
  const dso = await SoakDso.start(controller.admin, controller.baseUrl, scenario, checker, startMs);
  await dso.sendDue(0);
  const fleet = new SoakFleet(
    scenario,
    `${controller.baseUrl.replace(/^http/, 'ws')}/ocpp`,
    checker,
    startMs,
  );
  await fleet.connect();
  log(`${fleet.connectedCount} chargers connected in ${((Date.now() - startMs) / 1000).toFixed(1)} s`);

  const pending = [...scenario.faults].sort((a, b) => a.atMs - b.atMs);
  const applied: string[] = [];
  const faultErrors: string[] = [];
  const running: Promise<void>[] = [];
  let lastProgress = startMs;
  for (let now = Date.now(); now - startMs < scenario.durationMs; now = Date.now()) {
    fleet.tick(now);
    await dso.sendDue(now - startMs);
    while (pending.length > 0 && pending[0].atMs <= now - startMs) {
      const fault = pending.shift()!;
      applied.push(`${describe(fault)} at ${((now - startMs) / 1000).toFixed(0)} s`);
      log(`fault: ${applied.at(-1)}`);
      running.push(
        apply(fault, controller, redis, dso).catch((error: Error) => {
          faultErrors.push(`${describe(fault)}: ${error.message}`);
          log(`fault failed: ${faultErrors.at(-1)}`);
        }),
      );
    }
    if (now - lastProgress >= PROGRESS_MS) {
      lastProgress = now;
      const interim = checker.report(now);
      log(
        `${((now - startMs) / 60_000).toFixed(1)} min: ${fleet.evs} EVs, ${fleet.connectedCount} connected, ` +
          `${interim.violations.length} violations, lowering p99 ${interim.lowerings.latencyMs.p99} ms`,
      );
    }
    await delay(TICK_MS);
  }
  await Promise.all(running);
  const report = checker.report(Date.now());
  const result: SoakResult = {
    scenario,
    report,
    realMs: Date.now() - startMs,
    faults: applied,
    faultErrors,
    dso: { ...dso.sent, lostBecause: [...dso.lostBecause] },
    chargers: fleet.chargers.length,
    profilesReceived: fleet.chargers.reduce((n, c) => n + c.receivedProfiles.length, 0),
  };
  await fleet.close();
  await dso.close();
  return result;
}

async function apply(
  fault: SoakFault,
  controller: SoakController,
  redis: SoakRedis | undefined,
  dso: SoakDso,
) {
  switch (fault.kind) {
    case 'controller-kill':
      await controller.kill();
      await delay(fault.downMs);
      await controller.restart();
      return;
    case 'redis-restart':
      if (!redis) return;
      await redis.kill();
      await delay(fault.downMs);
      await redis.restart();
      return;
    case 'dso-silence':
      await dso.silence(fault.forMs);
      return;
    case 'forecast-storm':
      await dso.storm(fault.messages);
      return;
  }
}

function describe(fault: SoakFault): string {
  switch (fault.kind) {
    case 'controller-kill':
      return `controller kill -9, down ${fault.downMs / 1000} s`;
    case 'redis-restart':
      return `Redis kill -9, down ${fault.downMs / 1000} s`;
    case 'dso-silence':
      return `DSO silent for ${fault.forMs / 1000} s`;
    case 'forecast-storm':
      return `forecast storm of ${fault.messages} messages`;
  }
}

/** Sites, circuits and chargers through the admin API. */
async function configure(scenario: SoakScenario, admin: AdminCall): Promise<void> {
  const amps = (a: PerPhase) => ({ l1: a[0], l2: a[1], l3: a[2] });
  for (const site of scenario.sites) {
    const { id } = await admin<{ id: string }>('POST', '/api/v1/sites', {
      name: site.name,
      groupId: site.groupId,
      nominalVoltageV: SOAK_VOLTAGE_V,
      gridLimitA: amps(site.gridLimitA),
      ...(site.baseLoadA && { baseLoad: { mode: 'fixed', currentA: amps(site.baseLoadA) } }),
    });
    const circuits = new Map<string, string>();
    for (const circuit of site.circuits) {
      const created = await admin<{ id: string }>('POST', `/api/v1/sites/${id}/circuits`, {
        name: circuit.name,
        limitA: amps(circuit.limitA),
      });
      circuits.set(circuit.name, created.id);
    }
    for (const charger of site.chargers) {
      await admin('POST', `/api/v1/sites/${id}/chargers`, {
        identity: charger.identity,
        ocppVersion: charger.ocppVersion,
        ...(charger.circuit && { circuitId: circuits.get(charger.circuit) }),
        ...(charger.phaseRotation && { phaseRotation: charger.phaseRotation }),
        connectors: charger.connectors.map((c, i) => ({ connectorId: i + 1, ...c })),
      });
    }
  }
}

/** The figures a soak prints. */
export function formatSoak(result: SoakResult): string {
  const { report } = result;
  const latency = report.lowerings.latencyMs;
  const headroom = report.worstHeadroom.amps;
  const lines = [
    `soak: seed ${result.scenario.seed}, ${result.chargers} chargers, speed ×${result.scenario.speed}, ` +
      `${(result.realMs / 60_000).toFixed(1)} min real (${((result.realMs * result.scenario.speed) / 3_600_000).toFixed(1)} simulated h)`,
    `faults: ${result.faults.join('; ') || 'none'}`,
    ...result.faultErrors.map((error) => `  fault failed: ${error}`),
    `DSO: ${result.dso.forecasts} forecasts accepted (${result.dso.emergencies} emergencies, ${result.dso.storms} storms), ` +
      `${result.dso.lost} lost, ${result.dso.heartbeats} heartbeats`,
    ...result.dso.lostBecause.map(([reason, n]) => `  lost ×${n}: ${reason}`),
    `violations: ${report.violations.length} (accepted ${count(report, 'accepted')}, drawn ${count(report, 'drawn')}); ` +
      `overruns within grace: ${report.overrunsWithinGrace}; unavoidable (unsteered load alone): ${report.unavoidable.length}`,
    `violations by cause: ${breakdown(report)}`,
    `worst headroom: ${headroom ? `${headroom.value.toFixed(1)} A on ${headroom.node} ${headroom.phase}` : 'n/a'}` +
      (report.worstHeadroom.watts
        ? `; ${(report.worstHeadroom.watts.value / 1000).toFixed(2)} kW on ${report.worstHeadroom.watts.node}`
        : ''),
    `lowering latency: ${report.lowerings.count} lowerings, p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms` +
      (report.lowerings.unresolved > 0 ? `, ${report.lowerings.unresolved} never accepted` : ''),
    `pushes: ${report.pushes.perConnectorPerHour.toFixed(1)} per connector per hour (max ${report.pushes.maxPerConnectorPerHour.toFixed(1)}), ` +
      `${report.pushes.connectorProfiles} connector + ${report.pushes.stationProfiles} station profiles, ${report.pushes.refusals} refused`,
  ];
  return [...lines, ...formatViolations(report)].join('\n');
}

/** The first 20 violations, one line each: when, how long, against what, and the largest contributors. */
export function formatViolations(report: SafetyReport): string[] {
  const lines = report.violations
    .slice(0, 20)
    .map(
      (v) =>
        `  violation ${v.kind} (${v.cause}) ${v.node} ${v.phase}: ${round(v.sum)} > ${round(v.limit)} ${v.unit} ` +
        `from ${new Date(v.startMs).toISOString()} for ${v.endMs - v.startMs} ms (grace until +${v.deadlineMs - v.startMs} ms); ` +
        `most: ${v.contributors.join(', ')}`,
    );
  if (report.violations.length > 20) lines.push(`  … and ${report.violations.length - 20} more`);
  return lines;
}

/** Violations counted by kind, cause and node type, e.g. `accepted/raise/group 12`. */
function breakdown(report: SafetyReport): string {
  const counts = new Map<string, number>();
  for (const v of report.violations) {
    const key = `${v.kind}/${v.cause}/${v.node.split(':')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key} ${n}`).join(', ') || 'none';
}

function count(report: SafetyReport, kind: 'accepted' | 'drawn'): number {
  return report.violations.filter((v) => v.kind === kind).length;
}

function round(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

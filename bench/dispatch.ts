/**
 * `npm run bench:dispatch`: the dispatch path end to end, over loopback, against the built controller in a
 * process of its own (fresh PostgreSQL database, real Redis), with lean simulated 1.6 chargers that answer
 * at once (`bench/lean-charger.ts`):
 * 1. push throughput on one instance: chargers × connectors all charging, a DSO forecast that changes every
 *    connector's limit, SetChargingProfile round trips per second, for each `DISPATCH_CONCURRENCY`;
 * 2. forecast-to-all-accepted latency: from sending the forecast to the moment every charger has accepted
 *    its new profile, for 1,000 and 10,000 chargers of one connector;
 * 3. controller memory (VmRSS, V8 heap) before and after connecting 10,000 idle chargers.
 *
 * Options (environment): BENCH_SECTIONS (`throughput,latency,memory`), BENCH_CHARGERS (1000) and
 * BENCH_CONNECTORS (3) for the throughput runs, BENCH_CONCURRENCY (`10,50,100`), BENCH_LATENCY_CHARGERS
 * (`1000,10000`), BENCH_LATENCY_CONCURRENCY (50, the default of DISPATCH_CONCURRENCY), BENCH_ROUNDS (3),
 * BENCH_SITE_CHARGERS (500 chargers per imported site), BENCH_DATABASE (`postgres` or `pglite`),
 * BENCH_BUILD (`0` skips `nest build controller`), BENCH_CONTROLLER_ENV (`NAME=value,...` for the
 * controller), BENCH_CPU_PROF (a directory: the controller writes a V8 CPU profile there on exit),
 * BENCH_TIMEOUT_S (300, per wait). Every scenario runs on a controller, database and queue prefix of its own.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatedDso } from '@gridflex/simulator';
import { BenchController, buildController } from './bench-controller';
import { Arrival, BenchFleet } from './bench-fleet';
import { inReference, median, printReference } from './bench-support';

const GROUP = 'grp-bench';
const DSO_TOKEN = randomBytes(24).toString('hex');
const CONNECTOR_MAX_A = 32;
/** Each forecast moves every connector to the next of these: one push per connector per round. */
const ROUND_LIMITS_A = [10, 12, 14, 16, 18, 20, 22, 24, 26, 28];
const WARM_UP_LIMIT_A = 8;
/** Linux clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS = 100;

const settings = {
  sections: list(process.env.BENCH_SECTIONS ?? 'throughput,latency,memory'),
  chargers: integer('BENCH_CHARGERS', 1000),
  connectors: integer('BENCH_CONNECTORS', 3),
  concurrencies: list(process.env.BENCH_CONCURRENCY ?? '10,50,100').map(Number),
  latencyChargers: list(process.env.BENCH_LATENCY_CHARGERS ?? '1000,10000').map(Number),
  latencyConcurrency: integer('BENCH_LATENCY_CONCURRENCY', 50),
  rounds: Math.min(integer('BENCH_ROUNDS', 3), ROUND_LIMITS_A.length),
  siteChargers: integer('BENCH_SITE_CHARGERS', 500),
  database: process.env.BENCH_DATABASE === 'pglite' ? ('pglite' as const) : ('postgres' as const),
  cpuProfileDir: process.env.BENCH_CPU_PROF,
  timeoutMs: integer('BENCH_TIMEOUT_S', 300) * 1000,
  controllerEnv: Object.fromEntries(
    list(process.env.BENCH_CONTROLLER_ENV ?? '').map((pair) => {
      const [name, ...value] = pair.split('=');
      return [name, value.join('=')];
    }),
  ),
};

interface Scenario {
  label: string;
  chargers: number;
  connectors: number;
  concurrency: number;
  measureMemory: boolean;
}

interface Round {
  pushes: number;
  /** Forecast sent → its 204. */
  answeredMs: number;
  /** Forecast sent → the first connector profile accepted. */
  firstMs: number;
  /** Forecast sent → every connector has accepted its new profile. */
  allMs: number;
  /** Connector profiles the chargers received in the round (more than `pushes` means duplicates). */
  profiles: number;
  controllerCpuS: number;
  benchCpuS: number;
  /** Planning runs in the round and their mean duration, from the controller's /metrics. */
  planningRuns: number;
  planningMeanMs: number;
  /** Mean time of one push in the worker, from taking the job to recording the outcome. */
  pushMeanMs: number;
}

interface Memory {
  chargers: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
}

interface ScenarioResult {
  scenario: Scenario;
  /** Why the scenario did not finish; its rounds so far are kept. */
  failure?: string;
  connectSeconds: number;
  rounds: Round[];
  memory?: Memory;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function integer(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a positive integer`);
  return parsed;
}

function scenarios(): Scenario[] {
  const result: Scenario[] = [];
  if (settings.sections.includes('throughput')) {
    for (const concurrency of settings.concurrencies) {
      result.push({
        label: `throughput, DISPATCH_CONCURRENCY=${concurrency}`,
        chargers: settings.chargers,
        connectors: settings.connectors,
        concurrency,
        measureMemory: false,
      });
    }
  }
  const latency = settings.sections.includes('latency') ? settings.latencyChargers : [];
  const memoryChargers = Math.max(...settings.latencyChargers);
  const sizes =
    settings.sections.includes('memory') && !latency.includes(memoryChargers)
      ? [...latency, memoryChargers]
      : latency;
  for (const chargers of sizes) {
    const measureMemory = settings.sections.includes('memory') && chargers === memoryChargers;
    result.push({
      label: `${chargers.toLocaleString('en')} chargers${measureMemory ? ' (memory, then latency)' : ''}`,
      chargers,
      connectors: 1,
      concurrency: settings.latencyConcurrency,
      measureMemory,
    });
  }
  return result;
}

/** The DSO, and the chargers in sites of `siteChargers` imported in one document each, all in one group. */
async function configure(controller: BenchController, scenario: Scenario): Promise<string[]> {
  await controller.admin('POST', '/api/v1/dso-peers', {
    name: 'bench-dso',
    token: DSO_TOKEN,
    groupIds: [GROUP],
  });
  const identities = Array.from({ length: scenario.chargers }, (_, i) => `BENCH-${i}`);
  const connectors = Array.from({ length: scenario.connectors }, (_, i) => ({
    connectorId: i + 1,
    maxCurrentA: CONNECTOR_MAX_A,
    phases: 3,
  }));
  for (let first = 0; first < identities.length; first += settings.siteChargers) {
    const siteIdentities = identities.slice(first, first + settings.siteChargers);
    // Roomy enough that only the forecast binds.
    const gridA = Math.min(100_000, siteIdentities.length * scenario.connectors * CONNECTOR_MAX_A);
    await controller.admin('POST', '/api/v1/sites/import', {
      format: 'gridflex.site/1',
      site: {
        name: `Bench site ${first / settings.siteChargers + 1}`,
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: gridA, l2: gridA, l3: gridA },
      },
      chargers: siteIdentities.map((identity) => ({ identity, ocppVersion: '1.6', connectors })),
    });
  }
  return identities;
}

/** One block from a minute ago to an hour ahead, giving each connector `limitA` per phase. */
function sendForecast(controller: BenchController, connectors: number, limitA: number) {
  const now = Date.now();
  return new SimulatedDso({
    baseUrl: `${controller.baseUrl}/oscp/fp/2.0`,
    token: DSO_TOKEN,
  }).sendCapacityForecast({
    groupId: GROUP,
    type: 'CONSUMPTION',
    blocks: [
      {
        capacity: connectors * limitA,
        phase: 'ALL',
        unit: 'A',
        start_time: new Date(now - 60_000).toISOString(),
        end_time: new Date(now + 3_600_000).toISOString(),
      },
    ],
  });
}

async function within<T>(promise: Promise<T>, what: string, fleet: BenchFleet): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`${what}: not done in ${settings.timeoutMs / 1000} s (${fleet.missing} missing)`)),
      settings.timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** User + system CPU seconds of a process, from /proc. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function measureRound(controller: BenchController, fleet: BenchFleet, limitA: number): Promise<Round> {
  const arrival = fleet.expect(limitA);
  const windowStart = process.hrtime.bigint() / 1000n;
  const metricsBefore = await controller.metrics();
  const controllerCpu = cpuSecondsOf(controller.pid);
  const benchCpu = ownCpuSeconds();
  const sent = performance.now();
  const reply = await sendForecast(controller, fleet.connectors, limitA);
  const answered = performance.now();
  if (reply.status !== 204) throw new Error(`The forecast was answered ${reply.status}`);
  const done: Arrival = await within(arrival, `Round at ${limitA} A`, fleet);
  const controllerCpuS = cpuSecondsOf(controller.pid) - controllerCpu;
  const metrics = await controller.metrics();
  const delta = (name: string) => (metrics.get(name) ?? 0) - (metricsBefore.get(name) ?? 0);
  const round = {
    pushes: fleet.connectors,
    answeredMs: answered - sent,
    firstMs: done.firstMs - sent,
    allMs: done.lastMs - sent,
    profiles: done.profiles,
    controllerCpuS,
    benchCpuS: ownCpuSeconds() - benchCpu,
    planningRuns: delta('gridflex_planning_duration_seconds_count'),
    planningMeanMs:
      (1000 * delta('gridflex_planning_duration_seconds_sum')) /
      delta('gridflex_planning_duration_seconds_count'),
    pushMeanMs:
      (1000 * delta('gridflex_dispatch_push_duration_seconds_sum')) /
      delta('gridflex_dispatch_push_duration_seconds_count'),
  };
  if (settings.cpuProfileDir) {
    // V8 profiles time samples on the same monotonic clock: this window picks the round out of the profile.
    console.log(`  round window (monotonic µs): ${windowStart}-${process.hrtime.bigint() / 1000n}`);
  }
  await fleet.quiet(500);
  return round;
}

/** Connects the fleet idle; resolves with how long that took and the controller's memory around it. */
async function connectIdle(
  controller: BenchController,
  fleet: BenchFleet,
): Promise<{ connectSeconds: number; memory: Memory }> {
  await sleep(3000);
  await controller.collectGarbage();
  const rssBefore = controller.rssBytes();
  const heapBefore = await controller.heapUsedBytes();
  const started = performance.now();
  // Idle: nothing to charge, so each connector gets its 0 A default profile and nothing more.
  const idle = fleet.expect(0);
  await fleet.connect('Available', progress(fleet.chargers.length));
  await within(idle, 'The 0 A default profiles', fleet);
  const connectSeconds = (performance.now() - started) / 1000;
  await fleet.quiet(2000);
  await sleep(3000);
  await controller.collectGarbage();
  const memory = {
    chargers: fleet.chargers.length,
    rssBefore,
    rssAfter: controller.rssBytes(),
    heapBefore,
    heapAfter: await controller.heapUsedBytes(),
  };
  return { connectSeconds, memory };
}

function progress(total: number): (done: number) => void {
  const step = Math.max(1000, Math.ceil(total / 10));
  return (done) => {
    if (done % step === 0 || done === total) console.log(`  connected ${done}/${total}`);
  };
}

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  console.log(`\n▶ ${scenario.label}: ${scenario.chargers} chargers × ${scenario.connectors} connectors`);
  const controller = await BenchController.start({
    database: settings.database,
    env: { DISPATCH_CONCURRENCY: String(scenario.concurrency), ...settings.controllerEnv },
    cpuProfileDir: settings.cpuProfileDir,
  });
  const fleet = new BenchFleet(
    controller.ocppEndpoint,
    await configure(controller, scenario),
    scenario.connectors,
  );
  let connectSeconds = Number.NaN;
  let memory: Memory | undefined;
  const rounds: Round[] = [];
  try {
    if (scenario.measureMemory) {
      ({ connectSeconds, memory } = await connectIdle(controller, fleet));
      await fleet.report('Charging');
    } else {
      const started = performance.now();
      await fleet.connect('Charging', progress(scenario.chargers));
      connectSeconds = (performance.now() - started) / 1000;
    }
    console.log(`  connected in ${connectSeconds.toFixed(1)} s; warming up`);
    await within(
      Promise.all([
        fleet.expect(WARM_UP_LIMIT_A),
        sendForecast(controller, fleet.connectors, WARM_UP_LIMIT_A),
      ]),
      'The warm-up forecast',
      fleet,
    );
    await fleet.quiet(1000);
    for (const limitA of ROUND_LIMITS_A.slice(0, settings.rounds)) {
      const round = await measureRound(controller, fleet, limitA);
      console.log(
        `  round ${rounds.length + 1}: ${round.pushes} pushes, all accepted after ${round.allMs.toFixed(0)} ms` +
          ` (${rate(round).toFixed(0)}/s; controller CPU ${round.controllerCpuS.toFixed(1)} s,` +
          ` bench CPU ${round.benchCpuS.toFixed(1)} s; ${round.planningRuns} planning runs of` +
          ` ${round.planningMeanMs.toFixed(0)} ms; ${round.pushMeanMs.toFixed(1)} ms per push in the worker)`,
      );
      rounds.push(round);
    }
    return { scenario, connectSeconds, rounds, memory };
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    console.error(`  failed: ${failure}\n  controller log: ${controller.logFile}`);
    return { scenario, connectSeconds, rounds, memory, failure };
  } finally {
    await fleet.close();
    await controller.stop();
  }
}

/** Accepted SetChargingProfile round trips per second, forecast sent → all accepted. */
function rate(round: Round): number {
  return round.pushes / (round.allMs / 1000);
}

const ms = (values: number[]) => median(values).toFixed(0);
/** A headline time with its multiple of the reference workload, which compares across machines. */
const msInReference = (values: number[]) => `${ms(values)} (${inReference(median(values))})`;
/** Controller CPU per push over the whole round, planning included: what bounds throughput on one core. */
const cpuPerPush = (rounds: Round[]) =>
  median(rounds.map((r) => (1000 * r.controllerCpuS) / r.pushes)).toFixed(1);
const perPush = (rounds: Round[]) => median(rounds.map((r) => r.pushMeanMs)).toFixed(1);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function printThroughput(results: ScenarioResult[]): void {
  const rows = results.filter((r) => !r.scenario.label.includes('chargers') && r.rounds.length > 0);
  if (rows.length === 0) return;
  console.log('\nPush throughput on one instance (median of the rounds)');
  console.log(
    '| DISPATCH_CONCURRENCY | chargers × connectors | pushes/round | forecast 204 ms | all accepted ms | ' +
      'round trips/s | best round/s | controller CPU ms/push | worker ms/push | planning ms | profiles/round |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { scenario, rounds } of rows) {
    console.log(
      `| ${scenario.concurrency} | ${scenario.chargers} × ${scenario.connectors} | ${rounds[0].pushes} | ` +
        `${ms(rounds.map((r) => r.answeredMs))} | ${msInReference(rounds.map((r) => r.allMs))} | ` +
        `${median(rounds.map(rate)).toFixed(0)} | ${Math.max(...rounds.map(rate)).toFixed(0)} | ` +
        `${cpuPerPush(rounds)} | ${perPush(rounds)} | ` +
        `${ms(rounds.map((r) => r.planningMeanMs))} | ${ms(rounds.map((r) => r.profiles))} |`,
    );
  }
}

function printLatency(results: ScenarioResult[]): void {
  const rows = results.filter((r) => r.scenario.label.includes('chargers') && r.rounds.length > 0);
  if (rows.length === 0) return;
  console.log('\nForecast → every charger accepted its new profile (one connector each)');
  console.log(
    '| chargers | DISPATCH_CONCURRENCY | rounds | forecast 204 ms | first accepted ms | median all ms | ' +
      'worst all ms | target | controller CPU ms/push | worker ms/push | planning ms | connect s |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { scenario, rounds, connectSeconds } of rows) {
    const target = scenario.chargers <= 1000 ? '≤ 2,000' : '≤ 15,000';
    console.log(
      `| ${scenario.chargers.toLocaleString('en')} | ${scenario.concurrency} | ${rounds.length} | ` +
        `${ms(rounds.map((r) => r.answeredMs))} | ${ms(rounds.map((r) => r.firstMs))} | ` +
        `${msInReference(rounds.map((r) => r.allMs))} | ${Math.max(...rounds.map((r) => r.allMs)).toFixed(0)} | ` +
        `${target} | ${cpuPerPush(rounds)} | ${perPush(rounds)} | ${ms(rounds.map((r) => r.planningMeanMs))} | ` +
        `${connectSeconds.toFixed(1)} |`,
    );
  }
}

function printMemory(results: ScenarioResult[]): void {
  for (const { memory } of results) {
    if (!memory) continue;
    const perConnection = (after: number, before: number) =>
      ((after - before) / memory.chargers / 1024).toFixed(1);
    console.log(`\nController memory, ${memory.chargers.toLocaleString('en')} idle chargers connected`);
    console.log('| | before MiB | after MiB | per connection KiB | target |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(
      `| VmRSS | ${mib(memory.rssBefore)} | ${mib(memory.rssAfter)} | ` +
        `${perConnection(memory.rssAfter, memory.rssBefore)} | ≤ 50 KB |`,
    );
    console.log(
      `| V8 heap used | ${mib(memory.heapBefore)} | ${mib(memory.heapAfter)} | ` +
        `${perConnection(memory.heapAfter, memory.heapBefore)} | |`,
    );
  }
}

/** 10,000 sockets need as many descriptors in this process and in the controller (which inherits it). */
function checkOpenFiles(needed: number): void {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
  if (Number.isFinite(limit) && limit < needed + 1000) {
    console.log(
      `⚠ ulimit -n is ${limit}: ${needed} chargers need at least ${needed + 1000} ` +
        '(raise it with `ulimit -n 65536`, or lower BENCH_LATENCY_CHARGERS); connections will fail',
    );
  } else {
    console.log(`ulimit -n ${limit}: enough for ${needed} sockets`);
  }
}

async function main(): Promise<void> {
  printReference();
  const plan = scenarios();
  console.log(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; database ${settings.database}`,
  );
  checkOpenFiles(Math.max(...plan.map((s) => s.chargers)));
  if (process.env.BENCH_BUILD !== '0') buildController();
  const results: ScenarioResult[] = [];
  for (const scenario of plan) results.push(await runScenario(scenario));
  printThroughput(results);
  printLatency(results);
  printMemory(results);
  for (const { scenario, failure } of results) {
    if (failure) console.log(`\n${scenario.label}: FAILED (${failure})`);
  }
  console.log(
    `\nLoad average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

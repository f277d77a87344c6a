/**
 * `npm run bench:dispatch`: the dispatch path end to end, over loopback, against the built controller in a
 * process of its own (fresh PostgreSQL database, real Redis), with lean simulated 1.6 chargers that answer
 * at once (`bench/lean-charger.ts`):
 * 1. push throughput on one instance: chargers × connectors all charging, a DSO forecast that changes every
 *    connector's limit, SetChargingProfile round trips per second, for each `DISPATCH_CONCURRENCY`;
 * 2. forecast-to-all-accepted latency: from sending the forecast to the moment every charger has accepted
 *    its new profile, for 1,000 and 10,000 chargers of one connector;
 * 3. controller memory (VmRSS, V8 heap) before and after connecting 10,000 idle chargers;
 * 4. proxy mode against standalone, at 1,000 chargers of one connector: the same forecast-to-all-accepted
 *    rounds with every charger routed (`upstreamUrl`) to an upstream central system in a process of its own
 *    (`bench/upstream-csms.ts`), then the controller's CPU per message for MeterValues and Heartbeats sent by
 *    the chargers, answered locally (standalone) or forwarded upstream (proxy): the difference is the
 *    forwarding's cost per message.
 *
 * Options (environment): BENCH_SECTIONS (`throughput,latency,memory,proxy`), BENCH_CHARGERS (1000) and
 * BENCH_CONNECTORS (3) for the throughput runs, BENCH_CONCURRENCY (`10,50,100`), BENCH_LATENCY_CHARGERS
 * (`1000,10000`), BENCH_LATENCY_CONCURRENCY (50, the default of DISPATCH_CONCURRENCY), BENCH_ROUNDS (3),
 * BENCH_SITE_CHARGERS (500 chargers per imported site), BENCH_DATABASE (`postgres` or `pglite`),
 * BENCH_BUILD (`0` skips `nest build controller`), BENCH_CONTROLLER_ENV (`NAME=value,...` for the
 * controller), BENCH_CPU_PROF (a directory: the controller writes a V8 CPU profile there on exit),
 * BENCH_TIMEOUT_S (300, per wait), BENCH_PROXY_CHARGERS (`1000`), BENCH_PROXY_MODES
 * (`standalone,proxy,proxy,standalone`: one scenario each, in that order, pooled per mode), BENCH_PROXY_MESSAGES
 * (10 calls per charger for the per-message CPU). Every scenario runs on a controller,
 * database and queue prefix of its own.
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
import { UpstreamCsms } from './bench-upstream';
import type { LeanCharger } from './lean-charger';

const GROUP = 'grp-bench';
const DSO_TOKEN = randomBytes(24).toString('hex');
const CONNECTOR_MAX_A = 32;
/** Each forecast moves every connector to the next of these: one push per connector per round. */
const ROUND_LIMITS_A = [10, 12, 14, 16, 18, 20, 22, 24, 26, 28];
const WARM_UP_LIMIT_A = 8;
/** Linux clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS = 100;
/** Issue 16: proxy mode's forecast → all accepted within 20 % of standalone's. */
const PROXY_TARGET_RATIO = 1.2;
/** The controller's background CPU (timers, queue polling) is measured over this long before each burst. */
const IDLE_WINDOW_MS = 2000;
const PATCH_PARALLELISM = 20;

type Mode = 'standalone' | 'proxy';

const settings = {
  sections: list(process.env.BENCH_SECTIONS ?? 'throughput,latency,memory,proxy'),
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
  proxyChargers: list(process.env.BENCH_PROXY_CHARGERS ?? '1000').map(Number),
  proxyModes: modes(process.env.BENCH_PROXY_MODES ?? 'standalone,proxy,proxy,standalone'),
  proxyMessages: integer('BENCH_PROXY_MESSAGES', 10),
  controllerEnv: Object.fromEntries(
    list(process.env.BENCH_CONTROLLER_ENV ?? '').map((pair) => {
      const [name, ...value] = pair.split('=');
      return [name, value.join('=')];
    }),
  ),
};

interface Scenario {
  kind: 'throughput' | 'latency' | 'proxy';
  label: string;
  /** proxy: every charger has an `upstreamUrl` to the bench's upstream central system. */
  mode: Mode;
  chargers: number;
  connectors: number;
  concurrency: number;
  measureMemory: boolean;
  /** Whether the chargers then send messages to measure the controller's CPU per message. */
  measureMessages: boolean;
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

/** A burst of charger messages and what it cost the controller. */
interface Messages {
  /** Calls the chargers sent and got answered. */
  answered: number;
  /** Of those, the calls the upstream central system answered (proxy mode; 0 standalone). */
  seenUpstream: number;
  wallS: number;
  /** Controller CPU in the burst, less its background rate measured just before. */
  controllerCpuS: number;
  /** That background share, already taken off. */
  idleCpuS: number;
  upstreamCpuS: number;
}

interface ScenarioResult {
  scenario: Scenario;
  /** Why the scenario did not finish; its rounds so far are kept. */
  failure?: string;
  connectSeconds: number;
  rounds: Round[];
  memory?: Memory;
  messages?: Messages;
  /** The 1-minute load average when the scenario ended. */
  loadAtEnd?: number;
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

function modes(value: string): Mode[] {
  const result = list(value);
  for (const mode of result) {
    if (mode !== 'standalone' && mode !== 'proxy') {
      throw new Error(`BENCH_PROXY_MODES: ${mode} is neither standalone nor proxy`);
    }
  }
  return result as Mode[];
}

function scenarios(): Scenario[] {
  const result: Scenario[] = [];
  const plain = { mode: 'standalone' as const, measureMessages: false };
  if (settings.sections.includes('throughput')) {
    for (const concurrency of settings.concurrencies) {
      result.push({
        kind: 'throughput',
        label: `throughput, DISPATCH_CONCURRENCY=${concurrency}`,
        ...plain,
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
      kind: 'latency',
      label: `${chargers.toLocaleString('en')} chargers${measureMemory ? ' (memory, then latency)' : ''}`,
      ...plain,
      chargers,
      connectors: 1,
      concurrency: settings.latencyConcurrency,
      measureMemory,
    });
  }
  return [...result, ...proxyScenarios()];
}

/**
 * Standalone and proxy one after the other, in the order of BENCH_PROXY_MODES: the default, ABBA, gives both
 * modes the same load on average while the other work on the machine rises or falls.
 */
function proxyScenarios(): Scenario[] {
  if (!settings.sections.includes('proxy')) return [];
  return settings.proxyChargers.flatMap((chargers) =>
    settings.proxyModes.map((mode) => ({
      kind: 'proxy' as const,
      label: `${mode}, ${chargers.toLocaleString('en')} chargers`,
      mode,
      chargers,
      connectors: 1,
      concurrency: settings.latencyConcurrency,
      measureMemory: false,
      measureMessages: true,
    })),
  );
}

/**
 * The DSO, and the chargers in sites of `siteChargers` imported in one document each, all in one group; in
 * proxy mode each charger then gets `upstreamUrl` by PATCH, as an operator would set it.
 */
async function configure(
  controller: BenchController,
  scenario: Scenario,
  upstreamUrl?: string,
): Promise<string[]> {
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
    const site = await controller.admin<{ id: string }>('POST', '/api/v1/sites/import', {
      format: 'gridflex.site/1',
      site: {
        name: `Bench site ${first / settings.siteChargers + 1}`,
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: gridA, l2: gridA, l3: gridA },
      },
      chargers: siteIdentities.map((identity) => ({ identity, ocppVersion: '1.6', connectors })),
    });
    if (upstreamUrl !== undefined) await routeUpstream(controller, site.id, upstreamUrl);
  }
  return identities;
}

/** Gives every charger of the site `upstreamUrl` through the admin API, `PATCH_PARALLELISM` at a time. */
async function routeUpstream(
  controller: BenchController,
  siteId: string,
  upstreamUrl: string,
): Promise<void> {
  const chargers = await controller.admin<{ id: string }[]>('GET', `/api/v1/sites/${siteId}/chargers`);
  let next = 0;
  const lane = async () => {
    while (next < chargers.length) {
      const { id } = chargers[next++];
      await controller.admin('PATCH', `/api/v1/sites/${siteId}/chargers/${id}`, { upstreamUrl });
    }
  };
  await Promise.all(Array.from({ length: PATCH_PARALLELISM }, lane));
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

/**
 * The i-th message of a charger's burst: MeterValues and Heartbeats in turn, what a charging station sends
 * most. The readings stay those of the warm-up (same phases in use), so that no message causes a re-plan.
 * No StatusNotification: each one re-plans the site, which would measure planning rather than forwarding.
 */
function chargerMessage(charger: LeanCharger, i: number): [string, object] {
  if (i % 2 === 1) return ['Heartbeat', {}];
  const phase = (p: string) => ({ value: '16.0', measurand: 'Current.Import', phase: p, unit: 'A' });
  return [
    'MeterValues',
    {
      connectorId: 1,
      meterValue: [
        {
          timestamp: new Date().toISOString(),
          sampledValue: [
            { value: String(1000 + i), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            phase('L1'),
            phase('L2'),
            phase('L3'),
          ],
        },
      ],
    },
  ];
}

const forwardedCalls = async (upstream?: UpstreamCsms) => {
  if (!upstream) return 0;
  const { calls } = await upstream.counts();
  return (calls.MeterValues ?? 0) + (calls.Heartbeat ?? 0);
};

/**
 * Every charger sends `BENCH_PROXY_MESSAGES` calls, after one each to warm up the path (and to set the
 * phases in use, whose change re-plans); the controller's CPU over the burst, less its background rate.
 */
async function measureMessages(
  controller: BenchController,
  fleet: BenchFleet,
  upstream?: UpstreamCsms,
): Promise<Messages> {
  await within(fleet.sendEach(1, chargerMessage), 'The warm-up messages', fleet);
  await fleet.quiet(1000);
  const idleStart = cpuSecondsOf(controller.pid);
  await sleep(IDLE_WINDOW_MS);
  const idleRatePerS = (cpuSecondsOf(controller.pid) - idleStart) / (IDLE_WINDOW_MS / 1000);
  const seenBefore = await forwardedCalls(upstream);
  const upstreamCpu = upstream ? cpuSecondsOf(upstream.pid) : 0;
  const controllerCpu = cpuSecondsOf(controller.pid);
  const windowStart = process.hrtime.bigint() / 1000n;
  const started = performance.now();
  const answered = await within(
    fleet.sendEach(settings.proxyMessages, chargerMessage),
    'The message burst',
    fleet,
  );
  const wallS = (performance.now() - started) / 1000;
  if (settings.cpuProfileDir) {
    console.log(`  message burst window (monotonic µs): ${windowStart}-${process.hrtime.bigint() / 1000n}`);
  }
  const idleCpuS = idleRatePerS * wallS;
  return {
    answered,
    seenUpstream: (await forwardedCalls(upstream)) - seenBefore,
    wallS,
    controllerCpuS: cpuSecondsOf(controller.pid) - controllerCpu - idleCpuS,
    idleCpuS,
    upstreamCpuS: upstream ? cpuSecondsOf(upstream.pid) - upstreamCpu : 0,
  };
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
  const upstream = scenario.mode === 'proxy' ? await UpstreamCsms.start() : undefined;
  const controller = await BenchController.start({
    database: settings.database,
    env: { DISPATCH_CONCURRENCY: String(scenario.concurrency), ...settings.controllerEnv },
    cpuProfileDir: settings.cpuProfileDir,
  });
  const fleet = new BenchFleet(
    controller.ocppEndpoint,
    await configure(controller, scenario, upstream?.url),
    scenario.connectors,
  );
  let connectSeconds = Number.NaN;
  let memory: Memory | undefined;
  let messages: Messages | undefined;
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
    if (scenario.measureMessages) {
      messages = await measureMessages(controller, fleet, upstream);
      console.log(
        `  ${messages.answered} messages in ${messages.wallS.toFixed(1)} s, ${messages.seenUpstream} of them` +
          ` answered upstream: controller CPU ${messages.controllerCpuS.toFixed(2)} s` +
          ` (${microsPerMessage(messages).toFixed(0)} µs/msg; ${messages.idleCpuS.toFixed(2)} s of background` +
          ` taken off), upstream CPU ${messages.upstreamCpuS.toFixed(2)} s`,
      );
    }
    return { scenario, connectSeconds, rounds, memory, messages, loadAtEnd: loadavg()[0] };
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    console.error(`  failed: ${failure}\n  controller log: ${controller.logFile}`);
    return { scenario, connectSeconds, rounds, memory, messages, failure };
  } finally {
    await fleet.close();
    await controller.stop();
    await upstream?.stop();
  }
}

/** Controller CPU per charger message, in µs. */
function microsPerMessage(messages: Messages): number {
  return (1e6 * messages.controllerCpuS) / messages.answered;
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
  const rows = results.filter((r) => r.scenario.kind === 'throughput' && r.rounds.length > 0);
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
  const rows = results.filter((r) => r.scenario.kind === 'latency' && r.rounds.length > 0);
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

function printProxy(results: ScenarioResult[]): void {
  const rows = results.filter((r) => r.scenario.kind === 'proxy' && r.rounds.length > 0);
  if (rows.length === 0) return;
  console.log(
    '\nProxy mode against standalone: forecast → all accepted, and controller CPU per charger message',
  );
  console.log(
    '| chargers | mode | rounds | median all accepted ms | worst all ms | controller CPU ms/push | ' +
      'messages | answered upstream | messages/s | controller CPU µs/msg | load at end |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { scenario, rounds, messages, loadAtEnd } of rows) {
    console.log(
      `| ${scenario.chargers.toLocaleString('en')} | ${scenario.mode} | ${rounds.length} | ` +
        `${msInReference(rounds.map((r) => r.allMs))} | ${Math.max(...rounds.map((r) => r.allMs)).toFixed(0)} | ` +
        `${cpuPerPush(rounds)} | ${messages?.answered ?? '—'} | ${messages?.seenUpstream ?? '—'} | ` +
        `${messages ? (messages.answered / messages.wallS).toFixed(0) : '—'} | ` +
        `${messages ? microsPerMessage(messages).toFixed(0) : '—'} | ${loadAtEnd?.toFixed(1) ?? '—'} |`,
    );
  }
  for (const chargers of new Set(rows.map((r) => r.scenario.chargers))) {
    const standalone = pooled(rows, chargers, 'standalone');
    const proxy = pooled(rows, chargers, 'proxy');
    if (standalone.rounds.length > 0 && proxy.rounds.length > 0)
      printProxyVerdict(chargers, standalone, proxy);
  }
}

interface Pooled {
  rounds: Round[];
  messages?: Messages;
}

/**
 * Every round and message burst of one mode at one size, pooled over the scenarios of that mode.
 */
function pooled(rows: ScenarioResult[], chargers: number, mode: Mode): Pooled {
  const of = rows.filter((r) => r.scenario.chargers === chargers && r.scenario.mode === mode);
  const bursts = of.flatMap((r) => (r.messages ? [r.messages] : []));
  const sum = (pick: (m: Messages) => number) => bursts.reduce((total, m) => total + pick(m), 0);
  return {
    rounds: of.flatMap((r) => r.rounds),
    ...(bursts.length > 0 && {
      messages: {
        answered: sum((m) => m.answered),
        seenUpstream: sum((m) => m.seenUpstream),
        wallS: sum((m) => m.wallS),
        controllerCpuS: sum((m) => m.controllerCpuS),
        idleCpuS: sum((m) => m.idleCpuS),
        upstreamCpuS: sum((m) => m.upstreamCpuS),
      },
    }),
  };
}

/** Proxy against standalone at one size: the 20 % target on forecast → all accepted, and the overhead. */
function printProxyVerdict(chargers: number, standalone: Pooled, proxy: Pooled): void {
  const allMs = (rounds: Round[]) => median(rounds.map((r) => r.allMs));
  const cpuMsPerPush = (rounds: Round[]) => median(rounds.map((r) => (1000 * r.controllerCpuS) / r.pushes));
  const ratio = allMs(proxy.rounds) / allMs(standalone.rounds);
  const cpuRatio = cpuMsPerPush(proxy.rounds) / cpuMsPerPush(standalone.rounds);
  console.log(
    `\n${chargers.toLocaleString('en')} chargers, forecast → all accepted (median of ${proxy.rounds.length} and ` +
      `${standalone.rounds.length} rounds): proxy ${allMs(proxy.rounds).toFixed(0)} ms / standalone ` +
      `${allMs(standalone.rounds).toFixed(0)} ms = ${ratio.toFixed(2)} (target ≤ ${PROXY_TARGET_RATIO.toFixed(2)}): ` +
      `${ratio <= PROXY_TARGET_RATIO ? 'PASS' : 'MISS'}; controller CPU per push ${cpuRatio.toFixed(2)}× standalone's`,
  );
  if (!standalone.messages || !proxy.messages) return;
  const own = microsPerMessage(standalone.messages);
  const forwarded = microsPerMessage(proxy.messages);
  console.log(
    `Forwarded-message overhead (${proxy.messages.answered} and ${standalone.messages.answered} messages): ` +
      `${forwarded.toFixed(0)} µs (proxy) − ${own.toFixed(0)} µs (standalone) = ` +
      `${(forwarded - own).toFixed(0)} µs of controller CPU per message (${(forwarded / own).toFixed(2)}×)`,
  );
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
  // A proxied charger holds two sockets in the controller: its own and the upstream one.
  checkOpenFiles(Math.max(...plan.map((s) => s.chargers * (s.mode === 'proxy' ? 2 : 1))));
  if (process.env.BENCH_BUILD !== '0') buildController();
  const results: ScenarioResult[] = [];
  for (const scenario of plan) results.push(await runScenario(scenario));
  printThroughput(results);
  printLatency(results);
  printMemory(results);
  printProxy(results);
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

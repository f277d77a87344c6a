/**
 * `npm run bench:optimizer`: time and memory of `allocate` on synthetic groups of 10 / 100 / 1,000
 * sites of 100 connectors over 96 quarter-hour blocks, with contention (minimums that do not all fit
 * in the evening peak), so that admission and rotation run and not only the fill; then the time of a
 * one-site re-plan (`replanSite`) after one session change in a group of 100 sites; then the horizon
 * optimum (`optimizeHorizon`) of one site with energy wants, departures and prices; then the horizon
 * LP solved stage by stage by ours and by HiGHS side by side (`horizon-solvers.ts`).
 * `BENCH_SECTION=horizon` runs the last two parts only, `BENCH_SECTION=solvers` the last one.
 */
import {
  allocate,
  optimizeHorizon,
  replanSite,
  type AllocationInput,
  type HorizonInput,
  type HorizonOptions,
  type CapacityNode,
  type ConnectorDemand,
  type PerPhase,
} from '@gridflex/optimizer';
import { cpus, loadavg, totalmem } from 'os';
import { fixedSeedRandom, inReference, median, printReference, type Random } from './bench-support';
import { printHorizonSolvers } from './horizon-solvers';

const BLOCKS = 96;
const CONNECTORS_PER_SITE = 100;
const FEEDERS_PER_SITE = 4;
const QUARTER_MS = 15 * 60 * 1000;
const EPOCH_MS = Date.UTC(2026, 0, 5);
const ROTATIONS = ['RST', 'STR', 'TRS'] as const;

/**
 * A daily shape of the DSO's capacity, different in every block as real forecasts are: plenty at
 * night, tight in the evening, where the 6 A minimums of all the EVs do not fit.
 */
function groupLimitA(block: number, sites: number, random: Random): number {
  const hour = (block / 4) % 24;
  const share = hour >= 17 && hour < 21 ? 0.25 : hour >= 7 && hour < 17 ? 0.55 : 0.9;
  return sites * CONNECTORS_PER_SITE * 16 * share * (0.45 + 0.1 * random());
}

/** groupScale > 1 gives the DSO's group room to spare, so that the sites' own limits bind. */
function syntheticGroup(siteCount: number, random: Random, groupScale = 1): AllocationInput {
  const blocks = Array.from({ length: BLOCKS }, (_, b) => ({
    start: new Date(EPOCH_MS + b * QUARTER_MS).toISOString(),
    end: new Date(EPOCH_MS + (b + 1) * QUARTER_MS).toISOString(),
  }));
  const constant = (limitA: number): PerPhase[] => blocks.map(() => [limitA, limitA, limitA]);
  const nodes: CapacityNode[] = [
    {
      id: 'group',
      parentId: null,
      limitsA: blocks.map((_, b) => {
        const limitA = groupLimitA(b, siteCount, random) * groupScale;
        return [limitA, limitA * 0.95, limitA * 1.05];
      }),
    },
  ];
  const connectors: ConnectorDemand[] = [];
  for (let s = 0; s < siteCount; s++) {
    nodes.push({ id: `s${s}`, parentId: 'group', limitsA: constant(400) });
    for (let f = 0; f < FEEDERS_PER_SITE; f++) {
      nodes.push({ id: `s${s}f${f}`, parentId: `s${s}`, limitsA: constant(160) });
    }
    for (let k = 0; k < CONNECTORS_PER_SITE; k++) {
      const onePhase = random() < 0.3;
      connectors.push({
        id: `s${s}c${k}`,
        nodeId: `s${s}f${k % FEEDERS_PER_SITE}`,
        phases: onePhase ? 1 : 3,
        phaseRotation: ROTATIONS[k % ROTATIONS.length],
        maxCurrentA: random() < 0.5 ? 16 : 32,
        minCurrentA: 6,
        active: random() < 0.85,
        precedence: Math.floor(random() * 1000),
        priority: random() < 0.1 ? 2 : 1,
        uncontrollable: random() < 0.02,
      });
    }
  }
  return { blocks, nodes, connectors };
}

interface Measurement {
  connectors: number;
  sites: number;
  runs: number;
  medianMs: number;
  minMs: number;
  /** CPU time of this process: steadier than wall time when other work shares the machine. */
  medianCpuMs: number;
  heapMiB: number;
}

function measure(siteCount: number, runs: number): Measurement {
  const input = syntheticGroup(siteCount, fixedSeedRandom(siteCount));
  allocate(input); // warm-up: JIT and lazy parsing are not what is measured
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let heapMiB = 0;
  for (let run = 0; run < runs; run++) {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const plan = allocate(input);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    const cpu = process.cpuUsage(cpuBefore);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
    heapMiB = Math.max(heapMiB, (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
    if (plan.allocations.length !== input.connectors.length) throw new Error('Lost connectors');
  }
  return {
    connectors: input.connectors.length,
    sites: siteCount,
    runs,
    medianMs: median(times),
    minMs: Math.min(...times),
    medianCpuMs: median(cpuTimes),
    heapMiB,
  };
}

interface ReplanMeasurement {
  label: string;
  scope: string;
  medianMs: number;
}

/** One EV arrives in site s0 of 100: re-plan from the previous plan of the whole group. */
function measureReplan(label: string, groupScale: number, runs: number): ReplanMeasurement {
  const before = syntheticGroup(100, fixedSeedRandom(7), groupScale);
  const arriving = before.connectors.findIndex((c) => c.nodeId.startsWith('s0f') && !c.active);
  const after = {
    ...before,
    connectors: before.connectors.map((c, i) => (i === arriving ? { ...c, active: true } : c)),
  };
  const previous = allocate(before);
  replanSite(after, previous, 's0');
  const times: number[] = [];
  let scope = '';
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    scope = replanSite(after, previous, 's0').scope;
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { label, scope, medianMs: median(times) };
}

/** Fewer runs for the larger sizes keep the whole benchmark within a couple of minutes. */
function runsFor(siteCount: number): number {
  return siteCount <= 10 ? 21 : siteCount <= 100 ? 11 : 5;
}

/**
 * The synthetic group of `siteCount` sites (as above: 85 % with an EV, 2 % uncontrollable, the DSO's
 * daily capacity shape) where a share of the EVs (all by default) declares 5–35 kWh and a departure
 * within the day, with a price per block (dear from 17:00 to 21:00): the energy wanted does not all fit.
 */
function horizonGroup(
  siteCount: number,
  random: Random,
  groupScale = 1,
  declaredShare = 1,
  withPrices = true,
): HorizonInput {
  const group = syntheticGroup(siteCount, random, groupScale);
  const pricesPerKwh = group.blocks.map((_, b) => {
    const hour = (b / 4) % 24;
    return hour >= 17 && hour < 21 ? 0.35 : 0.15 + 0.05 * random();
  });
  return {
    ...group,
    ...(withPrices ? { pricesPerKwh } : {}),
    connectors: group.connectors.map((c) =>
      declaredShare >= 1 || random() < declaredShare
        ? {
            ...c,
            energyWantedWh: 5000 + 30_000 * random(),
            departure: new Date(
              EPOCH_MS + Math.floor(BLOCKS * (0.3 + 0.7 * random())) * QUARTER_MS,
            ).toISOString(),
          }
        : c,
    ),
  };
}

interface HorizonMeasurement {
  connectors: number;
  sites: number;
  group: string;
  /** Share of the EVs that declare energy and departure, and which sessions the LP plans. */
  declared: string;
  runs: number;
  medianMs: number;
  medianCpuMs: number;
  relaxedKwh: number;
  plannedKwh: number;
}

/**
 * groupScale 4: the DSO's group has room, the sites' own limits bind and each site is its own LP.
 * declaredShare < 1 plans as planning does: only the declared sessions in the LP. A pivot budget
 * cuts the LP's later stages short (`laterStagePivotBudget`).
 */
function measureHorizon(
  siteCount: number,
  runs: number,
  groupScale = 1,
  declaredShare = 1,
  withPrices = true,
  pivotBudget?: number,
): HorizonMeasurement {
  const input = horizonGroup(siteCount, fixedSeedRandom(siteCount), groupScale, declaredShare, withPrices);
  const options: HorizonOptions = {
    ...(declaredShare < 1 ? { lpSessions: 'declared' } : {}),
    ...(pivotBudget !== undefined ? { laterStagePivotBudget: pivotBudget } : {}),
  };
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let plan = optimizeHorizon(input, options);
  for (let run = 0; run < runs; run++) {
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    plan = optimizeHorizon(input, options);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    const cpu = process.cpuUsage(cpuBefore);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  return {
    connectors: input.connectors.length,
    sites: siteCount,
    group: groupScale > 1 ? 'room' : 'binds',
    declared:
      (declaredShare < 1 ? `${Math.round(declaredShare * 100)} % (LP: declared)` : 'all (LP: all)') +
      (withPrices ? '' : ', no prices') +
      (pivotBudget !== undefined ? `, pivot budget ${pivotBudget}` : ''),
    runs,
    medianMs: median(times),
    medianCpuMs: median(cpuTimes),
    relaxedKwh: plan.relaxedEnergyWh / 1000,
    plannedKwh: plan.energyWh / 1000,
  };
}

/**
 * BENCH_DECLARED=0.1 measures that share of declared sessions only (with BENCH_SITES, one size);
 * BENCH_PIVOT_BUDGET (default 0) is the budget of the rows with one, and given explicitly with
 * BENCH_SITES, measures only that size with that budget (e.g. 100 sites, where the exact LP takes far
 * too long).
 */
function printHorizon(): void {
  const sites = process.env.BENCH_SITES ? [Number(process.env.BENCH_SITES)] : [1, 3, 10];
  const declared = process.env.BENCH_DECLARED ? Number(process.env.BENCH_DECLARED) : undefined;
  const budget = Number(process.env.BENCH_PIVOT_BUDGET ?? 0);
  const budgetOnly = process.env.BENCH_SITES !== undefined && process.env.BENCH_PIVOT_BUDGET !== undefined;
  const rows = budgetOnly
    ? sites.map((siteCount) => measureHorizon(siteCount, 1, 1, 1, true, budget))
    : declared !== undefined
      ? sites.flatMap((siteCount) => [
          measureHorizon(siteCount, 3, 1, declared),
          measureHorizon(siteCount, 3, 1, declared, false),
        ])
      : [
          ...sites.map((siteCount) => measureHorizon(siteCount, siteCount <= 1 ? 5 : 1)),
          ...(process.env.BENCH_SITES ? [] : [measureHorizon(10, 3, 1, 1, true, budget)]),
          ...(process.env.BENCH_SITES ? [] : [10, 100].map((siteCount) => measureHorizon(siteCount, 1, 4))),
          ...(process.env.BENCH_SITES
            ? []
            : [0.05, 0.1, 0.2].flatMap((share) => [
                measureHorizon(10, 3, 1, share),
                measureHorizon(10, 3, 1, share, false),
              ])),
        ];
  console.log(`\noptimizeHorizon: ${BLOCKS} blocks, energy wants and departures, prices unless said`);
  console.log(
    '| connectors | sites | group limit | declared | runs | median ms | median CPU ms | LP optimum kWh | planned kWh | median in ref |',
  );
  console.log('| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const figures = [r.medianMs, r.medianCpuMs, r.relaxedKwh, r.plannedKwh]
      .map((x) => x.toFixed(1))
      .join(' | ');
    console.log(
      `| ${r.connectors} | ${r.sites} | ${r.group} | ${r.declared} | ${r.runs} | ${figures} | ${inReference(r.medianMs)} |`,
    );
  }
}

/**
 * The workload for the solvers: every EV declares energy and departure, the group limit binds,
 * 96 blocks; BENCH_HORIZON_CONNECTORS (default 1,000, in sites of 100) chooses the size.
 */
async function printSolvers(): Promise<void> {
  const connectors = Number(process.env.BENCH_HORIZON_CONNECTORS ?? 1000);
  const siteCount = Math.max(1, Math.round(connectors / CONNECTORS_PER_SITE));
  const input = horizonGroup(siteCount, fixedSeedRandom(siteCount));
  const label = `${input.connectors.length} connectors, ${BLOCKS} blocks, every EV declaring, group limit binds, prices`;
  await printHorizonSolvers(input, label);
}

/** BENCH_SITES=100 measures that size only, e.g. under a profiler. */
async function main(): Promise<void> {
  printReference();
  if (process.env.BENCH_SECTION === 'solvers') return printSolvers();
  if (process.env.BENCH_SECTION === 'horizon') {
    printHorizon();
    return printSolvers();
  }
  if (!global.gc) console.warn('Run with --expose-gc for the memory figures (npm run bench:optimizer does).');
  const sites = process.env.BENCH_SITES ? [Number(process.env.BENCH_SITES)] : [10, 100, 1000];
  const rows = sites.map((siteCount) => measure(siteCount, runsFor(siteCount)));
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `allocate: ${BLOCKS} blocks, ${CONNECTORS_PER_SITE} connectors per site, Node ${process.version}`,
  );
  console.log(
    `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load}`,
  );
  console.log(
    '| connectors | sites | runs | median ms | min ms | median CPU ms | result heap MiB | median in ref |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const figures = [r.medianMs, r.minMs, r.medianCpuMs, r.heapMiB].map((x) => x.toFixed(1)).join(' | ');
    console.log(`| ${r.connectors} | ${r.sites} | ${r.runs} | ${figures} | ${inReference(r.medianMs)} |`);
  }
  if (process.env.BENCH_SITES) return;
  const replans = [
    measureReplan('group with room, the sites bind', 4, 51),
    measureReplan('group limit binds in the evening', 1, 5),
  ];
  console.log('\nreplanSite: one EV arrives in one site of 100 (100 connectors each), 96 blocks');
  console.log('| case | scope computed | median ms | median in ref |');
  console.log('| --- | --- | ---: | ---: |');
  for (const r of replans) {
    console.log(`| ${r.label} | ${r.scope} | ${r.medianMs.toFixed(2)} | ${inReference(r.medianMs)} |`);
  }
  printHorizon();
  await printSolvers();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * `npm run bench:lp-sessions`: which sessions the horizon LP should plan (issue 15, item 4). On
 * random instances with fixed seeds where the root binds in the fair plan, with the `earliest`
 * objective and no soft limits (the only case where `declared` leaves declaring sessions out of the
 * LP), it compares `lpSessions: 'declared'` with `'every-declared'`: the energy the declaring sessions
 * get by departure (sum, worst shortfall), how many of them get less than under `declared`, and what
 * the sessions without a declared energy get. Not timed: the figures are the plans' energies.
 */
import fc from 'fast-check';
import { allocate, optimizeHorizon, type HorizonInput, type HorizonOptions } from '@gridflex/optimizer';
import { allocationInput, type InstanceBounds } from '../libs/optimizer/src/testing/random-instances';
import { fixedSeedRandom, type Random } from './bench-support';

const TOLERANCE_WH = 1e-6;
const MODES = ['declared', 'every-declared'] as const;
type Mode = (typeof MODES)[number];

interface Totals {
  declaredWh: number;
  worstShortfallWh: number;
  undeclaredWh: number;
}

interface Comparison {
  instances: number;
  totals: Record<Mode, Totals>;
  /** Instances where `every-declared` gives the declaring sessions more / less energy in all. */
  moreInAll: number;
  lessInAll: number;
  /** Declaring sessions that get less / more under `every-declared` than under `declared`. */
  sessionsLess: number;
  sessionsMore: number;
  sessionsLessWh: number;
  /** Instances whose plans differ between the two modes. */
  differing: number;
}

function emptyTotals(): Totals {
  return { declaredWh: 0, worstShortfallWh: 0, undeclaredWh: 0 };
}

function steered(c: HorizonInput['connectors'][number]): boolean {
  return c.active && !c.uncontrollable;
}

/** The root binds somewhere in `allocate`'s plan: the sessions compete for the group's room. */
function rootBinds(input: HorizonInput): boolean {
  return allocate(input).nodeLoads.some((n) => n.nodeId === input.nodes[0].id && n.bound);
}

function compare(instances: readonly HorizonInput[]): Comparison {
  const totals = { declared: emptyTotals(), 'every-declared': emptyTotals() };
  const result: Comparison = {
    instances: instances.length,
    totals,
    moreInAll: 0,
    lessInAll: 0,
    sessionsLess: 0,
    sessionsMore: 0,
    sessionsLessWh: 0,
    differing: 0,
  };
  for (const input of instances) {
    const plans = MODES.map((mode) => optimizeHorizon(input, { lpSessions: mode } satisfies HorizonOptions));
    if (JSON.stringify(plans[0].allocations) !== JSON.stringify(plans[1].allocations)) result.differing++;
    const delivered = plans.map((plan) => {
      return input.connectors.map((c, i) => Math.min(plan.plannedWh[i], c.energyWantedWh ?? Infinity));
    });
    const sums = [0, 0];
    input.connectors.forEach((c, i) => {
      if (!steered(c)) return;
      MODES.forEach((mode, m) => {
        if (c.energyWantedWh === undefined) {
          totals[mode].undeclaredWh += delivered[m][i];
          return;
        }
        sums[m] += delivered[m][i];
        const shortfall = c.energyWantedWh - delivered[m][i];
        totals[mode].worstShortfallWh = Math.max(totals[mode].worstShortfallWh, shortfall);
      });
      if (c.energyWantedWh === undefined) return;
      const change = delivered[1][i] - delivered[0][i];
      if (change < -TOLERANCE_WH * Math.max(1, delivered[0][i])) {
        result.sessionsLess++;
        result.sessionsLessWh -= change;
      }
      if (change > TOLERANCE_WH * Math.max(1, delivered[0][i])) result.sessionsMore++;
    });
    totals.declared.declaredWh += sums[0];
    totals['every-declared'].declaredWh += sums[1];
    if (sums[1] > sums[0] + TOLERANCE_WH * Math.max(1, sums[0])) result.moreInAll++;
    if (sums[1] < sums[0] - TOLERANCE_WH * Math.max(1, sums[0])) result.lessInAll++;
  }
  return result;
}

/** Random trees (`allocationInput`), `earliest` without soft limits, every other session undeclared when asked. */
function randomInstances(bounds: InstanceBounds, seed: number, halfUndeclared: boolean): HorizonInput[] {
  return fc
    .sample(allocationInput(bounds), { numRuns: 2000, seed })
    .map((input): HorizonInput => ({
      ...input,
      objective: 'earliest',
      connectors: input.connectors.map((c, i) =>
        halfUndeclared && i % 2 === 1 ? { ...c, energyWantedWh: undefined } : c,
      ),
    }))
    .filter(rootBinds);
}

const BLOCKS = 96;
const QUARTER_MS = 15 * 60 * 1000;
const EPOCH_MS = Date.UTC(2026, 0, 5);

/**
 * One site of 100 connectors on 4 feeders under a DSO group whose limit binds in the evening (as
 * `bench:optimizer`'s fleet), 85 % with an EV, a share of them declaring 5–35 kWh and a departure.
 */
function fleetSite(random: Random, declaredShare: number): HorizonInput {
  const blocks = Array.from({ length: BLOCKS }, (_, b) => ({
    start: new Date(EPOCH_MS + b * QUARTER_MS).toISOString(),
    end: new Date(EPOCH_MS + (b + 1) * QUARTER_MS).toISOString(),
  }));
  const groupA = (b: number): number => {
    const hour = (b / 4) % 24;
    const share = hour >= 17 && hour < 21 ? 0.25 : hour >= 7 && hour < 17 ? 0.55 : 0.9;
    return 100 * 16 * share * (0.45 + 0.1 * random());
  };
  const nodes = [
    { id: 'group', parentId: null, limitsA: blocks.map((_, b) => groupA(b)).map((a) => [a, a, a]) },
    { id: 'site', parentId: 'group', limitsA: blocks.map(() => [400, 400, 400]) },
    ...[0, 1, 2, 3].map((f) => ({
      id: `f${f}`,
      parentId: 'site',
      limitsA: blocks.map(() => [160, 160, 160]),
    })),
  ] as HorizonInput['nodes'];
  const connectors = Array.from({ length: 100 }, (_, k) => ({
    id: `c${k}`,
    nodeId: `f${k % 4}`,
    phases: random() < 0.3 ? (1 as const) : (3 as const),
    maxCurrentA: random() < 0.5 ? 16 : 32,
    minCurrentA: 6,
    active: random() < 0.85,
    precedence: Math.floor(random() * 1000),
    ...(random() < declaredShare
      ? {
          energyWantedWh: 5000 + 30_000 * random(),
          departure: new Date(
            EPOCH_MS + Math.floor(BLOCKS * (0.3 + 0.7 * random())) * QUARTER_MS,
          ).toISOString(),
        }
      : {}),
  }));
  return { blocks, nodes, connectors, objective: 'earliest' };
}

function printRow(label: string, c: Comparison): void {
  const kwh = (wh: number) => (wh / 1000).toFixed(3);
  const [d, e] = [c.totals.declared, c.totals['every-declared']];
  console.log(
    `| ${label} | ${c.instances} (${c.differing}) | ${kwh(d.declaredWh)} | ${kwh(e.declaredWh)} | ${kwh(d.worstShortfallWh)} | ${kwh(e.worstShortfallWh)} | ${c.moreInAll} / ${c.lessInAll} | ${c.sessionsMore} / ${c.sessionsLess} (${kwh(c.sessionsLessWh)}) | ${kwh(d.undeclaredWh)} | ${kwh(e.undeclaredWh)} |`,
  );
}

function main(): void {
  const small: InstanceBounds = {
    maxNodes: 6,
    maxConnectors: 14,
    maxBlocks: 6,
    maxDepth: 4,
    totalLimits: true,
  };
  console.log(
    '| instances (root binds, earliest) | n (plans differ) | declaring kWh: declared | every-declared | worst shortfall kWh: declared | every-declared | instances more / less in all | sessions more / less (kWh lost) | undeclared kWh: declared | every-declared |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  printRow('random, all declaring', compare(randomInstances(small, 20261207, false)));
  printRow('random, half declaring', compare(randomInstances(small, 20261208, true)));
  const continuous = (input: HorizonInput): HorizonInput => ({
    ...input,
    connectors: input.connectors.map((c) => ({ ...c, minCurrentA: 0 })),
  });
  printRow(
    'random, all declaring, minimums 0',
    compare(randomInstances(small, 20261207, false).map(continuous)),
  );
  printRow(
    'random, half declaring, minimums 0',
    compare(randomInstances(small, 20261208, true).map(continuous)),
  );
  // Wants a twentieth as large: the fair share serves more of the declaring sessions.
  const smallWants = (input: HorizonInput): HorizonInput => ({
    ...input,
    connectors: input.connectors.map((c) =>
      c.energyWantedWh === undefined ? c : { ...c, energyWantedWh: c.energyWantedWh / 20 },
    ),
  });
  printRow(
    'random, half declaring, wants / 20',
    compare(randomInstances(small, 20261208, true).map(smallWants)),
  );
  for (const share of [0.5, 1]) {
    const sites = Array.from({ length: 10 }, (_, s) => fleetSite(fixedSeedRandom(100 + s), share));
    printRow(`fleet site of 100, ${share * 100} % declaring`, compare(sites.filter(rootBinds)));
  }
}

main();

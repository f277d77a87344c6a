import fc from 'fast-check';
import highsLoader, { type Highs } from 'highs';
import { optimizeHorizon } from './horizon.js';
import { allocate, connectorWattsPerAmpere } from './allocate.js';
import type { HorizonInput, HorizonObjective, HorizonOptions, HorizonPlan, PerPhase } from './model.js';
import { allocationInput, SMALL_INSTANCES, type InstanceBounds } from './testing/random-instances.js';
import { referenceOptimum, type HeldCurrents } from './testing/horizon-reference-lp.js';

const INSTANCES = 500;
const RELATIVE_TOLERANCE = 1e-7;

/**
 * Random trees as for `allocate` (with total power limits on some nodes when the bounds ask), prices,
 * an objective and, on some instances, OPTIMUM soft limits on the root — which must never cost energy.
 */
function randomHorizon(bounds: InstanceBounds = SMALL_INSTANCES): fc.Arbitrary<HorizonInput> {
  return allocationInput(bounds).chain((input) =>
    fc
      .record({
        prices: fc.array(fc.integer({ min: 0, max: 40 }), {
          minLength: input.blocks.length,
          maxLength: input.blocks.length,
        }),
        objective: fc.constantFrom<HorizonObjective>('cost', 'peak', 'earliest'),
        soft: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      })
      .map(({ prices, objective, soft }) => ({
        ...input,
        pricesPerKwh: prices.map((p) => p / 100),
        objective,
        softLimits:
          soft === undefined
            ? undefined
            : [{ nodeId: 'n0', limitsA: input.blocks.map((): PerPhase => [soft, soft + 5, soft]) }],
      })),
  );
}

/** The same with minimums at 0: the continuous case, where the plan delivers the LP's optimum. */
function continuousHorizon(bounds: InstanceBounds = SMALL_INSTANCES): fc.Arbitrary<HorizonInput> {
  return randomHorizon(bounds).map(withoutMinimums);
}

function withoutMinimums(input: HorizonInput): HorizonInput {
  return { ...input, connectors: input.connectors.map((c) => ({ ...c, minCurrentA: 0 })) };
}

/**
 * The reference holds the energy to 1e-6 Wh and the cost to 1e-9, which lets its fair level move a
 * little more: e.g. 1e-6 Wh moved to a session that can only take 2 Wh at priority 2 and converts
 * a few Wh per ampere less is a level of about 2e-6.
 */
const FAIR_TOLERANCE = 1e-5;

/** The lowest share per unit of priority of what a session can take at all (wanted, or its maximum over its stay). */
function lowestShare(input: HorizonInput, plan: HorizonPlan): number {
  const shares = input.connectors.flatMap((c, i) => {
    if (!c.active || c.uncontrollable) return [];
    const departureMs = c.departure === undefined ? Infinity : Date.parse(c.departure);
    const atMaximumWh = input.blocks.reduce((sum, b) => {
      if (b.end === null) return sum;
      const hours = Math.max(0, (Math.min(Date.parse(b.end), departureMs) - Date.parse(b.start)) / 3_600_000);
      return sum + hours * connectorWattsPerAmpere(c) * c.maxCurrentA;
    }, 0);
    const mostWh = Math.min(c.energyWantedWh ?? Infinity, atMaximumWh);
    return mostWh > 0 ? [plan.plannedWh[i] / ((c.priority ?? 1) * mostWh)] : [];
  });
  return Math.min(...shares);
}

function expectClose(
  actual: number,
  expected: number,
  what: string,
  input: HorizonInput,
  tolerance = RELATIVE_TOLERANCE,
): void {
  if (Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected))) return;
  throw new Error(`${what}: ${actual}, HiGHS ${expected}\n${JSON.stringify(input)}`);
}

/** How many instances delivered energy, chose between blocks, shared out, had a total bind. */
interface Exercised {
  withEnergy: number;
  choosingBlocks: number;
  sharedOut: number;
  totalBound: number;
}

/**
 * Each plan against HiGHS: energy always; with neither soft limits nor the peak, the least cost and
 * the fair level; with the peak objective, the least peak. Counts what the instances exercised.
 */
function expectLpOptima(highs: Highs, instances: readonly HorizonInput[]): Exercised {
  let withEnergy = 0;
  let choosingBlocks = 0;
  let sharedOut = 0;
  let totalBound = 0;
  for (const input of instances) {
    const plan = optimizeHorizon(input);
    const reference = referenceOptimum(highs, input);
    expectClose(plan.relaxedEnergyWh, reference.energyWh, 'LP energy', input);
    expectClose(plan.energyWh, reference.energyWh, 'planned energy', input);
    if (plan.energyWh > 0) withEnergy++;
    if (plan.details.some((d) => d.reasons.some((r) => r.kind === 'other-blocks'))) choosingBlocks++;
    if (plan.explanations.some((e) => e.reasons.some((r) => 'phase' in r && r.phase === 'total')))
      totalBound++;
    // Soft limits come before cost and peak, so those are compared only without them.
    if (input.softLimits) continue;
    if (input.objective === 'cost') expectClose(plan.cost ?? NaN, reference.cost ?? NaN, 'cost', input);
    if (reference.fairLevel !== undefined) {
      if (reference.fairLevel > 0 && reference.fairLevel < 0.999) sharedOut++;
      expectClose(lowestShare(input, plan), reference.fairLevel, 'fair level', input, FAIR_TOLERANCE);
    }
    if (input.objective === 'peak') {
      const peaks = Object.values(plan.peaksA ?? {}).reduce((a, b) => a + b, 0);
      expectClose(peaks, reference.peakA ?? NaN, 'peak', input);
    }
  }
  return { withEnergy, choosingBlocks, sharedOut, totalBound };
}

/**
 * Not vacuous: many instances deliver energy, some leave blocks to choose between, and some cannot
 * give every session all it can take.
 */
function expectExercised(counts: Exercised, atLeast: Partial<Exercised>): void {
  expect(counts.withEnergy).toBeGreaterThanOrEqual(atLeast.withEnergy ?? 0);
  expect(counts.choosingBlocks).toBeGreaterThanOrEqual(atLeast.choosingBlocks ?? 10);
  expect(counts.sharedOut).toBeGreaterThanOrEqual(atLeast.sharedOut ?? 10);
  expect(counts.totalBound).toBeGreaterThanOrEqual(atLeast.totalBound ?? 0);
}

/** Why a session is planned by the LP in `declared` (or `every-declared`) mode, from the definition in `HorizonOptions`. */
function declaredScope(input: HorizonInput, options: HorizonOptions) {
  const fair = allocate(input, options);
  const objective = input.objective ?? (input.pricesPerKwh ? 'cost' : 'earliest');
  const choosing =
    options.lpSessions === 'every-declared' ||
    objective !== 'earliest' ||
    (input.softLimits?.length ?? 0) > 0;
  const steered = (c: HorizonInput['connectors'][number]) => c.active && !c.uncontrollable;
  const wantedOf = (c: HorizonInput['connectors'][number]) =>
    c.energyWantedWh ?? options.defaultEnergyWantedWh;
  const short = input.connectors.map((c, i) => {
    const wantedWh = wantedOf(c);
    if (!steered(c) || wantedWh === undefined) return false;
    return deliveredWh(input, c, fair.allocations[i].limitsA) < wantedWh - 1e-6 * Math.max(1, wantedWh);
  });
  // Contested: a node binding in the fair plan, above a session falling short.
  const bound = new Set(fair.nodeLoads.filter((n) => n.bound).map((n) => n.nodeId));
  const parentOf = new Map(input.nodes.map((n) => [n.id, n.parentId]));
  const pathOf = (nodeId: string | null): string[] =>
    nodeId === null ? [] : [nodeId, ...pathOf(parentOf.get(nodeId) ?? null)];
  const contested = new Set(
    input.connectors.flatMap((c, i) => (short[i] ? pathOf(c.nodeId).filter((id) => bound.has(id)) : [])),
  );
  const planned = new Set<number>();
  const held = new Map<number, number[]>();
  input.connectors.forEach((c, i) => {
    if (!steered(c)) return;
    const onContested = pathOf(c.nodeId).some((id) => contested.has(id));
    if (wantedOf(c) !== undefined && (choosing || short[i] || onContested)) {
      planned.add(i);
      return;
    }
    // Outside the LP: its minimum wherever its fair share charges it.
    held.set(
      i,
      input.blocks.map((_, t) => (fair.allocations[i].limitsA[t] > 0 ? c.minCurrentA : 0)),
    );
  });
  // A session without an energy of its own is planned for the default.
  const declared: HorizonInput = {
    ...input,
    connectors: input.connectors.map((c) => ({
      ...c,
      energyWantedWh: c.energyWantedWh ?? options.defaultEnergyWantedWh,
    })),
  };
  return { planned, held: held as HeldCurrents, declared };
}

/** The energy limits deliver in the blocks with an end while the EV is there. */
function deliveredWh(input: HorizonInput, c: HorizonInput['connectors'][number], limitsA: number[]): number {
  const departureMs = c.departure === undefined ? Infinity : Date.parse(c.departure);
  return input.blocks.reduce((sum, b, t) => {
    if (b.end === null) return sum;
    const hours = Math.max(0, (Math.min(Date.parse(b.end), departureMs) - Date.parse(b.start)) / 3_600_000);
    return sum + limitsA[t] * hours * connectorWattsPerAmpere(c);
  }, 0);
}

function earliestOnly(input: HorizonInput): HorizonInput {
  return { ...input, objective: 'earliest', softLimits: undefined };
}

function halfUndeclared(input: HorizonInput): HorizonInput {
  return {
    ...input,
    connectors: input.connectors.map((c, i) => (i % 2 === 1 ? { ...c, energyWantedWh: undefined } : c)),
  };
}

/** The same sessions held, at 0. */
function zeroed(held: HeldCurrents): HeldCurrents {
  return new Map([...held].map(([i, currents]) => [i, currents.map(() => 0)]));
}

describe('optimizeHorizon against HiGHS', () => {
  let highs: Highs;
  beforeAll(async () => {
    highs = await highsLoader();
  });

  it(`delivers the LP's maximum energy at the LP's least cost or peak, shared at the LP's fair level, on ${INSTANCES} random instances`, () => {
    const instances = fc.sample(continuousHorizon(), { numRuns: INSTANCES, seed: 20261126 });
    expectExercised(expectLpOptima(highs, instances), { withEnergy: INSTANCES / 2 });
  });

  it(`does so with total power limits on nodes too, on ${INSTANCES} random instances`, () => {
    const bounds = { ...SMALL_INSTANCES, totalLimits: true };
    const instances = fc.sample(continuousHorizon(bounds), { numRuns: INSTANCES, seed: 20261127 });
    // Totals of 0 leave more instances without energy, and fewer to share out; in many instances a
    // total is what holds a connector back.
    expectExercised(expectLpOptima(highs, instances), {
      withEnergy: INSTANCES / 3,
      sharedOut: 5,
      totalBound: INSTANCES / 10,
    });
  });
  /**
   * `laterStagePivotBudget: 0`: no pivot at all for cost, peak, yielding and earliest, which keeps
   * the crash's cost-ordered start; energy (and the fair shares) still exact. Its cost is never below
   * the LP's (on these small instances the crash often reaches it; on the bench's fleet it is 1.2 %
   * above), and its plans differ from the exact chain's: the budget really cuts the chain short —
   * except in parts of the LP no larger than `exactLpMaxColumns`.
   */
  it(`with a pivot budget of 0 after the energy, still delivers the LP's maximum energy, on ${INSTANCES / 2} random instances`, () => {
    const bounds = { ...SMALL_INSTANCES, totalLimits: true };
    // The cost objective without OPTIMUM everywhere, so that every instance compares the cost.
    const instances = fc
      .sample(continuousHorizon(bounds), { numRuns: INSTANCES / 2, seed: 20261207 })
      .map((input): HorizonInput => ({ ...input, objective: 'cost', softLimits: undefined }));
    let differing = 0;
    let withEnergy = 0;
    for (const input of instances) {
      const plan = optimizeHorizon(input, { laterStagePivotBudget: 0 });
      const reference = referenceOptimum(highs, input);
      expectClose(plan.relaxedEnergyWh, reference.energyWh, 'LP energy', input);
      expectClose(plan.energyWh, reference.energyWh, 'planned energy', input);
      if (plan.energyWh > 0) withEnergy++;
      const [cost, optimum] = [plan.cost ?? NaN, reference.cost ?? NaN];
      expect(cost).toBeGreaterThanOrEqual(optimum - RELATIVE_TOLERANCE * Math.max(1, Math.abs(optimum)));
      const exact = optimizeHorizon(input);
      if (JSON.stringify(exact.allocations) !== JSON.stringify(plan.allocations)) differing++;
      // Below `exactLpMaxColumns` the budget does not apply: the exact chain's plan.
      const small = optimizeHorizon(input, { laterStagePivotBudget: 0, exactLpMaxColumns: 1e6 });
      expect(small.allocations).toEqual(exact.allocations);
    }
    expect(withEnergy).toBeGreaterThan(INSTANCES / 6);
    expect(differing).toBeGreaterThan(0);
  });

  /**
   * `lpSessions: 'declared'` plans by LP only the sessions with an energy wanted (their own or the
   * default) — with the `earliest` objective and no OPTIMUM, only those whose fair share (`allocate` of
   * everyone) misses it by departure. What it promises: their energy is the LP maximum with every
   * other session held at its minimum wherever its fair share charges it (admission keeps that for
   * it), under every limit. With minimums 0 they are held at 0 and the planned sessions deliver
   * exactly that maximum; with minimums, the LP's optimum is it before the minimum rule.
   */
  it(`plans the declared sessions at the LP's maximum given the others' minimums, on ${INSTANCES} random instances`, () => {
    const bounds = { ...SMALL_INSTANCES, totalLimits: true };
    // Mostly `earliest` without OPTIMUM, where only the sessions that need it are planned, and half
    // the sessions declaring no energy.
    const instances = fc.sample(
      fc.tuple(
        fc.oneof(
          { weight: 3, arbitrary: randomHorizon(bounds).map(earliestOnly).map(halfUndeclared) },
          { weight: 1, arbitrary: randomHorizon(bounds) },
        ),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined, freq: 2 }),
      ),
      { numRuns: INSTANCES, seed: 20261128 },
    );
    let mixed = 0;
    let heldBack = 0;
    for (const [input, defaultEnergyWantedWh] of instances) {
      const options: HorizonOptions = { lpSessions: 'declared', defaultEnergyWantedWh };
      const relaxed = declaredScope(input, options);
      const plan = optimizeHorizon(input, options);
      const reference = referenceOptimum(highs, relaxed.declared, relaxed.held).energyWh;
      expectClose(plan.relaxedEnergyWh, reference, 'LP energy given the minimums', input);

      const continuous = withoutMinimums(input);
      const scope = declaredScope(continuous, options);
      const continuousPlan = optimizeHorizon(continuous, options);
      const maximum = referenceOptimum(highs, scope.declared, scope.held).energyWh;
      const plannedWh = [...scope.planned].reduce((sum, i) => sum + continuousPlan.plannedWh[i], 0);
      expectClose(plannedWh, maximum, "declared sessions' energy", continuous);
      expectClose(continuousPlan.relaxedEnergyWh, maximum, 'continuous LP energy', continuous);

      if (relaxed.planned.size > 0 && relaxed.held.size > 0 && reference > 0) mixed++;
      const withoutOthers = referenceOptimum(highs, relaxed.declared, zeroed(relaxed.held)).energyWh;
      if (reference < withoutOthers - 1e-6 * Math.max(1, withoutOthers)) heldBack++;
    }
    // Not vacuous: many instances plan some sessions beside others, and in a few the others' minimums
    // take energy from the planned ones (so the LP would be wrong to count that room as free).
    expect(mixed).toBeGreaterThanOrEqual(INSTANCES / 10);
    expect(heldBack).toBeGreaterThanOrEqual(3);
  });

  /**
   * `lpSessions: 'every-declared'` plans every session with an energy wanted by LP, whatever the
   * objective. In the continuous case its declaring sessions get HiGHS's maximum with the others held
   * at 0, which bounds what any plan gives them: never less than `declared` gives them in all, and
   * with the budget and the size threshold (`exactLpMaxColumns`) the energy stays that maximum.
   */
  it(`plans every declaring session at the LP's maximum, at least the energy of \`declared\`, on ${INSTANCES / 5} random instances`, () => {
    const bounds = { ...SMALL_INSTANCES, totalLimits: true };
    // Smaller wants than elsewhere, so that the fair share delivers some of them by departure.
    const smallWants = (input: HorizonInput): HorizonInput => ({
      ...input,
      connectors: input.connectors.map((c) =>
        c.energyWantedWh === undefined ? c : { ...c, energyWantedWh: c.energyWantedWh / 20 },
      ),
    });
    const instances = fc.sample(
      randomHorizon(bounds).map(earliestOnly).map(halfUndeclared).map(withoutMinimums).map(smallWants),
      {
        numRuns: INSTANCES / 5,
        seed: 20261207,
      },
    );
    let outsideDeclared = 0;
    for (const input of instances) {
      const every: HorizonOptions = {
        lpSessions: 'every-declared',
        laterStagePivotBudget: 0,
        exactLpMaxColumns: 10,
      };
      const scope = declaredScope(input, every);
      const plan = optimizeHorizon(input, every);
      const maximum = referenceOptimum(highs, scope.declared, scope.held).energyWh;
      const declaringWh = (p: HorizonPlan) => [...scope.planned].reduce((sum, i) => sum + p.plannedWh[i], 0);
      expectClose(declaringWh(plan), maximum, "every declaring session's energy", input);
      const old = optimizeHorizon(input, { lpSessions: 'declared' });
      expect(declaringWh(plan)).toBeGreaterThanOrEqual(
        declaringWh(old) - RELATIVE_TOLERANCE * Math.max(1, maximum),
      );
      if (declaredScope(input, { lpSessions: 'declared' }).planned.size < scope.planned.size)
        outsideDeclared++;
    }
    // Not vacuous: in some instances `declared` leaves declaring sessions to their fair share (its
    // contested-node rule takes most of them into the LP anyway).
    expect(outsideDeclared).toBeGreaterThanOrEqual(3);
  });
});

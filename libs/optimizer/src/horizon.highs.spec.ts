import fc from 'fast-check';
import highsLoader, { type Highs } from 'highs';
import { optimizeHorizon } from './horizon';
import { wattsPerAmpere } from './allocate';
import type { HorizonInput, HorizonObjective, HorizonPlan, PerPhase } from './model';
import { allocationInput } from './testing/random-instances';
import { referenceOptimum } from './testing/horizon-reference-lp';

const INSTANCES = 500;
const RELATIVE_TOLERANCE = 1e-7;

/**
 * Random trees as for `allocate`, with minimums at 0 (the continuous case), prices, an objective and,
 * on some instances, OPTIMUM soft limits on the root — which must never cost energy.
 */
function continuousHorizon(): fc.Arbitrary<HorizonInput> {
  return allocationInput().chain((input) =>
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
        connectors: input.connectors.map((c) => ({ ...c, minCurrentA: 0 })),
        pricesPerKwh: prices.map((p) => p / 100),
        objective,
        softLimits:
          soft === undefined
            ? undefined
            : [{ nodeId: 'n0', limitsA: input.blocks.map((): PerPhase => [soft, soft + 5, soft]) }],
      })),
  );
}

/** The cost is held to 1e-9 in the reference, which lets its fair level move a little more. */
const FAIR_TOLERANCE = 1e-6;

/** The lowest share per unit of priority of what a session can take at all (wanted, or its maximum over its stay). */
function lowestShare(input: HorizonInput, plan: HorizonPlan): number {
  const shares = input.connectors.flatMap((c, i) => {
    if (!c.active || c.uncontrollable) return [];
    const departureMs = c.departure === undefined ? Infinity : Date.parse(c.departure);
    const atMaximumWh = input.blocks.reduce((sum, b) => {
      if (b.end === null) return sum;
      const hours = Math.max(0, (Math.min(Date.parse(b.end), departureMs) - Date.parse(b.start)) / 3_600_000);
      return sum + hours * wattsPerAmpere(c) * c.maxCurrentA;
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

describe('optimizeHorizon against HiGHS', () => {
  let highs: Highs;
  beforeAll(async () => {
    highs = await highsLoader();
  });

  it(`delivers the LP's maximum energy at the LP's least cost or peak, shared at the LP's fair level, on ${INSTANCES} random instances`, () => {
    const instances = fc.sample(continuousHorizon(), { numRuns: INSTANCES, seed: 20261126 });
    let withEnergy = 0;
    let choosingBlocks = 0;
    let sharedOut = 0;
    for (const input of instances) {
      const plan = optimizeHorizon(input);
      const reference = referenceOptimum(highs, input);
      expectClose(plan.relaxedEnergyWh, reference.energyWh, 'LP energy', input);
      expectClose(plan.energyWh, reference.energyWh, 'planned energy', input);
      if (plan.energyWh > 0) withEnergy++;
      if (plan.details.some((d) => d.reasons.some((r) => r.kind === 'other-blocks'))) choosingBlocks++;
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
    // Not vacuous: most instances deliver energy, some leave blocks to choose between, and some cannot
    // give every session all it can take.
    expect(withEnergy).toBeGreaterThan(INSTANCES / 2);
    expect(choosingBlocks).toBeGreaterThanOrEqual(10);
    expect(sharedOut).toBeGreaterThanOrEqual(10);
  });
});

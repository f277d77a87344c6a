import fc from 'fast-check';
import highsLoader, { type Highs } from 'highs';
import { allocate, connectorWattsPerAmpere } from './allocate.js';
import type { AllocationInput, AllocationPlan, TimeBlock } from './model.js';
import { lexicographicMaxMin, type LpConnector } from './testing/lexicographic-lp.js';
import { allocationInput, SMALL_INSTANCES } from './testing/random-instances.js';

const INSTANCES = 500;
const TOLERANCE_A = 1e-6;

const hoursOf = (block: TimeBlock): number =>
  block.end === null ? Infinity : (Date.parse(block.end) - Date.parse(block.start)) / 3_600_000;

/** Energy still wanted at the start of a block, from the plan's earlier blocks. */
function remainingWh(input: AllocationInput, plan: AllocationPlan, i: number, block: number): number {
  const delivered = input.blocks
    .slice(0, block)
    .reduce(
      (sum, b, k) =>
        sum + plan.allocations[i].limitsA[k] * connectorWattsPerAmpere(input.connectors[i]) * hoursOf(b),
      0,
    );
  return (input.connectors[i].energyWantedWh ?? Infinity) - delivered;
}

/** The block's sharing problem as the optimizer set it up: who is fixed, who shares with which bounds. */
function lpConnectors(input: AllocationInput, plan: AllocationPlan, block: number): LpConnector[] {
  return input.connectors.map((c, i) => {
    const reason = plan.explanations[i].reasons[block];
    const absent = ['minimum-not-fitting', 'departed', 'energy-met'].includes(reason.kind);
    if (!c.active || absent) return { fixedA: 0, floorA: 0, capA: 0, weight: 1 };
    if (c.uncontrollable) return { fixedA: c.maxCurrentA, floorA: 0, capA: 0, weight: 1 };
    const hours = hoursOf(input.blocks[block]);
    // An open-ended block spreads no energy: only the maximum caps it.
    const energyCapA =
      hours === Infinity
        ? Infinity
        : remainingWh(input, plan, i, block) / (connectorWattsPerAmpere(c) * hours);
    const capA = Math.min(c.maxCurrentA, Math.max(c.minCurrentA, energyCapA));
    return { floorA: c.minCurrentA, capA, weight: c.priority ?? 1 };
  });
}

describe('allocate against HiGHS', () => {
  let highs: Highs;
  beforeAll(async () => {
    highs = await highsLoader();
  });

  it(`equals the lexicographic weighted max-min optimum on ${INSTANCES} random instances`, () => {
    const instances = fc.sample(allocationInput(), { numRuns: INSTANCES, seed: 20261125 });
    let comparedBlocks = 0;
    for (const input of instances) {
      const plan = allocate(input);
      input.blocks.forEach((_, block) => {
        const expected = lexicographicMaxMin(highs, input, block, lpConnectors(input, plan, block));
        const actual = plan.allocations.map((a) => a.limitsA[block]);
        actual.forEach((current, i) => {
          if (Math.abs(current - expected[i]) > TOLERANCE_A) {
            throw new Error(
              `Block ${block}, connector ${i}: ${current} A, LP ${expected[i]} A\n${JSON.stringify(input)}`,
            );
          }
        });
        comparedBlocks++;
      });
    }
    expect(comparedBlocks).toBeGreaterThanOrEqual(INSTANCES);
  });

  it(`equals it with total power limits on nodes too, on ${INSTANCES} random instances`, () => {
    const bounds = { ...SMALL_INSTANCES, totalLimits: true };
    const instances = fc.sample(allocationInput(bounds), { numRuns: INSTANCES, seed: 20261126 });
    let comparedTotalBlocks = 0;
    for (const input of instances) {
      const plan = allocate(input);
      input.blocks.forEach((_, block) => {
        const expected = lexicographicMaxMin(highs, input, block, lpConnectors(input, plan, block));
        const actual = plan.allocations.map((a) => a.limitsA[block]);
        actual.forEach((current, i) => {
          if (Math.abs(current - expected[i]) > TOLERANCE_A) {
            throw new Error(
              `Block ${block}, connector ${i}: ${current} A, LP ${expected[i]} A\n${JSON.stringify(input)}`,
            );
          }
        });
        const totalBound = plan.explanations.some(
          (e) => 'phase' in e.reasons[block] && e.reasons[block].phase === 'total',
        );
        if (totalBound) comparedTotalBlocks++;
      });
    }
    // The instances exercise the new constraint: many blocks have a connector bound by a total.
    expect(comparedTotalBlocks).toBeGreaterThan(INSTANCES / 10);
  });
});

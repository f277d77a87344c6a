import fc from 'fast-check';
import { Admitter } from './admission.js';
import { reservations } from './allocate.js';
import { RankSorter, type RankKey } from './bucket-order.js';
import { buildConstraintSystem, limitsByBlock, type ConstraintSystem } from './constraint-system.js';
import type { AllocationInput, CapacityNode } from './model.js';
import { allocationInput } from './testing/random-instances.js';

const BOUNDS = { maxNodes: 12, maxConnectors: 40, maxBlocks: 4, maxDepth: 4 };

/** The plain greedy admission: every constraint checked, in the given order, nothing kept. */
function referenceAdmission(
  system: ConstraintSystem,
  limitsA: Float64Array,
  reservedA: Float64Array,
  minimumsA: Float64Array,
  order: readonly number[],
): { admitted: number[]; blockedBy: number[] } {
  const load = (i: number, j: number) => system.coefficientsOf[j] * minimumsA[i];
  const constraintsOf = (i: number) =>
    Array.from(
      { length: system.constraintStart[i + 1] - system.constraintStart[i] },
      (_, k) => k + system.constraintStart[i],
    );
  const admitted = new Array<number>(system.connectorCount).fill(0);
  const blockedBy = new Array<number>(system.connectorCount).fill(-1);
  const total = reservedA.slice();
  for (const i of order) for (const j of constraintsOf(i)) total[system.constraintsOf[j]] += load(i, j);
  if (total.every((used, c) => !(used > 0 && used > limitsA[c] + 1e-9))) {
    for (const i of order) admitted[i] = 1;
    return { admitted, blockedBy };
  }
  const used = reservedA.slice();
  for (const i of order) {
    const full =
      minimumsA[i] > 0
        ? constraintsOf(i).find(
            (j) => used[system.constraintsOf[j]] + load(i, j) > limitsA[system.constraintsOf[j]] + 1e-9,
          )
        : undefined;
    if (full !== undefined) {
      blockedBy[i] = system.constraintsOf[full];
      continue;
    }
    admitted[i] = 1;
    for (const j of constraintsOf(i)) used[system.constraintsOf[j]] += load(i, j);
  }
  return { admitted, blockedBy };
}

/** The input's steerable connectors in a drawn order, admitted block after block. */
function admissionCase(input: AllocationInput, ranks: number[], minimumsTimes: number) {
  const system = buildConstraintSystem(input, { totalLimits: true });
  const minimumsA = Float64Array.from(input.connectors, (c) => c.minCurrentA * minimumsTimes);
  const reservedA = reservations(input.connectors, system);
  const present = input.connectors.flatMap((c, i) => (c.active && !c.uncontrollable ? [i] : []));
  const order = present.slice().sort((a, b) => (ranks[a] ?? 0) - (ranks[b] ?? 0) || a - b);
  return { system, minimumsA, reservedA, present, order };
}

/** A group of sites on feeders, the root often with room: the sites alone contend, and form groups. */
const sitesInput: fc.Arbitrary<AllocationInput> = fc
  .record({
    rootA: fc.oneof(fc.constant(1000), fc.integer({ min: 20, max: 200 })),
    sites: fc.array(
      fc.record({
        siteA: fc.integer({ min: 6, max: 60 }),
        feederA: fc.integer({ min: 6, max: 40 }),
        connectors: fc.array(
          fc.record({ phases: fc.constantFrom(1 as const, 3 as const), turn: fc.nat(2) }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ rootA, sites }) => {
    const perPhase = (a: number): [number, number, number] => [a, a, a];
    const blocks = [{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:15:00Z' }];
    const nodes: CapacityNode[] = [{ id: 'root', parentId: null, limitsA: [perPhase(rootA)] }];
    const connectors = sites.flatMap((site, s) => {
      nodes.push({ id: `s${s}`, parentId: 'root', limitsA: [perPhase(site.siteA)] });
      nodes.push({ id: `s${s}f`, parentId: `s${s}`, limitsA: [perPhase(site.feederA)] });
      return site.connectors.map((c, k) => ({
        id: `s${s}c${k}`,
        nodeId: k % 2 === 0 ? `s${s}` : `s${s}f`,
        phases: c.phases,
        phaseRotation: (['RST', 'STR', 'TRS'] as const)[c.turn],
        maxCurrentA: 16,
        minCurrentA: 6,
        active: true,
        precedence: 0,
      }));
    });
    return { blocks, nodes, connectors };
  });

describe(Admitter.name, () => {
  it('admits as the plain greedy order does, with tight lists, groups and kept lists', () => {
    fc.assert(
      fc.property(
        fc.oneof(allocationInput(BOUNDS), allocationInput({ ...BOUNDS, totalLimits: true }), sitesInput),
        fc.array(fc.nat({ max: 1000 }), { maxLength: 40 }),
        fc.constantFrom(1, 3, 10),
        (input, ranks, minimumsTimes) => {
          const { system, minimumsA, reservedA, present, order } = admissionCase(input, ranks, minimumsTimes);
          const admitter = new Admitter(system, reservedA, minimumsA);
          const table = limitsByBlock(system, input.blocks.length);
          const m = system.constraintCount;
          // Every block twice, so that kept lists are reused as well as built.
          for (const b of [...input.blocks.keys(), ...input.blocks.keys()]) {
            const limitsA = table.subarray(b * m, (b + 1) * m);
            // As allocate does: the groups, when given, before the order itself.
            const orderOf = (groups?: RankKey) =>
              groups ? new RankSorter(order.length).order(order, [groups]) : order;
            admitter.admit(limitsA, Int32Array.from(present), orderOf);
            const expected = referenceAdmission(system, limitsA, reservedA, minimumsA, order);
            expect(Array.from(admitter.admitted)).toEqual(expected.admitted);
            expect(Array.from(admitter.blockedBy)).toEqual(expected.blockedBy);
          }
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});

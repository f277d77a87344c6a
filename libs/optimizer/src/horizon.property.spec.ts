import fc from 'fast-check';
import { wattsPerAmpere } from './allocate';
import { loadedPhases } from './capacity-tree';
import { optimizeHorizon } from './horizon';
import type { HorizonInput, HorizonObjective, HorizonPlan } from './model';
import { allocationInput } from './testing/random-instances';

const TOLERANCE_A = 1e-7;
const TOLERANCE_WH = 1e-4;
const RUNS = 300;
const HOUR_MS = 3_600_000;

/** Random trees with semi-continuous minimums, random prices and objectives. */
const horizonInput: fc.Arbitrary<HorizonInput> = allocationInput().chain((input) =>
  fc
    .record({
      prices: fc.array(fc.integer({ min: 0, max: 40 }), {
        minLength: input.blocks.length,
        maxLength: input.blocks.length,
      }),
      objective: fc.constantFrom<HorizonObjective>('cost', 'peak', 'earliest'),
    })
    .map(({ prices, objective }) => ({ ...input, pricesPerKwh: prices, objective })),
);

const property = (check: (input: HorizonInput, plan: HorizonPlan) => void) =>
  fc.assert(
    fc.property(horizonInput, (input) => check(input, optimizeHorizon(input))),
    { numRuns: RUNS, seed: 55 },
  );

/** Per node-phase and block: the load and the most it may carry (never below what is reserved anyway). */
function nodePhaseChecks(input: HorizonInput, plan: HorizonPlan, block: number) {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const cells = new Map<string, { limitA: number; loadA: number; reservedA: number }>();
  input.connectors.forEach((c, i) => {
    for (let n = byId.get(c.nodeId); n; n = n.parentId === null ? undefined : byId.get(n.parentId)) {
      for (const phase of loadedPhases(c)) {
        const key = `${n.id}/${phase}`;
        const cell = cells.get(key) ?? { limitA: n.limitsA[block][phase], loadA: 0, reservedA: 0 };
        cell.loadA += plan.allocations[i].limitsA[block];
        if (c.active && c.uncontrollable) cell.reservedA += c.maxCurrentA;
        cells.set(key, cell);
      }
    }
  });
  return [...cells.values()];
}

describe('optimizeHorizon invariants on random trees (fast-check)', () => {
  it('never exceeds a node-phase limit in any block, beyond what uncontrollable connectors take anyway', () => {
    property((input, plan) => {
      input.blocks.forEach((_, block) => {
        for (const cell of nodePhaseChecks(input, plan, block)) {
          expect(cell.loadA).toBeLessThanOrEqual(Math.max(cell.limitA, cell.reservedA, 0) + TOLERANCE_A);
        }
      });
    });
  });

  it('gives 0 or between the minimum and the maximum; inactive 0, uncontrollable its maximum', () => {
    property((input, plan) => {
      input.connectors.forEach((c, i) => {
        for (const x of plan.allocations[i].limitsA) {
          if (!c.active) expect(x).toBe(0);
          else if (c.uncontrollable) expect(x).toBe(c.maxCurrentA);
          expect(x === 0 || x >= c.minCurrentA - TOLERANCE_A).toBe(true);
          expect(x).toBeLessThanOrEqual(c.maxCurrentA + TOLERANCE_A);
        }
      });
    });
  });

  it('plans nothing from departure on and no more energy than wanted', () => {
    property((input, plan) => {
      input.connectors.forEach((c, i) => {
        if (!c.active || c.uncontrollable) return;
        const departureMs = c.departure === undefined ? Infinity : Date.parse(c.departure);
        let deliveredWh = 0;
        input.blocks.forEach((b, t) => {
          const x = plan.allocations[i].limitsA[t];
          if (Date.parse(b.start) >= departureMs) expect(x).toBe(0);
          if (b.end === null) return;
          const hours = (Math.min(Date.parse(b.end), departureMs) - Date.parse(b.start)) / HOUR_MS;
          deliveredWh += x * wattsPerAmpere(c) * Math.max(0, hours);
        });
        expect(deliveredWh).toBeCloseTo(plan.plannedWh[i], 6);
        if (c.energyWantedWh !== undefined) {
          expect(deliveredWh).toBeLessThanOrEqual(c.energyWantedWh + TOLERANCE_WH);
        }
      });
      expect(plan.energyWh).toBeLessThanOrEqual(plan.relaxedEnergyWh + TOLERANCE_WH);
    });
  });

  it('explains every limit and is deterministic', () => {
    property((input, plan) => {
      expect(optimizeHorizon(input)).toEqual(plan);
      plan.details.forEach((d, i) => {
        expect(d.reasons).toHaveLength(input.blocks.length);
        d.reasons.forEach((reason, t) => {
          const x = plan.allocations[i].limitsA[t];
          if (reason.kind === 'below-minimum' || reason.kind === 'departed' || reason.kind === 'energy-met') {
            expect(x).toBe(0);
          }
          if (reason.kind === 'own-maximum') expect(x).toBeCloseTo(input.connectors[i].maxCurrentA, 6);
        });
      });
    });
  });
});

import fc from 'fast-check';
import { wattsPerAmpere } from './allocate';
import { loadedPhases } from './capacity-tree';
import { allocate } from './allocate';
import { optimizeHorizon } from './horizon';
import type { HorizonInput, HorizonObjective, HorizonOptions, HorizonPlan } from './model';
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

/** Every session in the LP, and only those that want a known energy (the others as `allocate` shares). */
const MODES: HorizonOptions[] = [{}, { lpSessions: 'declared' }];

const property = (check: (input: HorizonInput, plan: HorizonPlan, options: HorizonOptions) => void) => {
  for (const options of MODES) {
    fc.assert(
      fc.property(horizonInput, (input) => check(input, optimizeHorizon(input, options), options)),
      { numRuns: RUNS, seed: 55 },
    );
  }
};

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
    property((input, plan, options) => {
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
          // Outside the LP, allocate's rule: never below the minimum, so up to one block at it more.
          const atMinimumWh = options.lpSessions ? c.minCurrentA * wattsPerAmpere(c) * 0.25 : 0;
          expect(deliveredWh).toBeLessThanOrEqual(c.energyWantedWh + atMinimumWh + TOLERANCE_WH);
        }
      });
      // Sessions outside the LP add energy of their own.
      if (!options.lpSessions) expect(plan.energyWh).toBeLessThanOrEqual(plan.relaxedEnergyWh + TOLERANCE_WH);
    });
  });

  it('explains every limit and is deterministic', () => {
    property((input, plan, options) => {
      expect(optimizeHorizon(input, options)).toEqual(plan);
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

  it('pauses a session for its minimum only behind sessions of at least its priority', () => {
    property((input, plan) => {
      input.blocks.forEach((_, block) => {
        const cells = new Map(nodePhaseMembers(input, block).map((cell) => [cell.key, cell]));
        plan.details.forEach((d, i) => {
          const reason = d.reasons[block];
          if (reason.kind !== 'minimum-not-fitting') return;
          const cell = cells.get(`${reason.nodeId}/${['L1', 'L2', 'L3'].indexOf(reason.phase)}`);
          if (!cell) throw new Error(`Unknown node-phase ${reason.nodeId}/${reason.phase}`);
          const priority = input.connectors[i].priority ?? 1;
          // Admission is by priority first: only those admitted before it can have taken its room.
          const aheadA = cell.members
            .filter((j) => j !== i && !input.connectors[j].uncontrollable)
            .filter((j) => (input.connectors[j].priority ?? 1) >= priority)
            .reduce((sum, j) => sum + plan.allocations[j].limitsA[block], 0);
          expect(cell.reservedA + aheadA + input.connectors[i].minCurrentA).toBeGreaterThan(
            cell.limitA - TOLERANCE_A,
          );
        });
      });
    });
  });

  it('is allocate where no session wants a known energy and only those are planned', () => {
    fc.assert(
      fc.property(horizonInput, (input) => {
        const undeclared = {
          ...input,
          connectors: input.connectors.map((c) => ({ ...c, energyWantedWh: undefined })),
        };
        const plan = optimizeHorizon(undeclared, { lpSessions: 'declared' });
        const own = allocate(undeclared);
        expect(plan.allocations).toEqual(own.allocations);
        expect(plan.explanations).toEqual(own.explanations);
      }),
      { numRuns: RUNS, seed: 56 },
    );
  });
});

/** Per node-phase in a block: its limit, what uncontrollable connectors reserve, and who loads it. */
function nodePhaseMembers(input: HorizonInput, block: number) {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const cells = new Map<string, { key: string; limitA: number; reservedA: number; members: number[] }>();
  input.connectors.forEach((c, i) => {
    for (let n = byId.get(c.nodeId); n; n = n.parentId === null ? undefined : byId.get(n.parentId)) {
      for (const phase of loadedPhases(c)) {
        const key = `${n.id}/${phase}`;
        const cell = cells.get(key) ?? { key, limitA: n.limitsA[block][phase], reservedA: 0, members: [] };
        cell.members.push(i);
        if (c.active && c.uncontrollable) cell.reservedA += c.maxCurrentA;
        cells.set(key, cell);
      }
    }
  });
  return [...cells.values()];
}

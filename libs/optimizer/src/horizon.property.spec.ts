import fc from 'fast-check';
import { connectorWattsPerAmpere } from './allocate.js';
import { loadedPhases } from './capacity-tree.js';
import { allocate } from './allocate.js';
import { optimizeHorizon } from './horizon.js';
import type {
  ConnectorDemand,
  HorizonInput,
  HorizonObjective,
  HorizonOptions,
  HorizonPlan,
} from './model.js';
import { allocationInput, SMALL_INSTANCES } from './testing/random-instances.js';

const TOLERANCE_A = 1e-7;
const TOLERANCE_WH = 1e-4;
const RUNS = 300;
const HOUR_MS = 3_600_000;

/** Random trees with semi-continuous minimums, random prices and objectives; total power limits if asked. */
const horizonInput = (totalLimits = false): fc.Arbitrary<HorizonInput> =>
  allocationInput({ ...SMALL_INSTANCES, totalLimits }).chain((input) =>
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

/** The later stages cut short (`laterStagePivotBudget`): the plan must keep every rule all the same. */
const BUDGETED: HorizonOptions = { laterStagePivotBudget: 1 };

/** Every declaring session in the LP, its small parts exact and its larger ones cut short. */
const EVERY_DECLARED: HorizonOptions = {
  lpSessions: 'every-declared',
  laterStagePivotBudget: 1,
  exactLpMaxColumns: 8,
};

/**
 * Each mode on trees with per-phase limits only, then with total power limits on some nodes too, and
 * there also with the later stages cut short, and with every declaring session in the LP.
 */
const property = (check: (input: HorizonInput, plan: HorizonPlan, options: HorizonOptions) => void) => {
  for (const totalLimits of [false, true]) {
    for (const options of totalLimits ? [...MODES, BUDGETED, EVERY_DECLARED] : MODES) {
      fc.assert(
        fc.property(horizonInput(totalLimits), (input) =>
          check(input, optimizeHorizon(input, options), options),
        ),
        { numRuns: RUNS, seed: 55 },
      );
    }
  }
};

/** Per node-phase (and node total) and block: the load and the most it may carry (never below what is reserved anyway). */
function nodePhaseChecks(input: HorizonInput, plan: HorizonPlan, block: number) {
  return nodePhaseMembers(input, block).map((cell) => ({
    ...cell,
    loadA: cell.members.reduce(
      (sum, i, k) => sum + cell.coefficients[k] * plan.allocations[i].limitsA[block],
      0,
    ),
  }));
}

describe('optimizeHorizon invariants on random trees (fast-check)', () => {
  it('never exceeds a node-phase or total power limit in any block, beyond what uncontrollable connectors take anyway', () => {
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
          deliveredWh += x * connectorWattsPerAmpere(c) * Math.max(0, hours);
        });
        expect(deliveredWh).toBeCloseTo(plan.plannedWh[i], 6);
        if (c.energyWantedWh !== undefined) {
          // Never below the minimum, so up to one block at it more: the last bit an EV wants is delivered
          // at the minimum (in the LP's plan as in allocate's rule outside it).
          const atMinimumWh = c.minCurrentA * connectorWattsPerAmpere(c) * 0.25;
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
          const cell = cells.get(`${reason.nodeId}/${reason.phase}`);
          if (!cell) throw new Error(`Unknown node-phase ${reason.nodeId}/${reason.phase}`);
          const priority = input.connectors[i].priority ?? 1;
          // Admission is by priority first: only those admitted before it can have taken its room.
          const aheadA = cell.members.reduce((sum, j, k) => {
            if (j === i || input.connectors[j].uncontrollable) return sum;
            if ((input.connectors[j].priority ?? 1) < priority) return sum;
            return sum + cell.coefficients[k] * plan.allocations[j].limitsA[block];
          }, 0);
          const ownA = cell.coefficients[cell.members.indexOf(i)] * input.connectors[i].minCurrentA;
          expect(cell.reservedA + aheadA + ownA).toBeGreaterThan(cell.limitA - TOLERANCE_A);
        });
      });
    });
  });

  it('is allocate where no session wants a known energy and only those are planned', () => {
    for (const totalLimits of [false, true]) {
      fc.assert(
        fc.property(horizonInput(totalLimits), (input) => {
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
    }
  });
});

interface LimitCell {
  /** Node id and L1, L2, L3 or total. */
  key: string;
  limitA: number;
  reservedA: number;
  members: number[];
  /** Beside members: 1 on a phase, the phases the connector loads on a node's total (Σ V·I ≤ P, over V). */
  coefficients: number[];
}

/** Per node-phase and node total in a block: its limit, what uncontrollable connectors reserve, and who loads it. */
function nodePhaseMembers(input: HorizonInput, block: number): LimitCell[] {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const cells = new Map<string, LimitCell>();
  const load = (key: string, limitA: number, c: ConnectorDemand, i: number, coefficient: number) => {
    const cell = cells.get(key) ?? { key, limitA, reservedA: 0, members: [], coefficients: [] };
    cell.members.push(i);
    cell.coefficients.push(coefficient);
    if (c.active && c.uncontrollable) cell.reservedA += coefficient * c.maxCurrentA;
    cells.set(key, cell);
  };
  input.connectors.forEach((c, i) => {
    const phases = loadedPhases(c);
    for (let n = byId.get(c.nodeId); n; n = n.parentId === null ? undefined : byId.get(n.parentId)) {
      for (const phase of phases) load(`${n.id}/${PHASES[phase]}`, n.limitsA[block][phase], c, i, 1);
      if (n.totalLimitW) {
        const totalA = n.totalLimitW[block] / (n.phaseVoltageV ?? 230);
        load(`${n.id}/total`, totalA, c, i, phases.length);
      }
    }
  });
  return [...cells.values()];
}

const PHASES = ['L1', 'L2', 'L3'] as const;

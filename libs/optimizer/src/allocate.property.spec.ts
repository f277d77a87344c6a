import fc from 'fast-check';
import { allocate, connectorWattsPerAmpere } from './allocate.js';
import { loadedPhases } from './capacity-tree.js';
import type { AllocationInput, AllocationPlan, PhaseName } from './model.js';
import { allocationInput, SMALL_INSTANCES } from './testing/random-instances.js';

const TOLERANCE_A = 1e-9;
const RUNS = 300;
const PHASES: readonly PhaseName[] = ['L1', 'L2', 'L3'];

interface NodePhaseUse {
  limitA: number;
  /** Connector indices loading it. */
  members: number[];
  /** Per connector index: its amperes on the use per ampere of limit (its phase count on a total). */
  coefficient: Map<number, number>;
}

/**
 * Every node-phase, and every node total (`<node>/total`, Σ_phase V·I ≤ P divided by V), and who loads
 * it, recomputed from the input alone.
 */
function nodePhaseUses(input: AllocationInput, block: number): Map<string, NodePhaseUse> {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const uses = new Map<string, NodePhaseUse>();
  const add = (key: string, limitA: number, i: number, coefficient: number) => {
    const use = uses.get(key) ?? { limitA, members: [], coefficient: new Map<number, number>() };
    use.members.push(i);
    use.coefficient.set(i, coefficient);
    uses.set(key, use);
  };
  input.connectors.forEach((c, i) => {
    const phases = loadedPhases(c);
    for (let n = byId.get(c.nodeId); n; n = n.parentId === null ? undefined : byId.get(n.parentId)) {
      for (const phase of phases) add(`${n.id}/${PHASES[phase]}`, n.limitsA[block][phase], i, 1);
      if (n.totalLimitW)
        add(`${n.id}/total`, n.totalLimitW[block] / (n.phaseVoltageV ?? 230), i, phases.length);
    }
  });
  return uses;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Σ coefficient · current over the use's members. */
function loadOn(use: NodePhaseUse, currentOf: (i: number) => number): number {
  return sum(use.members.map((i) => (use.coefficient.get(i) ?? 1) * currentOf(i)));
}

function currentsOf(plan: AllocationPlan, block: number): number[] {
  return plan.allocations.map((a) => a.limitsA[block]);
}

/** Reserved maxima of active uncontrollable connectors on a node-phase. */
function reservedOn(input: AllocationInput, use: NodePhaseUse): number {
  return loadOn(use, (i) =>
    input.connectors[i].active && input.connectors[i].uncontrollable ? input.connectors[i].maxCurrentA : 0,
  );
}

const property = (check: (input: AllocationInput, plan: AllocationPlan) => void) =>
  fc.assert(
    fc.property(allocationInput({ ...SMALL_INSTANCES, totalLimits: true }), (input) =>
      check(input, allocate(input)),
    ),
    { numRuns: RUNS, seed: 5 },
  );

describe('allocate invariants on random trees (fast-check)', () => {
  it('never exceeds a node-phase or node total limit, beyond what uncontrollable connectors take anyway, and reports the loads', () => {
    property((input, plan) => {
      input.blocks.forEach((_, block) => {
        const currents = currentsOf(plan, block);
        for (const [key, use] of nodePhaseUses(input, block)) {
          const allowed = Math.max(use.limitA, reservedOn(input, use), 0);
          const load = loadOn(use, (i) => currents[i]);
          expect(load).toBeLessThanOrEqual(allowed + TOLERANCE_A * Math.max(1, allowed));
          const [nodeId, phase] = key.split('/');
          if (phase === 'total') continue;
          const reported = plan.nodeLoads.find((n) => n.nodeId === nodeId)?.loadsA[block][
            PHASES.indexOf(phase as PhaseName)
          ];
          expect(reported).toBeCloseTo(load, 9);
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
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(c.maxCurrentA);
          if (x > 0) expect(x).toBeGreaterThanOrEqual(c.minCurrentA - TOLERANCE_A);
        }
      });
    });
  });

  it('gives nothing after departure, nor more energy than wanted beyond one block at the minimum', () => {
    property((input, plan) => {
      input.connectors.forEach((c, i) => {
        if (c.uncontrollable) return;
        let deliveredWh = 0;
        input.blocks.forEach((block, b) => {
          const x = plan.allocations[i].limitsA[b];
          if (c.departure !== undefined && Date.parse(block.start) >= Date.parse(c.departure))
            expect(x).toBe(0);
          const hours =
            block.end === null ? Infinity : (Date.parse(block.end) - Date.parse(block.start)) / 3_600_000;
          // An open-ended block has no energy to count.
          if (hours === Infinity) return;
          if (x > 0) deliveredWh += x * connectorWattsPerAmpere(c) * hours;
          if (c.energyWantedWh !== undefined) {
            const oneBlockAtMinimumWh = c.minCurrentA * connectorWattsPerAmpere(c) * hours;
            expect(deliveredWh).toBeLessThanOrEqual(c.energyWantedWh + oneBlockAtMinimumWh + 1e-6);
          }
        });
      });
    });
  });

  it('is deterministic and leaves its input untouched', () => {
    property((input, plan) => {
      const snapshot = structuredClone(input);
      expect(allocate(snapshot)).toEqual(plan);
      expect(input).toEqual(snapshot);
      expect(plan.allocations.map((a) => a.connectorId)).toEqual(input.connectors.map((c) => c.id));
    });
  });

  it('pauses a session only when its minimum does not fit on the node-phase it names', () => {
    property((input, plan) => {
      input.blocks.forEach((_, block) => {
        const uses = nodePhaseUses(input, block);
        const currents = currentsOf(plan, block);
        input.connectors.forEach((c, i) => {
          const reason = plan.explanations[i].reasons[block];
          if (reason.kind !== 'minimum-not-fitting') return;
          expect(currents[i]).toBe(0);
          const use = uses.get(`${reason.nodeId}/${reason.phase}`);
          if (!use) throw new Error(`Unknown node-phase ${reason.nodeId}/${reason.phase}`);
          const admittedMinimums = loadOn(use, (j) => {
            const other = input.connectors[j];
            if (other.uncontrollable) return other.active ? other.maxCurrentA : 0;
            return currents[j] > 0 ? other.minCurrentA : 0;
          });
          expect(admittedMinimums + (use.coefficient.get(i) ?? 1) * c.minCurrentA).toBeGreaterThan(
            use.limitA,
          );
        });
      });
    });
  });

  it('explains each limit: own maximum, or a full node-phase on which nobody who could give way has more per unit of priority', () => {
    property((input, plan) => {
      input.blocks.forEach((_, block) => {
        const uses = nodePhaseUses(input, block);
        const currents = currentsOf(plan, block);
        input.connectors.forEach((c, i) => {
          const reason = plan.explanations[i].reasons[block];
          expect(reason.kind === 'no-session').toBe(!c.active);
          if (reason.kind === 'own-maximum') expect(currents[i]).toBe(c.maxCurrentA);
          if (reason.kind !== 'node-limit') return;
          const use = uses.get(`${reason.nodeId}/${reason.phase}`);
          if (!use) throw new Error(`Unknown node-phase ${reason.nodeId}/${reason.phase}`);
          const load = loadOn(use, (j) => currents[j]);
          expect(load).toBeGreaterThanOrEqual(Math.max(use.limitA, 0) - 1e-6);
          const share = currents[i] / (c.priority ?? 1);
          for (const j of use.members) {
            const other = input.connectors[j];
            const atFloor = currents[j] <= other.minCurrentA + TOLERANCE_A || other.uncontrollable === true;
            if (!atFloor && currents[i] > c.minCurrentA + TOLERANCE_A) {
              expect(currents[j] / (other.priority ?? 1)).toBeLessThanOrEqual(share + 1e-6);
            }
          }
        });
      });
    });
  });
});

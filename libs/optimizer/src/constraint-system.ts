import {
  nodePhaseLoads,
  TOTAL_PHASE,
  totalLimitA,
  type ConstraintPhase,
  type NodePhaseLoadOptions,
} from './capacity-tree';
import type { AllocationInput, CapacityNode, LimitName } from './model';

const LIMIT_NAMES: readonly LimitName[] = ['L1', 'L2', 'L3', 'total'];

/**
 * The node-phase constraints of an input in compressed sparse form (both directions), built once and
 * shared by every block: only the limits change from block to block. A constraint is Σ a·current ≤
 * limit over its members, a = 1 on a phase and the connector's phase count on a node's total.
 */
export interface ConstraintSystem {
  connectorCount: number;
  constraintCount: number;
  /** The node and grid phase (or TOTAL_PHASE) of each constraint. */
  nodes: CapacityNode[];
  phases: ConstraintPhase[];
  /** members[memberStart[c] .. memberStart[c + 1]) are the connectors loading constraint c. */
  memberStart: Int32Array;
  members: Int32Array;
  /** Beside members: what each puts on the constraint per ampere of its limit. */
  memberCoefficients: Float64Array;
  /** constraintsOf[constraintStart[i] .. constraintStart[i + 1]) are the constraints connector i loads. */
  constraintStart: Int32Array;
  constraintsOf: Int32Array;
  /** Beside constraintsOf: what connector i puts on each per ampere of its limit. */
  coefficientsOf: Float64Array;
  /**
   * Every coefficient is 1 (no total power limits): the hot loops then skip reading them, which is
   * a tenth of `allocate`'s time on a large group.
   */
  unitCoefficients: boolean;
}

/**
 * Total-power constraints only with `totalLimits` (what `allocate` asks for): other callers read every
 * constraint as one grid phase with coefficients 1.
 */
export function buildConstraintSystem(
  input: AllocationInput,
  options: NodePhaseLoadOptions = {},
): ConstraintSystem {
  const loads = nodePhaseLoads(input, options);
  const connectorCount = input.connectors.length;
  const memberStart = new Int32Array(loads.length + 1);
  const degree = new Int32Array(connectorCount + 1);
  loads.forEach((load, c) => {
    memberStart[c + 1] = memberStart[c] + load.members.length;
    for (const i of load.members) degree[i + 1]++;
  });
  const constraintStart = new Int32Array(connectorCount + 1);
  for (let i = 0; i < connectorCount; i++) constraintStart[i + 1] = constraintStart[i] + degree[i + 1];

  const members = new Int32Array(memberStart[loads.length]);
  const memberCoefficients = new Float64Array(members.length);
  const constraintsOf = new Int32Array(constraintStart[connectorCount]);
  const coefficientsOf = new Float64Array(constraintsOf.length);
  const filled = constraintStart.slice(0, connectorCount);
  loads.forEach((load, c) => {
    members.set(load.members, memberStart[c]);
    memberCoefficients.set(load.coefficients, memberStart[c]);
    load.members.forEach((i, k) => {
      coefficientsOf[filled[i]] = load.coefficients[k];
      constraintsOf[filled[i]++] = c;
    });
  });
  return {
    connectorCount,
    constraintCount: loads.length,
    nodes: loads.map((load) => load.node),
    phases: loads.map((load) => load.phase),
    memberStart,
    members,
    memberCoefficients,
    constraintStart,
    constraintsOf,
    coefficientsOf,
    unitCoefficients: coefficientsOf.every((a) => a === 1),
  };
}

/** Constraint c's limit in a block; Infinity where the node-phase is unconstrained. */
export function constraintLimitA(system: ConstraintSystem, c: number, block: number): number {
  const phase = system.phases[c];
  const node = system.nodes[c];
  return phase === TOTAL_PHASE ? totalLimitA(node, block) : node.limitsA[block][phase];
}

/** Each constraint's limit in one block. */
export function blockLimits(system: ConstraintSystem, block: number, out: Float64Array): void {
  for (let c = 0; c < system.constraintCount; c++) out[c] = constraintLimitA(system, c, block);
}

/** `L1`, `L2`, `L3`, or `total` for a node's total power. */
export function limitName(system: ConstraintSystem, c: number): LimitName {
  return LIMIT_NAMES[system.phases[c]];
}

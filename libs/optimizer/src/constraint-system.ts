import {
  nodePhaseLoads,
  PHASOR_PHASE,
  TOTAL_PHASE,
  totalLimitA,
  type ConstraintPhase,
  type NodePhaseLoadOptions,
} from './capacity-tree.js';
import type { AllocationInput, CapacityNode, LimitName, PhasorLimit } from './model.js';
import { sideScale } from './phasor-limits.js';

const LIMIT_NAMES: readonly LimitName[] = ['L1', 'L2', 'L3', 'total', 'phasor'];

/**
 * The node-phase constraints of an input in compressed sparse form (both directions), built once and
 * shared by every block: only the limits change from block to block. A constraint is Σ a·current ≤
 * limit over its members, a = 1 on a phase, the connector's phase count (√3 line to line) on a node's
 * total, and on a side of a phasor limit's polygon the projection of its phasor (never negative).
 */
export interface ConstraintSystem {
  connectorCount: number;
  constraintCount: number;
  /** The node and grid phase (or TOTAL_PHASE, or PHASOR_PHASE) of each constraint. */
  nodes: CapacityNode[];
  phases: ConstraintPhase[];
  /** The phasor limit of each PHASOR_PHASE constraint. */
  phasorLimitOf: Map<number, PhasorLimit>;
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
 * Total-power constraints only with `totalLimits` (what `allocate` asks for); the sides of phasor
 * limits always.
 */
export function buildConstraintSystem(
  input: AllocationInput,
  options: NodePhaseLoadOptions = {},
): ConstraintSystem {
  const { nodes, phases, memberStart, members, memberCoefficients, phasorLimitOf } = nodePhaseLoads(
    input,
    options,
  );
  const connectorCount = input.connectors.length;
  const constraintStart = new Int32Array(connectorCount + 1);
  for (let k = 0; k < members.length; k++) constraintStart[members[k] + 1]++;
  for (let i = 0; i < connectorCount; i++) constraintStart[i + 1] += constraintStart[i];
  const constraintsOf = new Int32Array(constraintStart[connectorCount]);
  const coefficientsOf = new Float64Array(constraintsOf.length);
  const filled = constraintStart.slice(0, connectorCount);
  let unitCoefficients = true;
  // By ascending constraint, so that each connector's constraints are listed in that order.
  for (let c = 0; c < nodes.length; c++) {
    for (let k = memberStart[c]; k < memberStart[c + 1]; k++) {
      const i = members[k];
      coefficientsOf[filled[i]] = memberCoefficients[k];
      constraintsOf[filled[i]++] = c;
      unitCoefficients &&= memberCoefficients[k] === 1;
    }
  }
  return {
    connectorCount,
    constraintCount: nodes.length,
    nodes,
    phases,
    phasorLimitOf,
    memberStart,
    members,
    memberCoefficients,
    constraintStart,
    constraintsOf,
    coefficientsOf,
    unitCoefficients,
  };
}

/** Constraint c's limit in a block; Infinity where the node-phase is unconstrained. */
export function constraintLimitA(system: ConstraintSystem, c: number, block: number): number {
  const phase = system.phases[c];
  const node = system.nodes[c];
  if (phase === PHASOR_PHASE) return (system.phasorLimitOf.get(c)?.limitsA[block] ?? Infinity) * sideScale();
  return phase === TOTAL_PHASE ? totalLimitA(node, block) : node.limitsA[block][phase];
}

/**
 * Every constraint's limit in every block, block-major: block b's are at [b · constraintCount,
 * (b + 1) · constraintCount). Read constraint by constraint, so that each node's limits are read in
 * one sweep instead of one scattered array per node and block.
 */
export function limitsByBlock(system: ConstraintSystem, blockCount: number): Float64Array {
  const m = system.constraintCount;
  const table = new Float64Array(m * blockCount);
  for (let c = 0; c < m; c++) {
    for (let b = 0; b < blockCount; b++) table[b * m + c] = constraintLimitA(system, c, b);
  }
  return table;
}

/** `L1`, `L2`, `L3`, `total` for a node's total power, or `phasor` for a side of a phasor limit. */
export function limitName(system: ConstraintSystem, c: number): LimitName {
  return LIMIT_NAMES[system.phases[c]];
}

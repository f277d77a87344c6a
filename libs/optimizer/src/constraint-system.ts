import { nodePhaseLoads, type PhaseIndex } from './capacity-tree';
import type { AllocationInput, CapacityNode } from './model';

/**
 * The node-phase constraints of an input in compressed sparse form (both directions), built once and
 * shared by every block: only the limits change from block to block.
 */
export interface ConstraintSystem {
  connectorCount: number;
  constraintCount: number;
  /** The node and grid phase of each constraint. */
  nodes: CapacityNode[];
  phases: PhaseIndex[];
  /** members[memberStart[c] .. memberStart[c + 1]) are the connectors loading constraint c. */
  memberStart: Int32Array;
  members: Int32Array;
  /** constraintsOf[constraintStart[i] .. constraintStart[i + 1]) are the constraints connector i loads. */
  constraintStart: Int32Array;
  constraintsOf: Int32Array;
}

export function buildConstraintSystem(input: AllocationInput): ConstraintSystem {
  const loads = nodePhaseLoads(input);
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
  const constraintsOf = new Int32Array(constraintStart[connectorCount]);
  const filled = constraintStart.slice(0, connectorCount);
  loads.forEach((load, c) => {
    members.set(load.members, memberStart[c]);
    for (const i of load.members) constraintsOf[filled[i]++] = c;
  });
  return {
    connectorCount,
    constraintCount: loads.length,
    nodes: loads.map((load) => load.node),
    phases: loads.map((load) => load.phase),
    memberStart,
    members,
    constraintStart,
    constraintsOf,
  };
}

/** Each constraint's limit in one block; Infinity where the node-phase is unconstrained. */
export function blockLimits(system: ConstraintSystem, block: number, out: Float64Array): void {
  for (let c = 0; c < system.constraintCount; c++) out[c] = system.nodes[c].limitsA[block][system.phases[c]];
}

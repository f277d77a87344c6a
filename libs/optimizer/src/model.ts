/** Amperes on grid phases L1, L2, L3; Infinity means the phase is unconstrained. */
export type PerPhase = readonly [number, number, number];

/** ISO instants, half-open [start, end); a null end means the block is open-ended. */
export interface TimeBlock {
  start: string;
  end: string | null;
}

/** A point of the constraint tree (the DSO group at the root, then sites, circuits...), one PerPhase per block. */
export interface CapacityNode {
  id: string;
  parentId: string | null;
  limitsA: PerPhase[];
}

export interface ConnectorDemand {
  id: string;
  /** The node it hangs under: it is constrained by that node and all of its ancestors. */
  nodeId: string;
  /** A 1-phase connector loads L1 only (phase rotation comes later). */
  phases: 1 | 3;
  /** Semi-continuous: the limit is 0 or within [minCurrentA, maxCurrentA]. */
  maxCurrentA: number;
  minCurrentA: number;
  /** An EV is plugged in / a session runs. */
  active: boolean;
  /** Admission order when minimums do not fit: lower is admitted first (e.g. session start time). */
  precedence: number;
}

export interface AllocationInput {
  blocks: TimeBlock[];
  nodes: CapacityNode[];
  connectors: ConnectorDemand[];
}

/** One limit per block, in amperes per loaded phase. */
export interface ConnectorAllocation {
  connectorId: string;
  limitsA: number[];
}

/** Allocations in the same order as the input connectors. */
export interface AllocationResult {
  allocations: ConnectorAllocation[];
}

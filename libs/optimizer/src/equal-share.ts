import { nodePhaseLoads, type NodePhaseLoad } from './capacity-tree';
import type { AllocationInput, AllocationResult, ConnectorDemand } from './model';
import { progressiveFill, type FillConstraint } from './progressive-filling';

/**
 * Placeholder allocation rule: per block, an equal (max-min fair) share for the active connectors,
 * bounded by every node-phase above them and by their own maximum, with minimum-current admission by
 * precedence. Blocks are independent of each other.
 */
export function allocateEqualShare(input: AllocationInput): AllocationResult {
  const loads = nodePhaseLoads(input);
  const perBlock = input.blocks.map((_, block) =>
    allocateBlock(input.connectors, blockConstraints(loads, block)),
  );
  return {
    allocations: input.connectors.map((connector, index) => ({
      connectorId: connector.id,
      limitsA: perBlock.map((currents) => currents[index]),
    })),
  };
}

/** Unconstrained (Infinity) node-phases cannot bind, so they are left out of the filling. */
function blockConstraints(loads: readonly NodePhaseLoad[], block: number): FillConstraint[] {
  return loads
    .map((load) => ({ limitA: load.node.limitsA[block][load.phase], members: load.members }))
    .filter((constraint) => constraint.limitA !== Infinity);
}

/**
 * Fills, then pauses one connector that ended below its minimum and fills again, until every connector
 * is at 0 or at least its minimum. Pausing can lower others, not only raise them (a neighbour freed on
 * one node may then take more of another node it shares with them), hence a full refill each time. Paused and inactive connectors
 * take part with a cap of 0.
 */
function allocateBlock(
  connectors: readonly ConnectorDemand[],
  constraints: readonly FillConstraint[],
): number[] {
  const capsA = connectors.map((connector) => (connector.active ? connector.maxCurrentA : 0));
  for (;;) {
    const currents = progressiveFill(capsA, constraints);
    const paused = connectorToPause(connectors, currents);
    if (paused === undefined) return currents;
    capsA[paused] = 0;
  }
}

/** The connector below its minimum with the highest precedence value; on a tie, the later one in the input. */
function connectorToPause(
  connectors: readonly ConnectorDemand[],
  currents: readonly number[],
): number | undefined {
  let chosen: number | undefined;
  connectors.forEach((connector, index) => {
    const current = currents[index];
    if (current <= 0 || current >= connector.minCurrentA) return;
    if (chosen === undefined || connector.precedence >= connectors[chosen].precedence) chosen = index;
  });
  return chosen;
}

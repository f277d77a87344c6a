import type { AllocationInput, ConnectorAllocation, ConnectorDemand } from '@gridflex/optimizer';

/** Below this two currents are the same: the optimizer works in floating point. */
const EPSILON_A = 1e-6;
const PHASES = ['L1', 'L2', 'L3'];

function loadedPhases(demand: ConnectorDemand): number[] {
  return demand.phases === 1 ? [0] : [0, 1, 2];
}

/**
 * Why each connector got its limit in each block: no EV, paused because its minimum did not fit, at its own
 * maximum, or sharing the limit of the tightest saturated node above it (named by `names`).
 */
export function explainAllocations(
  input: AllocationInput,
  allocations: ConnectorAllocation[],
  names: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const parents = new Map(input.nodes.map((n) => [n.id, n.parentId]));
  const limitOf = new Map(allocations.map((a) => [a.connectorId, a.limitsA]));
  const ancestry = (nodeId: string) => {
    const path: string[] = [];
    for (let id: string | null | undefined = nodeId; id; id = parents.get(id)) path.push(id);
    return path;
  };
  const under = new Map(input.connectors.map((c) => [c.id, new Set(ancestry(c.nodeId))]));
  const nodeLimits = new Map(input.nodes.map((n) => [n.id, n.limitsA]));

  /** Of the saturated node-phases above the connector, the one leaving the least per connector drawing on it. */
  const saturatedNode = (demand: ConnectorDemand, block: number): string | undefined => {
    const candidates = ancestry(demand.nodeId).flatMap((nodeId) =>
      loadedPhases(demand).flatMap((phase) => {
        const limit = nodeLimits.get(nodeId)?.[block][phase] ?? Infinity;
        const members = input.connectors.filter(
          (c) => under.get(c.id)?.has(nodeId) && loadedPhases(c).includes(phase),
        );
        const drawn = members.reduce((sum, c) => sum + (limitOf.get(c.id)?.[block] ?? 0), 0);
        if (limit === Infinity || drawn < limit - EPSILON_A) return [];
        return [{ nodeId, phase, limit, perMember: limit / members.length }];
      }),
    );
    const tightest = candidates.sort((a, b) => a.perMember - b.perMember)[0];
    if (!tightest) return undefined;
    const name = names.get(tightest.nodeId) ?? tightest.nodeId;
    return `shares ${name}'s ${PHASES[tightest.phase]} limit of ${round(tightest.limit)} A`;
  };

  return new Map(
    input.connectors.map((demand) => [
      demand.id,
      input.blocks.map((_, block) => {
        const limitA = limitOf.get(demand.id)?.[block] ?? 0;
        if (!demand.active) return 'no EV: held at 0 A';
        if (limitA <= EPSILON_A) return `paused: its minimum of ${round(demand.minCurrentA)} A did not fit`;
        if (limitA >= demand.maxCurrentA - EPSILON_A)
          return `at its maximum of ${round(demand.maxCurrentA)} A`;
        return saturatedNode(demand, block) ?? `${round(limitA)} A`;
      }),
    ]),
  );
}

const round = (a: number) => Math.round(a * 10) / 10;

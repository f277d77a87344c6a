import type {
  AllocationInput,
  AllocationPlan,
  BindingReason,
  ConnectorDemand,
  LimitName,
} from '@gridflex/optimizer';

const PHASE_INDEX = { L1: 0, L2: 1, L3: 2 } as const;

/**
 * The optimizer's reason for each connector's limit in each block, in words: no EV, paused because its
 * minimum did not fit on a named node-phase, at its own maximum, sharing the limit of the node-phase that
 * bound it (named by `names`), or held by its departure or the energy it wants.
 */
export function explainAllocations(
  input: AllocationInput,
  plan: AllocationPlan,
  names: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const nodes = new Map(input.nodes.map((n) => [n.id, n]));
  const limitWords = (nodeId: string, phase: LimitName, block: number, phasorLimit?: string) => {
    const node = nodes.get(nodeId);
    if (phase === 'phasor') {
      const limit = node?.phasorLimits?.find((l) => l.name === phasorLimit);
      return `${phasorLimit ?? 'phasor'} limit of ${round(limit?.limitsA[block] ?? Infinity)} A`;
    }
    if (phase === 'total')
      return `total limit of ${roundKw((node?.totalLimitW?.[block] ?? Infinity) / 1000)} kW`;
    return `${phase} limit of ${round(node?.limitsA[block][PHASE_INDEX[phase]] ?? Infinity)} A`;
  };
  const describe = (demand: ConnectorDemand, limitA: number, reason: BindingReason, block: number) => {
    switch (reason.kind) {
      case 'no-session':
        return 'no EV: held at 0 A';
      case 'uncontrollable':
        return `not steerable: reserved at its maximum of ${round(demand.maxCurrentA)} A`;
      case 'own-maximum':
        return `at its maximum of ${round(demand.maxCurrentA)} A`;
      case 'node-limit':
        return `shares ${names.get(reason.nodeId) ?? reason.nodeId}'s ${limitWords(reason.nodeId, reason.phase, block, reason.phasorLimit)}`;
      case 'minimum-not-fitting':
        return (
          `paused: its minimum of ${round(demand.minCurrentA)} A did not fit on ` +
          `${names.get(reason.nodeId) ?? reason.nodeId}'s ${reason.phase === 'total' ? 'total power' : (reason.phasorLimit ?? reason.phase)}`
        );
      case 'departed':
        return 'departed: held at 0 A';
      case 'energy-met':
        return 'energy wanted delivered: held at 0 A';
      case 'energy-need':
        return `${round(limitA)} A: what the energy it still wants needs`;
    }
  };
  return new Map(
    input.connectors.map((demand, i) => [
      demand.id,
      plan.explanations[i].reasons.map((reason, block) =>
        describe(demand, plan.allocations[i].limitsA[block], reason, block),
      ),
    ]),
  );
}

const round = (a: number) => Math.round(a * 10) / 10;
/** Tens of watts: a grid connection's kW as it is configured (e.g. 7.36 kW), not rounded to a tenth. */
const roundKw = (kw: number) => Math.round(kw * 100) / 100;

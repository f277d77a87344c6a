import type { AllocationPlan, HorizonPlan, HorizonReason } from '@gridflex/optimizer';

const BECAUSE = {
  cost: 'cheaper blocks',
  peak: 'blocks that keep the peak lower',
  earliest: 'earlier blocks',
} as const;

/**
 * The horizon optimiser's finer reasons, in words, over `explainAllocations`' (which words the nearest
 * reason `allocate` knows): energy planned in other blocks, and the DSO's OPTIMUM kept. `names` as
 * for `explainAllocations`; a plan of `allocate` leaves the words as they are.
 */
export function explainHorizonReasons(
  plan: AllocationPlan,
  explained: Map<string, string[]>,
  names: ReadonlyMap<string, string>,
): Map<string, string[]> {
  if (!isHorizonPlan(plan)) return explained;
  plan.details.forEach(({ connectorId, reasons }, i) => {
    const words = explained.get(connectorId);
    if (!words) return;
    reasons.forEach((reason, block) => {
      const finer = describe(reason, plan.allocations[i].limitsA[block], names);
      if (finer) words[block] = finer;
    });
  });
  return explained;
}

function describe(
  reason: HorizonReason,
  limitA: number,
  names: ReadonlyMap<string, string>,
): string | undefined {
  const amps = `${Math.round(limitA * 10) / 10} A`;
  switch (reason.kind) {
    case 'other-blocks':
      // Charging, the energy it needs here is the better words.
      return limitA > 0 ? undefined : `paused: its energy is planned in ${BECAUSE[reason.because]}`;
    case 'soft-limit':
      return `${amps}: keeps ${names.get(reason.nodeId) ?? reason.nodeId}'s ${reason.phase} OPTIMUM`;
    default:
      return undefined;
  }
}

function isHorizonPlan(plan: AllocationPlan): plan is HorizonPlan {
  return 'details' in plan;
}

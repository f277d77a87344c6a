import type { PerPhase } from '@gridflex/optimizer';
import { excludedChargerLoads, HorizonBlock, SiteCapacity } from './plan-builder';
import type { PlanningConnector } from './planning.repository';

/** A block of a DSO limit that the load we cannot steer exceeds on at least one phase. */
export interface UncompliableBlock {
  start: string;
  end: string;
  limitsA: PerPhase;
  /** Base load plus chargers excluded from or not answering smart charging, per phase. */
  uncontrollableA: PerPhase;
}

/**
 * The forecast blocks in which the group cannot be kept inside its limit whatever we do with the
 * chargers we steer: base load and unsteered chargers (at their maximum) alone exceed it. Open and
 * unlimited blocks are not forecast blocks, and are never reported.
 */
export function uncompliableBlocks(
  horizon: HorizonBlock[],
  sites: SiteCapacity[],
  connectors: PlanningConnector[],
): UncompliableBlock[] {
  const loads = [
    ...sites.map((site) => site.baseLoadA ?? ([0, 0, 0] as const)),
    ...excludedChargerLoads(connectors).map((load) => load.amps),
  ];
  const uncontrollableA = [0, 1, 2].map((p) =>
    loads.reduce((sum, amps) => sum + amps[p], 0),
  ) as unknown as PerPhase;
  const exceeded = horizon.flatMap((block) => {
    const over = block.groupLimitsA.some((limit, p) => Number.isFinite(limit) && uncontrollableA[p] > limit);
    if (block.end === null || !over) return [];
    return [{ start: block.start, end: block.end, limitsA: block.groupLimitsA, uncontrollableA }];
  });
  return exceeded.reduce<UncompliableBlock[]>(mergeNeighbours, []);
}

/** The horizon may be split where the limit does not change (schedules, now): one block per run. */
function mergeNeighbours(merged: UncompliableBlock[], block: UncompliableBlock): UncompliableBlock[] {
  const last = merged.at(-1);
  if (last && last.end === block.start && last.limitsA.every((limit, p) => limit === block.limitsA[p])) {
    return [...merged.slice(0, -1), { ...last, end: block.end }];
  }
  return [...merged, block];
}

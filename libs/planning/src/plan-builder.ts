import type {
  AllocationInput,
  CapacityNode,
  ConnectorDemand,
  PerPhase,
  TimeBlock,
} from '@gridflex/optimizer';
import type { PlannedPeriod } from '@gridflex/persistence';
import type { CapacityBlock } from './forecast-capacity';
import type { PlanningConnector } from './planning.repository';

/** IEC 61851 AC: the lowest current a charger can signal to an EV. */
export const MIN_CHARGING_CURRENT_A = 6;
const UNCONSTRAINED: PerPhase = [Infinity, Infinity, Infinity];
const GROUP_NODE = 'group';
/** 1.6 statuses in which an EV is plugged in and may draw current. */
const EV_PRESENT_STATUSES = new Set(['Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE']);

/** A block of the planning horizon with the DSO's per-phase limit for the whole group. */
export interface HorizonBlock extends TimeBlock {
  groupLimitsA: PerPhase;
}

export interface SiteCapacity {
  id: string;
  limitsA: PerPhase;
}

/**
 * Contiguous blocks from `now` on: the forecast's blocks, and between and after them blocks
 * constrained only by the sites' own limits, ending in an open block, so a profile never has a hole.
 */
export function horizonBlocks(timeline: CapacityBlock[], now: Date): HorizonBlock[] {
  const blocks: HorizonBlock[] = [];
  let cursor = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
  for (const block of timeline) {
    if (Date.parse(block.end) <= Date.parse(cursor)) continue;
    if (Date.parse(block.start) > Date.parse(cursor)) {
      blocks.push({ start: cursor, end: block.start, groupLimitsA: UNCONSTRAINED });
    }
    blocks.push({ start: block.start, end: block.end, groupLimitsA: block.limitsA });
    cursor = block.end;
  }
  blocks.push({ start: cursor, end: null, groupLimitsA: UNCONSTRAINED });
  return blocks;
}

export function isEvPresent(connector: PlanningConnector): boolean {
  return connector.transactionStartedAt !== null || EV_PRESENT_STATUSES.has(connector.status ?? '');
}

/** Earlier sessions are admitted first when the minimums do not all fit. */
function precedence(connector: PlanningConnector): number {
  return (connector.transactionStartedAt ?? connector.statusAt)?.getTime() ?? Number.MAX_SAFE_INTEGER;
}

/** The group at the root, its sites below it, the connectors below their site. */
export function buildAllocationInput(
  horizon: HorizonBlock[],
  sites: SiteCapacity[],
  connectors: PlanningConnector[],
): AllocationInput {
  const nodes: CapacityNode[] = [
    { id: GROUP_NODE, parentId: null, limitsA: horizon.map((b) => b.groupLimitsA) },
    ...sites.map((site) => ({ id: site.id, parentId: GROUP_NODE, limitsA: horizon.map(() => site.limitsA) })),
  ];
  const demands: ConnectorDemand[] = connectors.map((connector) => ({
    id: connector.connectorRef,
    nodeId: connector.siteId,
    phases: connector.phases === 1 ? 1 : 3,
    maxCurrentA: connector.maxCurrentA,
    minCurrentA: MIN_CHARGING_CURRENT_A,
    active: isEvPresent(connector),
    precedence: precedence(connector),
  }));
  return { blocks: horizon.map(({ start, end }) => ({ start, end })), nodes, connectors: demands };
}

export function toPlannedPeriods(blocks: TimeBlock[], limitsA: number[]): PlannedPeriod[] {
  return blocks.map((block, i) => ({ start: block.start, end: block.end, limitA: limitsA[i] }));
}

/**
 * Two plans are the same when they prescribe the same limits from `now` on. The start of the current
 * block is ignored: it moves with `now` and re-sending an unchanged limit would only load the charger.
 */
export function samePlan(a: PlannedPeriod[], b: PlannedPeriod[], now: Date): boolean {
  const ahead = (periods: PlannedPeriod[]) =>
    periods
      .filter((p) => p.end === null || Date.parse(p.end) > now.getTime())
      .map((p) => `${p.end === null ? '' : Date.parse(p.end)}:${p.limitA}`);
  return ahead(a).join('|') === ahead(b).join('|');
}

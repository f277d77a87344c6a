import type {
  AllocationInput,
  CapacityNode,
  ConnectorAllocation,
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
export const GROUP_NODE = 'group';
/** Statuses in which an EV is plugged in and may draw current: 1.6 ones, and 2.0.1 `Occupied`. */
const EV_PRESENT_STATUSES = new Set(['Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Occupied']);

/** A block of the planning horizon with the DSO's per-phase limit for the whole group. */
export interface HorizonBlock extends TimeBlock {
  groupLimitsA: PerPhase;
}

export interface SiteCapacity {
  id: string;
  limitsA: PerPhase;
  /** Non-controllable load on the grid connection, subtracted from the site and its group. */
  baseLoadA?: PerPhase;
  /** Feeders, breakers and sub-panels; `parentId` null hangs under the site. */
  circuits?: CircuitCapacity[];
  /** Peak-shaving limits over time (null: none beyond the site's own); the horizon is split at their edges. */
  scheduledLimitsA?: ScheduledLimit[];
}

export interface ScheduledLimit {
  start: string;
  end: string;
  limitsA: PerPhase | null;
}

export interface CircuitCapacity {
  id: string;
  parentId: string | null;
  limitsA: PerPhase;
}

/**
 * Contiguous blocks from `now` on: the forecast's blocks, and between and after them blocks at
 * `gapLimitsA` (by default only the sites' own limits apply), ending in an open block, so a profile
 * never has a hole.
 */
export function horizonBlocks(
  timeline: CapacityBlock[],
  now: Date,
  gapLimitsA: PerPhase = UNCONSTRAINED,
): HorizonBlock[] {
  const blocks: HorizonBlock[] = [];
  let cursor = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
  for (const block of timeline) {
    if (Date.parse(block.end) <= Date.parse(cursor)) continue;
    if (Date.parse(block.start) > Date.parse(cursor)) {
      blocks.push({ start: cursor, end: block.start, groupLimitsA: gapLimitsA });
    }
    blocks.push({ start: block.start, end: block.end, groupLimitsA: block.limitsA });
    cursor = block.end;
  }
  blocks.push({ start: cursor, end: null, groupLimitsA: gapLimitsA });
  return blocks;
}

/** Splits the blocks at each instant inside them, so that no block straddles a schedule edge. */
export function splitHorizon(horizon: HorizonBlock[], instants: string[]): HorizonBlock[] {
  const cuts = [...new Set(instants.map((t) => Date.parse(t)))].sort((a, b) => a - b);
  return horizon.flatMap((block) => {
    const start = Date.parse(block.start);
    const end = block.end === null ? Infinity : Date.parse(block.end);
    const inside = cuts.filter((t) => t > start && t < end).map((t) => new Date(t).toISOString());
    const starts = [block.start, ...inside];
    return starts.map((from, i) => ({ ...block, start: from, end: starts[i + 1] ?? block.end }));
  });
}

/**
 * The site's limit in a block: its own, tightened by every peak-shaving limit overlapping the block (the
 * horizon is split at their edges, so normally one).
 */
function siteLimitIn(site: SiteCapacity, block: TimeBlock): PerPhase {
  const start = Date.parse(block.start);
  const end = block.end === null ? Infinity : Date.parse(block.end);
  const overlapping = (site.scheduledLimitsA ?? []).filter(
    (s) => s.limitsA !== null && Date.parse(s.start) < end && Date.parse(s.end) > start,
  );
  return site.limitsA.map((limit, phase) =>
    Math.min(limit, ...overlapping.map((s) => s.limitsA?.[phase] ?? Infinity)),
  ) as unknown as PerPhase;
}

export function isEvPresent(connector: PlanningConnector): boolean {
  return connector.transactionStartedAt !== null || EV_PRESENT_STATUSES.has(connector.status ?? '');
}

/**
 * Admission order when the minimums do not all fit: higher priority (the session's, else the connector's)
 * first, then the session that started first. Priorities only order admission until the optimizer weighs
 * shares by priority.
 */
function admissionRanks(connectors: PlanningConnector[]): Map<string, number> {
  const since = (c: PlanningConnector) =>
    (c.transactionStartedAt ?? c.statusAt)?.getTime() ?? Number.MAX_SAFE_INTEGER;
  const priority = (c: PlanningConnector) => c.sessionPriority ?? c.priority ?? 0;
  const ordered = [...connectors].sort((a, b) => priority(b) - priority(a) || since(a) - since(b));
  return new Map(ordered.map((c, rank) => [c.connectorRef, rank]));
}

const PHASE_INDEX: Record<string, number> = { L1: 0, L2: 1, L3: 2 };

export const chargerNodeId = (chargerId: string) => `charger:${chargerId}`;

/** The node a connector hangs under: its charger when the charger has a maximum, else its circuit or site. */
function feederOf(connector: PlanningConnector): string {
  if (connector.chargerId && connector.chargerMaxCurrentA != null) return chargerNodeId(connector.chargerId);
  return connector.circuitId ?? connector.siteId;
}

/** Highest current per phase the connector can be given: its own and its charger's maximum. */
function connectorMaxA(connector: PlanningConnector): number {
  return Math.min(connector.maxCurrentA, connector.chargerMaxCurrentA ?? Infinity);
}

/**
 * The grid phases a connector loads: all three, or for a single-phase connector the grid phase wired to
 * its charger's L1 by the phase rotation.
 */
export function gridPhasesOf(connector: PlanningConnector): number[] {
  if (connector.phases !== 1) return [0, 1, 2];
  return [PHASE_INDEX[connector.phaseRotation?.[0] ?? 'L1']];
}

/**
 * The optimizer loads a single-phase connector on L1 only and does not take a phase rotation yet
 * (`ConnectorDemand.phases`). A single-phase connector fed by grid L2 or L3 is therefore counted on all
 * three phases: it over-reserves L1 and the third phase but never overloads the one it draws from. When
 * the optimizer takes `phaseRotation`, pass `connector.phaseRotation` and keep `phases` as is.
 */
function optimizerPhases(connector: PlanningConnector): 1 | 3 {
  return gridPhasesOf(connector).join() === '0' ? 1 : 3;
}

/**
 * Connectors we do not steer: those of chargers excluded from smart charging, and those whose charger
 * refuses our profiles (uncontrollable), which may draw their maximum whenever an EV is there.
 */
function isUnsteered(connector: PlanningConnector): boolean {
  return connector.smartChargingExcluded === true || connector.uncontrollableReason != null;
}

/** What unsteered connectors draw at most, per grid phase and charger, reserved on the node they hang under. */
export function excludedChargerLoads(connectors: PlanningConnector[]): { nodeId: string; amps: PerPhase }[] {
  const byCharger = new Map<string, PlanningConnector[]>();
  for (const c of connectors.filter(isUnsteered)) {
    byCharger.set(c.chargerId ?? c.connectorRef, [
      ...(byCharger.get(c.chargerId ?? c.connectorRef) ?? []),
      c,
    ]);
  }
  return [...byCharger.values()].map((chargerConnectors) => {
    const amps = [0, 1, 2].map((phase) => {
      const drawn = chargerConnectors
        .filter((c) => gridPhasesOf(c).includes(phase))
        .reduce((sum, c) => sum + c.maxCurrentA, 0);
      return Math.min(drawn, chargerConnectors[0].chargerMaxCurrentA ?? Infinity);
    });
    const [first] = chargerConnectors;
    return { nodeId: first.circuitId ?? first.siteId, amps: amps as unknown as PerPhase };
  });
}

/** Subtracts each reserved load from its node and every ancestor, never below 0. */
function reserve(nodes: CapacityNode[], loads: { nodeId: string; amps: PerPhase }[]): CapacityNode[] {
  const parents = new Map(nodes.map((n) => [n.id, n.parentId]));
  const reserved = new Map<string, number[]>();
  for (const load of loads) {
    for (let id: string | null | undefined = load.nodeId; id; id = parents.get(id)) {
      const total = reserved.get(id) ?? [0, 0, 0];
      reserved.set(
        id,
        total.map((a, phase) => a + load.amps[phase]),
      );
    }
  }
  return nodes.map((node) => {
    const amps = reserved.get(node.id);
    if (!amps) return node;
    const limitsA = node.limitsA.map(
      (limits) => limits.map((limit, phase) => Math.max(0, limit - amps[phase])) as unknown as PerPhase,
    );
    return { ...node, limitsA };
  });
}

function siteNodes(site: SiteCapacity, horizon: HorizonBlock[]): CapacityNode[] {
  const constant = (limits: PerPhase) => horizon.map(() => limits);
  return [
    { id: site.id, parentId: GROUP_NODE, limitsA: horizon.map((block) => siteLimitIn(site, block)) },
    ...(site.circuits ?? []).map((circuit) => ({
      id: circuit.id,
      parentId: circuit.parentId ?? site.id,
      limitsA: constant(circuit.limitsA),
    })),
  ];
}

function chargerNodes(connectors: PlanningConnector[], blockCount: number): CapacityNode[] {
  const nodes = new Map<string, CapacityNode>();
  for (const c of connectors) {
    if (!c.chargerId || c.chargerMaxCurrentA == null || c.smartChargingExcluded) continue;
    const max = c.chargerMaxCurrentA;
    nodes.set(c.chargerId, {
      id: chargerNodeId(c.chargerId),
      parentId: c.circuitId ?? c.siteId,
      limitsA: Array.from({ length: blockCount }, () => [max, max, max] as const),
    });
  }
  return [...nodes.values()];
}

/**
 * The group at the root, its sites below it, their circuits to any depth, chargers that have a maximum of
 * their own, and the smart-charged connectors at the leaves. Base loads and excluded chargers (at their
 * maximum) are reserved on their node and its ancestors.
 */
export function buildAllocationInput(
  horizon: HorizonBlock[],
  sites: SiteCapacity[],
  connectors: PlanningConnector[],
): AllocationInput {
  const tree: CapacityNode[] = [
    { id: GROUP_NODE, parentId: null, limitsA: horizon.map((b) => b.groupLimitsA) },
    ...sites.flatMap((site) => siteNodes(site, horizon)),
    ...chargerNodes(connectors, horizon.length),
  ];
  const baseLoads = sites.map((site) => ({ nodeId: site.id, amps: site.baseLoadA ?? ([0, 0, 0] as const) }));
  const nodes = reserve(tree, [...baseLoads, ...excludedChargerLoads(connectors)]);
  const controlled = connectors.filter((c) => !isUnsteered(c));
  const ranks = admissionRanks(controlled);
  const demands: ConnectorDemand[] = controlled.map((connector) => ({
    id: connector.connectorRef,
    nodeId: feederOf(connector),
    phases: optimizerPhases(connector),
    maxCurrentA: connectorMaxA(connector),
    minCurrentA: connector.minCurrentA ?? MIN_CHARGING_CURRENT_A,
    active: isEvPresent(connector),
    precedence: ranks.get(connector.connectorRef) ?? Number.MAX_SAFE_INTEGER,
  }));
  return { blocks: horizon.map(({ start, end }) => ({ start, end })), nodes, connectors: demands };
}

/**
 * Connectors of chargers excluded from smart charging, and uncontrollable ones, are not optimised: their plan
 * is their maximum in every block, which lifts any limit an earlier plan left on the charger (and offers an
 * uncontrollable charger a profile it may accept again), and they are reserved at it.
 */
export function excludedAllocations(
  blocks: TimeBlock[],
  connectors: PlanningConnector[],
): ConnectorAllocation[] {
  return connectors
    .filter(isUnsteered)
    .map((c) => ({ connectorId: c.connectorRef, limitsA: blocks.map(() => connectorMaxA(c)) }));
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

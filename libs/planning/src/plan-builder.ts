import {
  allocate,
  DEFAULT_PHASE_VOLTAGE_V,
  LINE_PAIR_PHASES,
  onOffStateAt,
  optimizeHorizon,
  wattsPerAmpere,
  type AllocationInput,
  type AllocationPlan,
  type CapacityNode,
  type ConnectorAllocation,
  type ConnectorDemand,
  type HorizonInput,
  type HorizonOptions,
  type OnOffState,
  type PerPhase,
  type PhaseRotation,
  type SiteVoltages,
  type TimeBlock,
} from '@gridflex/optimizer';
import { sentLimitA } from '@gridflex/ocpp';
import type { PlannedPeriod, schema } from '@gridflex/persistence';
import type { PriceSegment } from '@gridflex/schedules';
import type { CapacityBlock } from './forecast-capacity';
import type { PlanningConnector } from './planning.repository';
import { reservedLineA, transformerLimits } from './transformer-limits';

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
  /** The grid connection's total power over its phases, in W (at `nominalVoltageV` per phase); absent: none. */
  totalLimitW?: number;
  /** Phase-to-neutral voltage, to count the energy a connector's limit delivers; the optimizer's 230 V when absent. */
  nominalVoltageV?: number;
  /** Between two lines, when not √3 × `nominalVoltageV`. */
  lineToLineVoltageV?: number;
  /** The transformer feeding the grid connection: the magnitudes of its line currents are limited. */
  transformer?: schema.TransformerColumn;
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
  /** W over the three phases together (rules in kW); null or absent: none. */
  totalW?: number | null;
}

export interface CircuitCapacity {
  id: string;
  parentId: string | null;
  limitsA: PerPhase;
  transformer?: schema.TransformerColumn | null;
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

/**
 * Consecutive blocks with the same group limits as one: fewer blocks for the horizon optimiser's LP
 * (a DSO often sends quarter-hours that stay equal for hours) and fewer periods in the profiles.
 */
export function mergeFlatBlocks(horizon: HorizonBlock[]): HorizonBlock[] {
  const merged: HorizonBlock[] = [];
  for (const block of horizon) {
    const previous = merged.at(-1);
    if (previous && previous.end === block.start && sameLimits(previous.groupLimitsA, block.groupLimitsA)) {
      merged[merged.length - 1] = { ...previous, end: block.end };
    } else merged.push(block);
  }
  return merged;
}

const sameLimits = (a: PerPhase, b: PerPhase) => a.every((limit, phase) => limit === b[phase]);

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
export function siteLimitIn(site: SiteCapacity, block: TimeBlock): PerPhase {
  const start = Date.parse(block.start);
  const end = block.end === null ? Infinity : Date.parse(block.end);
  const overlapping = (site.scheduledLimitsA ?? []).filter(
    (s) => s.limitsA !== null && Date.parse(s.start) < end && Date.parse(s.end) > start,
  );
  return site.limitsA.map((limit, phase) =>
    Math.min(limit, ...overlapping.map((s) => s.limitsA?.[phase] ?? Infinity)),
  ) as unknown as PerPhase;
}

/** The site's total-power limit in a block (W): its own, tightened by every kW rule overlapping the block. */
export function siteTotalIn(site: SiteCapacity, block: TimeBlock): number {
  const start = Date.parse(block.start);
  const end = block.end === null ? Infinity : Date.parse(block.end);
  const overlapping = (site.scheduledLimitsA ?? []).filter(
    (s) => s.totalW != null && Date.parse(s.start) < end && Date.parse(s.end) > start,
  );
  return Math.min(site.totalLimitW ?? Infinity, ...overlapping.map((s) => s.totalW as number));
}

export function isEvPresent(connector: PlanningConnector): boolean {
  return connector.transactionStartedAt !== null || EV_PRESENT_STATUSES.has(connector.status ?? '');
}

/**
 * The share weight of a connector's priority (the session's, else the connector's; -100 to 100): every 10
 * points double the share, and a higher priority is also admitted first when the minimums do not fit.
 * Priority 0 is weight 1, the optimizer's default.
 */
function priorityWeight(connector: PlanningConnector): number {
  return 2 ** ((connector.sessionPriority ?? connector.priority ?? 0) / 10);
}

/** When the EV arrived: the transaction's start, else the status that showed it; the admission tie-break. */
function arrivalMs(connector: PlanningConnector): number {
  return (connector.transactionStartedAt ?? connector.statusAt)?.getTime() ?? Number.MAX_SAFE_INTEGER;
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
 * The grid phases a connector loads: its line pair, or the grid phases its charger's first `phases`
 * phases are wired to by the phase rotation (all three for any other count, the safe side).
 */
export function gridPhasesOf(connector: PlanningConnector): number[] {
  if (connector.lineToLine) return [...LINE_PAIR_PHASES[connector.lineToLine]];
  if (connector.phases !== 1 && connector.phases !== 2) return [0, 1, 2];
  const rotation = connector.phaseRotation ?? ['L1', 'L2', 'L3'];
  return rotation.slice(0, connector.phases).map((phase) => PHASE_INDEX[phase]);
}

const ROTATION_LETTER: Record<string, string> = { L1: 'R', L2: 'S', L3: 'T' };

/** The charger's phase rotation as OCPP's ConnectorPhaseRotation (L2, L3, L1 is `STR`). */
function optimizerRotation(connector: PlanningConnector): PhaseRotation | undefined {
  if (!connector.phaseRotation) return undefined;
  return connector.phaseRotation.map((phase) => ROTATION_LETTER[phase]).join('') as PhaseRotation;
}

/** Connectors are registered with 1 to 3 phases (2 line to line); anything else is loaded on all three, the safe side. */
function optimizerPhases(connector: PlanningConnector): 1 | 2 | 3 {
  if (connector.lineToLine) return 2;
  return phaseCount(connector.phases);
}

function phaseCount(phases: number): 1 | 2 | 3 {
  return phases === 1 || phases === 2 ? phases : 3;
}

/**
 * Connectors we do not steer: those of chargers excluded from smart charging, and those whose charger
 * refuses our profiles (uncontrollable), which may draw their maximum whenever an EV is there.
 */
export function isUnsteered(connector: PlanningConnector): boolean {
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

/** Per node, the per-phase sum of the loads on it and on every node below it (`parents`: node → parent). */
export function reservedByNode(
  parents: ReadonlyMap<string, string | null>,
  loads: { nodeId: string; amps: readonly number[] }[],
): Map<string, number[]> {
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
  return reserved;
}

/** Subtracts each reserved load from its node and every ancestor, never below 0. */
function reserve(nodes: CapacityNode[], loads: { nodeId: string; amps: PerPhase }[]): CapacityNode[] {
  const reserved = reservedByNode(new Map(nodes.map((n) => [n.id, n.parentId])), loads);
  return nodes.map((node) => {
    const amps = reserved.get(node.id);
    if (!amps) return node;
    const limitsA = node.limitsA.map(
      (limits) => limits.map((limit, phase) => Math.max(0, limit - amps[phase])) as unknown as PerPhase,
    );
    const reservedW = (amps[0] + amps[1] + amps[2]) * (node.phaseVoltageV ?? DEFAULT_PHASE_VOLTAGE_V);
    const totalLimitW = node.totalLimitW?.map((limit) => Math.max(0, limit - reservedW));
    const phasorLimits = node.phasorLimits?.map((limit) => {
      const lineA = reservedLineA(limit, amps);
      return { ...limit, limitsA: limit.limitsA.map((a) => Math.max(0, a - lineA)) };
    });
    return { ...node, limitsA, ...(totalLimitW && { totalLimitW }), ...(phasorLimits && { phasorLimits }) };
  });
}

function siteNodes(site: SiteCapacity, horizon: HorizonBlock[]): CapacityNode[] {
  const constant = (limits: PerPhase) => horizon.map(() => limits);
  const totalLimitW = horizon.map((block) => siteTotalIn(site, block));
  const phasorLimits = (transformer: schema.TransformerColumn | null | undefined) =>
    transformer ? { phasorLimits: transformerLimits(transformer, site.nominalVoltageV, horizon.length) } : {};
  return [
    {
      id: site.id,
      parentId: GROUP_NODE,
      limitsA: horizon.map((block) => siteLimitIn(site, block)),
      ...(totalLimitW.some(Number.isFinite) && { totalLimitW, phaseVoltageV: site.nominalVoltageV }),
      ...phasorLimits(site.transformer),
    },
    ...(site.circuits ?? []).map((circuit) => ({
      id: circuit.id,
      parentId: circuit.parentId ?? site.id,
      limitsA: constant(circuit.limitsA),
      ...phasorLimits(circuit.transformer),
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
 * their own, and the smart-charged connectors at the leaves with their weight, session wishes and
 * previous on/off state (`previous`, by connector). Base loads and excluded chargers (at their maximum)
 * are reserved on their node and its ancestors.
 */
export function buildAllocationInput(
  horizon: HorizonBlock[],
  sites: SiteCapacity[],
  connectors: PlanningConnector[],
  previous: ReadonlyMap<string, OnOffState> = new Map(),
): AllocationInput {
  const tree: CapacityNode[] = [
    { id: GROUP_NODE, parentId: null, limitsA: horizon.map((b) => b.groupLimitsA) },
    ...sites.flatMap((site) => siteNodes(site, horizon)),
    ...chargerNodes(connectors, horizon.length),
  ];
  const baseLoads = sites.map((site) => ({ nodeId: site.id, amps: site.baseLoadA ?? ([0, 0, 0] as const) }));
  const nodes = reserve(tree, [...baseLoads, ...excludedChargerLoads(connectors)]);
  const voltages = new Map(sites.map((site) => [site.id, siteVoltages(site)]));
  const demands = connectors
    .filter((c) => !isUnsteered(c))
    .map((c) => toDemand(c, voltages.get(c.siteId), previous.get(c.connectorRef)));
  return { blocks: horizon.map(({ start, end }) => ({ start, end })), nodes, connectors: demands };
}

/** The voltages a site's connectors are fed with, as the optimizer takes them. */
export function siteVoltages(
  site: Pick<SiteCapacity, 'nominalVoltageV' | 'lineToLineVoltageV'>,
): SiteVoltages {
  return {
    ...(site.nominalVoltageV !== undefined && { phaseToNeutralV: site.nominalVoltageV }),
    ...(site.lineToLineVoltageV !== undefined && { lineToLineV: site.lineToLineVoltageV }),
  };
}

function toDemand(
  connector: PlanningConnector,
  voltages: SiteVoltages = {},
  previous: OnOffState | undefined,
): ConnectorDemand {
  const phases = optimizerPhases(connector);
  return {
    id: connector.connectorRef,
    nodeId: feederOf(connector),
    phases,
    phaseRotation: optimizerRotation(connector),
    ...(connector.lineToLine && { lineToLine: connector.lineToLine }),
    voltages,
    maxCurrentA: connectorMaxA(connector),
    minCurrentA: connector.minCurrentA ?? MIN_CHARGING_CURRENT_A,
    active: isEvPresent(connector),
    precedence: arrivalMs(connector),
    priority: priorityWeight(connector),
    departure: connector.departureAt?.toISOString(),
    energyWantedWh: connector.energyWantedWh ?? undefined,
    wattsPerAmpere: wattsPerAmpereOf(connector, phases, voltages),
    previous,
  };
}

/**
 * How fast a session's energy is delivered (`wattsPerAmpere`, the one rule): on the phases its EV was
 * learnt to draw on, which may be fewer than the `phases` it reserves (a limit applies to every phase it
 * may draw on, `PlanningConnector.phases`); a line-to-line connector's EV sees one phase at V_ll.
 */
export function wattsPerAmpereOf(
  connector: Pick<PlanningConnector, 'phases' | 'phasesInUse' | 'lineToLine'>,
  phases: number,
  voltages: SiteVoltages,
): number {
  if (connector.lineToLine) return wattsPerAmpere({ phases: 2, lineToLine: connector.lineToLine }, voltages);
  const drawing = Math.min(connector.phasesInUse ?? phases, phases);
  return wattsPerAmpere({ phases: phaseCount(drawing) }, voltages);
}

/**
 * What the stored plans were doing with each connector at `now`, for the minimum on and off times. A
 * connector held at 0 A before its EV arrived was not waiting: its pause counts from the arrival, so a
 * new EV does not overtake running sessions as if it had been paused all along.
 */
export function previousOnOffStates(
  connectors: PlanningConnector[],
  plans: ReadonlyMap<string, { periods: PlannedPeriod[] }>,
  now: Date,
): Map<string, OnOffState> {
  return new Map(
    connectors.flatMap((connector) => {
      const periods = plans.get(connector.connectorRef)?.periods;
      const state = periods && onOffStateAt(periods, now.toISOString());
      if (!state) return [];
      const arrival = arrivalMs(connector);
      if (state.charging || arrival === Number.MAX_SAFE_INTEGER || arrival <= Date.parse(state.since)) {
        return [[connector.connectorRef, state] as const];
      }
      return [[connector.connectorRef, { charging: false, since: new Date(arrival).toISOString() }] as const];
    }),
  );
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
 * Two plans are the same when they would send a charger the same limits from `now` on (`sentLimitA`: to 0.1 A,
 * 0 below 6 A, equal neighbours merged), so that a re-plan that changes nothing material pushes nothing. The
 * start of the current block is ignored: it moves with `now` and re-sending an unchanged limit would only load
 * the charger.
 */
export function samePlan(a: PlannedPeriod[], b: PlannedPeriod[], now: Date): boolean {
  return sentSteps(a, now) === sentSteps(b, now);
}

function sentSteps(periods: PlannedPeriod[], now: Date): string {
  const steps: { end: number | null; limitA: number }[] = [];
  for (const period of periods) {
    const end = period.end === null ? null : Date.parse(period.end);
    if (end !== null && end <= now.getTime()) continue;
    const limitA = sentLimitA(period.limitA);
    const last = steps.at(-1);
    if (last?.limitA === limitA) last.end = end;
    else steps.push({ end, limitA });
  }
  return steps.map((step) => `${step.end ?? ''}:${step.limitA}`).join('|');
}

/** What the horizon optimiser takes beyond the allocation input. */
export interface HorizonWishes {
  /** The tariff over the horizon (`tariffSeries` of the scope's sites). */
  prices?: PriceSegment[];
  /** The DSO's OPTIMUM forecast for the group, in per-phase amperes (`capacityTimeline` of its OPTIMUM forecasts). */
  optimum?: CapacityBlock[];
  /** What is assumed of the sessions that tell no energy or departure (`PLANNING_DEFAULT_*`). */
  sessionDefaults?: SessionDefaults;
  /**
   * How far the LP's later stages are solved (`PLANNING_EXACT_LP_MAX_COLUMNS`,
   * `PLANNING_LATER_STAGE_PIVOT_BUDGET`); unset, every stage at its optimum.
   */
  lpSolving?: LpSolving;
}

/**
 * Parts of the LP with at most `exactLpMaxColumns` columns solve every stage at its optimum; larger
 * ones (fleets where many EVs declare) keep the energy optimal and cut cost or peak and the earliest
 * delivery after `laterStagePivotBudget` pivots, which keeps the plan within a run's time.
 */
export type LpSolving = Required<Pick<HorizonOptions, 'exactLpMaxColumns' | 'laterStagePivotBudget'>>;

/**
 * Assumptions for sessions present that told nothing: the energy they want, and how long after their
 * arrival they leave. Both only shape the horizon plan: an assumed departure does not stop the EV
 * charging if it is still there, it then shares what is left as any session without wishes.
 */
export interface SessionDefaults {
  energyWantedWh?: number;
  dwellMinutes?: number;
}

/**
 * `buildAllocationInput`'s result made an input of `optimizeHorizon`: a price per block, and the
 * group's OPTIMUM forecast as a soft limit on the group node, less what base loads and unsteered
 * chargers take there (the hard limits are lowered the same way).
 */
export function buildHorizonInput(
  input: AllocationInput,
  sites: SiteCapacity[],
  connectors: PlanningConnector[],
  wishes: HorizonWishes,
): HorizonInput {
  const pricesPerKwh = blockPrices(input.blocks, wishes.prices ?? []);
  const optimum = wishes.optimum ?? [];
  const reservedA = groupReservation(sites, connectors);
  const dwellMinutes = wishes.sessionDefaults?.dwellMinutes;
  return {
    ...input,
    ...(dwellMinutes !== undefined
      ? { connectors: withAssumedDepartures(input, connectors, dwellMinutes) }
      : {}),
    ...(pricesPerKwh ? { pricesPerKwh } : {}),
    ...(optimum.length > 0
      ? { softLimits: [{ nodeId: GROUP_NODE, limitsA: blockSoftLimits(input.blocks, optimum, reservedA) }] }
      : {}),
  };
}

/**
 * Each session present that told no departure leaves `dwellMinutes` after its arrival, where that is
 * still after the horizon's start: an EV there longer than assumed is planned as one without a departure.
 */
function withAssumedDepartures(
  input: AllocationInput,
  connectors: PlanningConnector[],
  dwellMinutes: number,
): ConnectorDemand[] {
  const byRef = new Map(connectors.map((c) => [c.connectorRef, c]));
  const startMs = Date.parse(input.blocks[0].start);
  return input.connectors.map((demand) => {
    const connector = byRef.get(demand.id);
    const departure = connector && assumedDeparture(connector, dwellMinutes);
    return departure && Date.parse(departure) > startMs ? { ...demand, assumedDeparture: departure } : demand;
  });
}

/** Arrival plus the dwell time, for an EV present that told no departure; undefined otherwise. */
function assumedDeparture(connector: PlanningConnector, dwellMinutes: number): string | undefined {
  const arrivedMs = arrivalMs(connector);
  if (!isEvPresent(connector) || connector.departureAt || arrivedMs === Number.MAX_SAFE_INTEGER)
    return undefined;
  return new Date(arrivedMs + dwellMinutes * MS_PER_MINUTE).toISOString();
}

const MS_PER_MINUTE = 60_000;

/**
 * Per block, the time-weighted mean price over the block; time without a tariff counts at the highest
 * price, so that charging is never moved into hours whose price is unknown. An open block takes the
 * price at its start. Undefined without any tariff.
 */
export function blockPrices(blocks: TimeBlock[], segments: PriceSegment[]): number[] | undefined {
  if (segments.length === 0) return undefined;
  const highest = Math.max(...segments.map((s) => s.pricePerKwh));
  return blocks.map((block) => {
    const startMs = Date.parse(block.start);
    if (block.end === null) {
      const current = segments.find((s) => Date.parse(s.start) <= startMs && startMs < Date.parse(s.end));
      return current?.pricePerKwh ?? highest;
    }
    const endMs = Date.parse(block.end);
    let pricedMs = 0;
    let sum = 0;
    for (const segment of segments) {
      const overlapMs =
        Math.min(endMs, Date.parse(segment.end)) - Math.max(startMs, Date.parse(segment.start));
      if (overlapMs <= 0) continue;
      pricedMs += overlapMs;
      sum += overlapMs * segment.pricePerKwh;
    }
    return (sum + (endMs - startMs - pricedMs) * highest) / (endMs - startMs);
  });
}

/** Per block and phase, the tightest OPTIMUM block overlapping it, less the reservation; Infinity where none. */
function blockSoftLimits(blocks: TimeBlock[], optimum: CapacityBlock[], reservedA: PerPhase): PerPhase[] {
  return blocks.map((block) => {
    const startMs = Date.parse(block.start);
    const endMs = block.end === null ? Infinity : Date.parse(block.end);
    const overlapping = optimum.filter((o) => Date.parse(o.start) < endMs && Date.parse(o.end) > startMs);
    return [0, 1, 2].map((phase) =>
      Math.max(0, Math.min(Infinity, ...overlapping.map((o) => o.limitsA[phase])) - reservedA[phase]),
    ) as unknown as PerPhase;
  });
}

/** Base loads and unsteered chargers: every reservation reaches the group at the root. */
function groupReservation(sites: SiteCapacity[], connectors: PlanningConnector[]): PerPhase {
  const loads = [
    ...sites.map((site) => site.baseLoadA ?? ([0, 0, 0] as const)),
    ...excludedChargerLoads(connectors).map((load) => load.amps),
  ];
  return [0, 1, 2].map((phase) => loads.reduce((sum, amps) => sum + amps[phase], 0)) as unknown as PerPhase;
}

/**
 * Whether the horizon optimiser plans the scope: a session present tells its energy or departure (or
 * defaults assume them), or a tariff or an OPTIMUM forecast applies. Otherwise `allocate` alone.
 */
export function wantsHorizon(connectors: PlanningConnector[], wishes: HorizonWishes): boolean {
  if ((wishes.prices ?? []).length > 0 || (wishes.optimum ?? []).length > 0) return true;
  const { energyWantedWh, dwellMinutes } = wishes.sessionDefaults ?? {};
  const assumed = energyWantedWh !== undefined || dwellMinutes !== undefined;
  return connectors.some(
    (c) =>
      !isUnsteered(c) && isEvPresent(c) && (assumed || c.energyWantedWh != null || c.departureAt != null),
  );
}

/**
 * Where the horizon optimiser needs blocks to end: at tariff and OPTIMUM edges (one price and one
 * soft limit per block) and at the departures (told or assumed) of the sessions present, from `now` to `until`.
 */
export function horizonEdges(
  connectors: PlanningConnector[],
  wishes: HorizonWishes,
  now: Date,
  until: Date,
): string[] {
  const dwellMinutes = wishes.sessionDefaults?.dwellMinutes;
  const departures = connectors.flatMap((c) => {
    if (!isEvPresent(c)) return [];
    if (c.departureAt) return [c.departureAt.toISOString()];
    const assumed = dwellMinutes === undefined ? undefined : assumedDeparture(c, dwellMinutes);
    return assumed ? [assumed] : [];
  });
  const spans = [...(wishes.prices ?? []), ...(wishes.optimum ?? [])].flatMap((s) => [s.start, s.end]);
  return [...spans, ...departures].filter((t) => {
    const ms = Date.parse(t);
    return ms > now.getTime() && ms <= until.getTime();
  });
}

/**
 * The plan of a scope: `allocate`, or when `wantsHorizon` the horizon optimiser with only the sessions
 * that tell their energy in its LP (the others share block by block as `allocate` does) — with the
 * `earliest` objective only those their fair share would not serve, which measured as good for them
 * as planning every declaring session and better for the others (`docs/benchmarks.md`) — which keeps
 * every guarantee of `allocate` — admission by priority then urgency, rotation, minimum on/off — and
 * adds energy by departure, the cheapest blocks with a tariff and the OPTIMUM as a soft limit.
 */
export function planAllocations(
  input: AllocationInput,
  sites: SiteCapacity[],
  connectors: PlanningConnector[],
  wishes: HorizonWishes,
): AllocationPlan {
  if (!wantsHorizon(connectors, wishes)) return allocate(input);
  return optimizeHorizon(buildHorizonInput(input, sites, connectors, wishes), {
    lpSessions: 'declared',
    defaultEnergyWantedWh: wishes.sessionDefaults?.energyWantedWh,
    ...wishes.lpSolving,
  });
}

/** One price series for sites with tariffs of their own (and time zones): the highest price at each instant. */
export function highestPrices(series: PriceSegment[][]): PriceSegment[] {
  const all = series.flat();
  const edges = [...new Set(all.flatMap((s) => [Date.parse(s.start), Date.parse(s.end)]))].sort(
    (a, b) => a - b,
  );
  const merged: PriceSegment[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const covering = all.filter((s) => Date.parse(s.start) <= edges[k] && Date.parse(s.end) >= edges[k + 1]);
    if (covering.length === 0) continue;
    const top = covering.reduce((a, b) => (b.pricePerKwh > a.pricePerKwh ? b : a));
    const start = new Date(edges[k]).toISOString();
    const end = new Date(edges[k + 1]).toISOString();
    const previous = merged.at(-1);
    if (previous && previous.end === start && previous.pricePerKwh === top.pricePerKwh) previous.end = end;
    else merged.push({ start, end, pricePerKwh: top.pricePerKwh, currency: top.currency });
  }
  return merged;
}

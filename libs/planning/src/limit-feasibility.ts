import type { InfeasibleLimitNode, LimitWarningsState, schema } from '@gridflex/persistence';
import { DEFAULT_PHASE_VOLTAGE_V } from '@gridflex/optimizer';
import {
  excludedChargerLoads,
  GROUP_NODE,
  reservedByNode,
  siteLimitIn,
  siteTotalIn,
  type HorizonBlock,
  type SiteCapacity,
} from './plan-builder';
import type { PlanningConnector } from './planning.repository';
import { reservedLineA, transformerLimits } from './transformer-limits';

/** A node found impossible to keep now, before it is given the start of its episode. */
export type InfeasibleNode = Omit<InfeasibleLimitNode, 'since'>;

/** Below this the reserved load is taken as equal to the limit: the planner rounds to 0.1 A. */
const TOLERANCE_A = 0.05;
const PHASE_NAMES = ['L1', 'L2', 'L3'] as const;

/** What the planner knows of a scope to find its impossible limits. */
export interface FeasibilityInput {
  /** The group planned, or null for a site of no group. */
  groupId: string | null;
  /** The first block of the horizon: the limits in force now. */
  block: HorizonBlock;
  sites: (SiteCapacity & { name: string })[];
  /** Circuit names by id. */
  circuitNames: ReadonlyMap<string, string>;
  connectors: PlanningConnector[];
}

/**
 * The nodes of the capacity tree (the group under its DSO limit, sites, circuits) whose limit in force, on
 * some phase, is below what is reserved on them and below them whatever we do: base load and unsteered
 * chargers at their maximum, as the planner reserves them (`reservedByNode`). No plan keeps such a limit.
 */
export function infeasibleNodes(input: FeasibilityInput): InfeasibleNode[] {
  const { sites, block } = input;
  const parents = new Map<string, string | null>([[GROUP_NODE, null]]);
  for (const site of sites) {
    parents.set(site.id, GROUP_NODE);
    for (const circuit of site.circuits ?? []) parents.set(circuit.id, circuit.parentId ?? site.id);
  }
  const loads = [
    ...sites.map((site) => ({ nodeId: site.id, amps: site.baseLoadA ?? ([0, 0, 0] as const) })),
    ...excludedChargerLoads(input.connectors),
  ];
  const reserved = reservedByNode(parents, loads);
  const exceeded = (nodeId: string, limitsA: readonly number[]) =>
    excessPhases(reserved.get(nodeId), limitsA);
  const nodes: InfeasibleNode[] = [];
  if (input.groupId !== null) {
    const phases = exceeded(GROUP_NODE, block.groupLimitsA);
    if (phases.length > 0)
      nodes.push({ kind: 'group', id: input.groupId, name: input.groupId, siteId: null, phases });
  }
  for (const site of sites) {
    const phases = [
      ...exceeded(site.id, siteLimitIn(site, block)),
      ...excessLines(reserved.get(site.id), site.transformer, site.nominalVoltageV),
    ];
    const totalKw = excessTotal(reserved.get(site.id), siteTotalIn(site, block), site.nominalVoltageV);
    if (phases.length > 0 || totalKw)
      nodes.push({
        kind: 'site',
        id: site.id,
        name: site.name,
        siteId: site.id,
        phases,
        ...(totalKw && { totalKw }),
      });
    for (const circuit of site.circuits ?? []) {
      const overCircuit = [
        ...exceeded(circuit.id, circuit.limitsA),
        ...excessLines(reserved.get(circuit.id), circuit.transformer, site.nominalVoltageV),
      ];
      if (overCircuit.length === 0) continue;
      const name = input.circuitNames.get(circuit.id) ?? circuit.id;
      nodes.push({ kind: 'circuit', id: circuit.id, name, siteId: site.id, phases: overCircuit });
    }
  }
  return nodes;
}

function excessPhases(reservedA: readonly number[] | undefined, limitsA: readonly number[]) {
  if (!reservedA) return [];
  return PHASE_NAMES.flatMap((phase, index) => {
    const limitA = limitsA[index];
    if (!Number.isFinite(limitA) || reservedA[index] <= limitA + TOLERANCE_A) return [];
    return [{ phase, reservedA: round(reservedA[index]), limitA: round(limitA) }];
  });
}

/**
 * The transformer's lines that what is reserved may load above their limit, counted as the planner
 * lowers them (`reservedLineA`, whatever the loads' angles).
 */
function excessLines(
  reservedA: readonly number[] | undefined,
  transformer: schema.TransformerColumn | null | undefined,
  phaseToNeutralV: number | undefined,
) {
  if (!reservedA || !transformer) return [];
  return transformerLimits(transformer, phaseToNeutralV, 1).flatMap((limit) => {
    const lineA = reservedLineA(limit, reservedA);
    const [limitA] = limit.limitsA;
    if (lineA <= limitA + TOLERANCE_A) return [];
    return [{ phase: limit.name as `transformer-${string}`, reservedA: round(lineA), limitA: round(limitA) }];
  });
}

/** The reserved power over the site's phases against its total-power limit, when above it. */
function excessTotal(
  reservedA: readonly number[] | undefined,
  limitW: number,
  phaseVoltageV = DEFAULT_PHASE_VOLTAGE_V,
) {
  if (!reservedA || !Number.isFinite(limitW)) return undefined;
  const reservedW = (reservedA[0] + reservedA[1] + reservedA[2]) * phaseVoltageV;
  if (reservedW <= limitW + TOLERANCE_A * phaseVoltageV) return undefined;
  return { reservedKw: round(reservedW / 1000), limitKw: round(limitW / 1000) };
}

const round = (value: number) => Math.round(value * 10) / 10;

/** How a scope's warnings move from one plan to the next. */
export interface FeasibilityChange {
  state: LimitWarningsState;
  /** Nodes whose episode begins with this plan. */
  started: InfeasibleLimitNode[];
  /** Nodes whose episode ended with this plan, as they last were. */
  ended: InfeasibleLimitNode[];
  /** Whether anything stored changed (nodes, their figures, the DSO episode). */
  changed: boolean;
}

/**
 * The scope's next state: a node still infeasible keeps the start of its episode with today's figures; a
 * new one starts an episode now; one that no longer is ends its episode. The DSO episode runs while
 * `dsoExceeded` (the group's unsteered load is above a forecast block of the horizon) and remembers the
 * forecasts already told within it.
 */
export function nextFeasibility(
  previous: LimitWarningsState | null,
  nodes: InfeasibleNode[],
  dsoExceeded: boolean,
  now: Date,
): FeasibilityChange {
  const before = new Map((previous?.nodes ?? []).map((node) => [nodeKey(node), node]));
  const current = nodes.map((node) => ({
    ...node,
    since: before.get(nodeKey(node))?.since ?? now.toISOString(),
  }));
  const keys = new Set(current.map(nodeKey));
  const state: LimitWarningsState = {
    nodes: current,
    dso: dsoExceeded ? (previous?.dso ?? { since: now.toISOString(), reportedRequestIds: [] }) : null,
  };
  return {
    state,
    started: current.filter((node) => !before.has(nodeKey(node))),
    ended: [...before.values()].filter((node) => !keys.has(nodeKey(node))),
    changed: JSON.stringify(state) !== JSON.stringify(previous ?? EMPTY_STATE),
  };
}

export const EMPTY_STATE: LimitWarningsState = { nodes: [], dso: null };

const nodeKey = (node: { kind: string; id: string }) => `${node.kind}:${node.id}`;

/** One line for a log or a DSO: which node, on which phase, reserved against the limit. */
export function describeNode(node: InfeasibleNode): string {
  const excesses = node.phases.map((p) => `${p.phase} ${p.reservedA} A reserved > ${p.limitA} A limit`);
  if (node.totalKw)
    excesses.push(`total ${node.totalKw.reservedKw} kW reserved > ${node.totalKw.limitKw} kW limit`);
  return `${node.kind} ${JSON.stringify(node.name)}: ${excesses.join(', ')}`;
}

import { CONNECTION_TERMS, DEFAULT_PHASE_VOLTAGE_V, LINE_PAIR_PHASES } from './connection.js';
import type {
  AllocationInput,
  CapacityNode,
  ConnectionTerm,
  ConnectorDemand,
  PhaseRotation,
  PhasorLimit,
} from './model.js';
import { connectorTerms, phasorOf, polygonSides } from './phasor-limits.js';

export type PhaseIndex = 0 | 1 | 2;
/** The phase of a node's total-power constraint: the sum over its three phases. */
export const TOTAL_PHASE = 3;
/** The "phase" of one side of a phasor limit's polygon. */
export const PHASOR_PHASE = 4;
export type ConstraintPhase = PhaseIndex | typeof TOTAL_PHASE | typeof PHASOR_PHASE;
/** Phase-to-neutral volts a node's total power limit is counted with when it names none. */
export { DEFAULT_PHASE_VOLTAGE_V };

/** Whether a constraint is one grid phase of its node (not its total nor a phasor side). */
export function isGridPhase(phase: ConstraintPhase): phase is PhaseIndex {
  return phase < TOTAL_PHASE;
}

/**
 * The node-phases of the tree (or a node's total over its phases) that carry at least one connector,
 * in order of first appearance, and the connectors that draw through each.
 */
export interface NodePhaseLoads {
  nodes: CapacityNode[];
  phases: ConstraintPhase[];
  /** members[memberStart[c] .. memberStart[c + 1]) are the indices of the connectors loading c, ascending. */
  memberStart: Int32Array;
  members: Int32Array;
  /**
   * Beside members, the amperes each puts on the constraint per ampere of its limit: 1 on a phase; on a
   * total, the number of phases it loads (a three-phase connector draws its current on each of three
   * phases; √3 for a line-to-line one); on a phasor side, its phasor's projection on the side's normal.
   */
  memberCoefficients: Float64Array;
  /** The phasor limit of each PHASOR_PHASE constraint. */
  phasorLimitOf: Map<number, PhasorLimit>;
}

export interface NodePhaseLoadOptions {
  /** Also a constraint per node with a `totalLimitW`: Σ over its phases of the current ≤ totalLimitW / V. */
  totalLimits?: boolean;
}

const ROTATIONS: Record<PhaseRotation, readonly PhaseIndex[]> = {
  RST: [0, 1, 2],
  RTS: [0, 2, 1],
  SRT: [1, 0, 2],
  STR: [1, 2, 0],
  TRS: [2, 0, 1],
  TSR: [2, 1, 0],
};

/** Grid phases by rotation and phase count, built once so that the hot loops do not allocate. */
const LOADED_PHASES = new Map(
  Object.entries(ROTATIONS).map(([rotation, phases]) => [
    rotation,
    [phases.slice(0, 1), phases.slice(0, 2), phases.slice(0, 3)] as const,
  ]),
);

/**
 * The grid phases a connector draws current on: its line pair, or its first `phases` charger phases
 * through its rotation.
 */
export function loadedPhases(connector: ConnectorDemand): readonly PhaseIndex[] {
  if (connector.lineToLine) {
    const pair = LINE_PAIR_PHASES[connector.lineToLine];
    if (!pair)
      throw new Error(`Connector "${connector.id}" has unknown lineToLine "${connector.lineToLine}"`);
    return pair;
  }
  const byCount = LOADED_PHASES.get(connector.phaseRotation ?? 'RST');
  if (!byCount)
    throw new Error(`Connector "${connector.id}" has unknown phaseRotation "${connector.phaseRotation}"`);
  return byCount[connector.phases - 1];
}

/**
 * What a connector puts on a node's total (in amperes at the phase voltage) per ampere of its limit:
 * its current on each phase it loads to neutral, or V_ll / V_pn line to line.
 */
export function totalCoefficient(connector: ConnectorDemand, loaded: readonly PhaseIndex[]): number {
  if (!connector.lineToLine) return loaded.length;
  const phaseToNeutralV = connector.voltages?.phaseToNeutralV ?? DEFAULT_PHASE_VOLTAGE_V;
  return (connector.voltages?.lineToLineV ?? phaseToNeutralV * Math.sqrt(3)) / phaseToNeutralV;
}

/**
 * Validates the tree and connectors against each other and lists, for every node-phase that carries at
 * least one connector, which connectors load it, then the sides of the nodes' phasor limits (after
 * all node-phases). Throws on the first inconsistency found.
 */
export function nodePhaseLoads(input: AllocationInput, options: NodePhaseLoadOptions = {}): NodePhaseLoads {
  const nodesById = indexNodes(input.nodes, input.blocks.length);
  const nodeIndex = new Map(input.nodes.map((node, k) => [node.id, k]));
  const paths = input.nodes.map((node) =>
    Int32Array.from(pathToRoot(node, nodesById), (n) => nodeIndex.get(n.id) ?? 0),
  );
  validateConnectors(input.connectors, nodesById);
  const withTotal = (k: number) => Boolean(options.totalLimits && input.nodes[k].totalLimitW);
  // Each (connector, node-phase) pair as node index · 4 + phase (TOTAL_PHASE the fourth): integer
  // keys, as a big group has millions of pairs.
  const keys: number[] = [];
  const coefficients: number[] = [];
  const pairStart = new Int32Array(input.connectors.length + 1);
  input.connectors.forEach((connector, i) => {
    const loaded = loadedPhases(connector);
    const path = paths[nodeIndex.get(connector.nodeId) ?? 0];
    for (let p = 0; p < path.length; p++) {
      const k = path[p];
      for (let l = 0; l < loaded.length; l++) {
        keys.push(4 * k + loaded[l]);
        coefficients.push(1);
      }
      if (withTotal(k)) {
        keys.push(4 * k + TOTAL_PHASE);
        coefficients.push(totalCoefficient(connector, loaded));
      }
    }
    pairStart[i + 1] = keys.length;
  });
  // Constraint ids in order of first appearance.
  const idOf = new Int32Array(4 * input.nodes.length).fill(-1);
  const nodes: CapacityNode[] = [];
  const phases: ConstraintPhase[] = [];
  const sizes: number[] = [];
  for (const key of keys) {
    if (idOf[key] < 0) {
      idOf[key] = nodes.length;
      nodes.push(input.nodes[key >> 2]);
      phases.push((key & 3) as ConstraintPhase);
      sizes.push(0);
    }
    sizes[idOf[key]]++;
  }
  const sides = phasorSideConstraints(input, paths, nodeIndex);
  const phasorLimitOf = new Map<number, PhasorLimit>();
  for (const side of sides) {
    phasorLimitOf.set(nodes.length, side.limit);
    nodes.push(side.node);
    phases.push(PHASOR_PHASE);
    sizes.push(side.members.length);
  }
  const memberStart = new Int32Array(nodes.length + 1);
  sizes.forEach((size, c) => (memberStart[c + 1] = memberStart[c] + size));
  const members = new Int32Array(memberStart[nodes.length]);
  const memberCoefficients = new Float64Array(members.length);
  const next = memberStart.slice(0, nodes.length);
  for (let i = 0; i < input.connectors.length; i++) {
    for (let p = pairStart[i]; p < pairStart[i + 1]; p++) {
      const c = idOf[keys[p]];
      memberCoefficients[next[c]] = coefficients[p];
      members[next[c]++] = i;
    }
  }
  const firstSide = nodes.length - sides.length;
  sides.forEach((side, s) => {
    const at = memberStart[firstSide + s];
    members.set(side.members, at);
    memberCoefficients.set(side.coefficients, at);
  });
  return { nodes, phases, memberStart, members, memberCoefficients, phasorLimitOf };
}

interface PhasorSideConstraint {
  node: CapacityNode;
  limit: PhasorLimit;
  /** Ascending connector indices with a positive coefficient, and those coefficients. */
  members: Int32Array;
  coefficients: Float64Array;
}

/** Per phasor limit, the polygon sides that can bind for the connectors below its node. */
function phasorSideConstraints(
  input: AllocationInput,
  paths: readonly Int32Array[],
  nodeIndex: ReadonlyMap<string, number>,
): PhasorSideConstraint[] {
  if (!input.nodes.some((node) => node.phasorLimits?.length)) return [];
  const below = input.nodes.map(() => [] as number[]);
  input.connectors.forEach((connector, i) => {
    for (const k of paths[nodeIndex.get(connector.nodeId) ?? 0]) below[k].push(i);
  });
  const termsOf = input.connectors.map((c) => connectorTerms(c, loadedPhases(c)));
  return input.nodes.flatMap((node, k) =>
    (node.phasorLimits ?? []).flatMap((limit) => {
      const phasors = below[k].map((i) => phasorOf(limit, termsOf[i]));
      return polygonSides(phasors).map((side) => {
        const kept = below[k].filter((_, m) => side.coefficients[m] > 0);
        return {
          node,
          limit,
          members: Int32Array.from(kept),
          coefficients: side.coefficients.filter((a) => a > 0),
        };
      });
    }),
  );
}

/** A node's total power limit in a block as amperes summed over its phases; Infinity without one. */
export function totalLimitA(node: CapacityNode, block: number): number {
  if (!node.totalLimitW) return Infinity;
  return node.totalLimitW[block] / (node.phaseVoltageV ?? DEFAULT_PHASE_VOLTAGE_V);
}

function indexNodes(nodes: readonly CapacityNode[], blockCount: number): Map<string, CapacityNode> {
  const byId = new Map<string, CapacityNode>();
  for (const node of nodes) {
    if (byId.has(node.id)) throw new Error(`Duplicate node id "${node.id}"`);
    if (node.limitsA.length !== blockCount) {
      throw new Error(`Node "${node.id}" has ${node.limitsA.length} limit entries for ${blockCount} blocks`);
    }
    node.limitsA.forEach((limits, block) => {
      if (
        limits.length !== 3 ||
        Number.isNaN(limits[0]) ||
        Number.isNaN(limits[1]) ||
        Number.isNaN(limits[2])
      ) {
        throw new Error(`Node "${node.id}" block ${block}: limitsA must be three numbers (L1, L2, L3)`);
      }
    });
    validateTotalLimit(node, blockCount);
    validatePhasorLimits(node, blockCount);
    byId.set(node.id, node);
  }
  for (const node of nodes) {
    if (node.parentId !== null && !byId.has(node.parentId)) {
      throw new Error(`Node "${node.id}" references unknown parent "${node.parentId}"`);
    }
  }
  return byId;
}

function validateTotalLimit(node: CapacityNode, blockCount: number): void {
  if (node.totalLimitW && node.totalLimitW.length !== blockCount) {
    throw new Error(
      `Node "${node.id}" has ${node.totalLimitW.length} totalLimitW entries for ${blockCount} blocks`,
    );
  }
  if (node.totalLimitW?.some((limit) => Number.isNaN(limit) || limit < 0)) {
    throw new Error(`Node "${node.id}" totalLimitW must be numbers >= 0 (Infinity: none)`);
  }
  const voltage = node.phaseVoltageV;
  if (voltage !== undefined && !(voltage > 0 && Number.isFinite(voltage))) {
    throw new Error(`Node "${node.id}" phaseVoltageV must be a finite number > 0, got ${voltage}`);
  }
}

function validatePhasorLimits(node: CapacityNode, blockCount: number): void {
  const names = new Set<string>();
  for (const limit of node.phasorLimits ?? []) {
    const at = `Node "${node.id}" phasor limit "${limit.name}"`;
    if (names.has(limit.name)) throw new Error(`${at} is named twice`);
    names.add(limit.name);
    if (limit.limitsA.length !== blockCount) {
      throw new Error(`${at} has ${limit.limitsA.length} limitsA entries for ${blockCount} blocks`);
    }
    if (limit.limitsA.some((a) => Number.isNaN(a) || a < 0)) {
      throw new Error(`${at} limitsA must be numbers >= 0 (Infinity: none)`);
    }
    for (const [term, factor] of Object.entries(limit.factors)) {
      if (!CONNECTION_TERMS.includes(term as ConnectionTerm)) {
        throw new Error(`${at} has unknown term "${term}" (L1, L2, L3, AB, BC or CA)`);
      }
      if (!Number.isFinite(factor)) throw new Error(`${at} factor of ${term} must be a finite number`);
    }
  }
}

/** The node itself first, then its ancestors up to the root. */
function pathToRoot(node: CapacityNode, byId: ReadonlyMap<string, CapacityNode>): CapacityNode[] {
  const path: CapacityNode[] = [];
  const seen = new Set<string>();
  for (let current: CapacityNode | undefined = node; current;) {
    if (seen.has(current.id)) {
      const cycle = [...path.slice(path.indexOf(current)), current].map((n) => n.id);
      throw new Error(`Node cycle: ${cycle.join(' -> ')}`);
    }
    seen.add(current.id);
    path.push(current);
    current = current.parentId === null ? undefined : byId.get(current.parentId);
  }
  return path;
}

function validateAllowedCurrents(c: ConnectorDemand): void {
  const steps = c.allowedCurrentsA;
  if (steps === undefined) return;
  const valid =
    steps.length > 0 &&
    steps.every(
      (a, k) =>
        Number.isFinite(a) && a >= c.minCurrentA && a <= c.maxCurrentA && (k === 0 || a > steps[k - 1]),
    );
  if (!valid) {
    throw new Error(
      `Connector "${c.id}" allowedCurrentsA must be ascending currents within [minCurrentA, maxCurrentA], got [${steps.join(', ')}]`,
    );
  }
}

function validateConnectors(
  connectors: readonly ConnectorDemand[],
  nodesById: ReadonlyMap<string, CapacityNode>,
): void {
  const ids = new Set<string>();
  for (const c of connectors) {
    if (ids.has(c.id)) throw new Error(`Duplicate connector id "${c.id}"`);
    ids.add(c.id);
    if (!nodesById.has(c.nodeId))
      throw new Error(`Connector "${c.id}" references unknown node "${c.nodeId}"`);
    // A finite max keeps every water level finite even where no node limits the connector.
    if (!Number.isFinite(c.maxCurrentA) || c.maxCurrentA < 0) {
      throw new Error(`Connector "${c.id}" maxCurrentA must be a finite number >= 0, got ${c.maxCurrentA}`);
    }
    if (!Number.isFinite(c.minCurrentA) || c.minCurrentA < 0) {
      throw new Error(`Connector "${c.id}" minCurrentA must be a finite number >= 0, got ${c.minCurrentA}`);
    }
    if (c.minCurrentA > c.maxCurrentA) {
      throw new Error(`Connector "${c.id}" has minCurrentA ${c.minCurrentA} > maxCurrentA ${c.maxCurrentA}`);
    }
    validateAllowedCurrents(c);
    if (Number.isNaN(c.precedence)) throw new Error(`Connector "${c.id}" precedence is NaN`);
    if (c.phases !== 1 && c.phases !== 2 && c.phases !== 3)
      throw new Error(`Connector "${c.id}" phases must be 1, 2 or 3`);
    if (c.lineToLine !== undefined && !(c.lineToLine in LINE_PAIR_PHASES)) {
      throw new Error(`Connector "${c.id}" lineToLine must be AB, BC or CA, got "${c.lineToLine}"`);
    }
    if (c.lineToLine !== undefined && c.phases !== 2) {
      throw new Error(`Connector "${c.id}" is line-to-line on ${c.lineToLine}: phases must be 2`);
    }
    validateVoltages(c);
    if (c.energyWantedWh !== undefined && !(c.energyWantedWh >= 0)) {
      throw new Error(`Connector "${c.id}" energyWantedWh must be >= 0, got ${c.energyWantedWh}`);
    }
    if (c.wattsPerAmpere !== undefined && !(c.wattsPerAmpere > 0 && Number.isFinite(c.wattsPerAmpere))) {
      throw new Error(
        `Connector "${c.id}" wattsPerAmpere must be a finite number > 0, got ${c.wattsPerAmpere}`,
      );
    }
    const priority = c.priority ?? 1;
    if (!Number.isFinite(priority) || priority <= 0) {
      throw new Error(`Connector "${c.id}" priority must be a finite number > 0, got ${priority}`);
    }
  }
}

function validateVoltages(c: ConnectorDemand): void {
  for (const [name, volts] of Object.entries(c.voltages ?? {})) {
    if (volts !== undefined && !(volts > 0 && Number.isFinite(volts))) {
      throw new Error(`Connector "${c.id}" voltages.${name} must be a finite number > 0, got ${volts}`);
    }
  }
}

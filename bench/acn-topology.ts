/**
 * A Caltech-like site for `bench:acn`, after acnportal's `CaltechACN`
 * (acnportal/acnsim/network/sites/caltech_acn.py): 54 EVSEs at 208 V between two phases (26 on AB —
 * among them two pods of 8, limited to 80 A each —, 14 on BC, 14 on CA) behind a three-phase
 * transformer. acnportal limits the phasor magnitudes of the transformer's currents; this model is
 * linear, as our optimizer's: an EVSE on AB drawing r A adds r to phases L1 and L2. The transformer's
 * per-phase limit is what a balanced load of its rated kW draws in that model (2 · P / (3 · 208 V)),
 * so that a balanced load fits exactly.
 */
import type { CapacityNode, ConnectorDemand, PerPhase, PhaseRotation } from '@gridflex/optimizer';

export const VOLTS = 208;
export const MAX_CURRENT_A = 32;
/** IEC 61851: a pilot below 6 A means "do not charge". AeroVironment EVSEs take 0 or 6–32 A. */
export const MIN_CURRENT_A = 6;
export const POD_LIMIT_A = 80;
/** The number of EVSEs per line pair at Caltech (pods included in AB). */
const EVSES_PER_LINE_PAIR = { AB: 26, BC: 14, CA: 14 } as const;
const POD_SIZE = 8;

export type LinePair = keyof typeof EVSES_PER_LINE_PAIR;
export type Pod = 'CC' | 'AV';

export interface Evse {
  id: string;
  linePair: LinePair;
  pod?: Pod;
}

/** The grid phases (0 = L1 …) a line pair loads, and the rotation that tells our optimizer so. */
const LINE_PAIRS: Record<LinePair, { phases: [number, number]; rotation: PhaseRotation }> = {
  AB: { phases: [0, 1], rotation: 'RST' },
  BC: { phases: [1, 2], rotation: 'STR' },
  CA: { phases: [2, 0], rotation: 'TRS' },
};

/** The stations of the 2021 export in two groups of eight (`2-39-78-*`, `2-39-79-*`) are the pods. */
const POD_STATION_PREFIXES: Record<string, Pod> = { '2-39-78-': 'CC', '2-39-79-': 'AV' };

/**
 * Puts each station of the export on an EVSE: the two groups of eight on the pods, the others on the
 * line pairs in turn (sorted by id, so every run places them alike).
 */
export function assignEvses(stationIds: readonly string[]): Map<string, Evse> {
  const sorted = [...new Set(stationIds)].sort();
  const used: Record<LinePair, number> = { AB: 0, BC: 0, CA: 0 };
  const order: LinePair[] = ['AB', 'BC', 'CA'];
  const evses = new Map<string, Evse>();
  let next = 0;
  for (const id of sorted) {
    const pod = Object.entries(POD_STATION_PREFIXES).find(([prefix]) => id.startsWith(prefix))?.[1];
    if (pod) {
      evses.set(id, { id, linePair: 'AB', pod });
      used.AB++;
      continue;
    }
    const linePair = order[next++ % order.length];
    evses.set(id, { id, linePair });
    used[linePair]++;
  }
  for (const pair of order) {
    if (used[pair] > EVSES_PER_LINE_PAIR[pair]) throw new Error(`More stations on ${pair} than it has EVSEs`);
  }
  const podCount = (pod: Pod) => [...evses.values()].filter((e) => e.pod === pod).length;
  if (podCount('CC') > POD_SIZE || podCount('AV') > POD_SIZE) throw new Error('More than 8 EVSEs in a pod');
  return evses;
}

/** The limits of the linear model: constraints 0–2 are the transformer's phases, 3 and 4 the pods. */
export interface Topology {
  capacityKw: number;
  transformerLimitA: number;
  constraints: { name: string; limitA: number }[];
}

const POD_CONSTRAINT: Record<Pod, number> = { CC: 3, AV: 4 };

export function caltechTopology(capacityKw: number): Topology {
  const transformerLimitA = (2 * capacityKw * 1000) / (3 * VOLTS);
  return {
    capacityKw,
    transformerLimitA,
    constraints: [
      { name: 'transformer L1', limitA: transformerLimitA },
      { name: 'transformer L2', limitA: transformerLimitA },
      { name: 'transformer L3', limitA: transformerLimitA },
      { name: 'CC pod', limitA: POD_LIMIT_A },
      { name: 'AV pod', limitA: POD_LIMIT_A },
    ],
  };
}

/** The constraints an EVSE's current counts against. */
export function constraintsOf(evse: Evse): number[] {
  const phases: number[] = [...LINE_PAIRS[evse.linePair].phases];
  return evse.pod ? [...phases, POD_CONSTRAINT[evse.pod]] : phases;
}

/** The same site as our optimizer's capacity tree: the transformer at the root, the pods below it. */
export function optimizerNodes(topology: Topology, blockCount: number): CapacityNode[] {
  const every = (limitA: number): PerPhase[] =>
    Array.from({ length: blockCount }, (): PerPhase => [limitA, limitA, limitA]);
  return [
    { id: 'transformer', parentId: null, limitsA: every(topology.transformerLimitA) },
    { id: 'pod-CC', parentId: 'transformer', limitsA: every(POD_LIMIT_A) },
    { id: 'pod-AV', parentId: 'transformer', limitsA: every(POD_LIMIT_A) },
  ];
}

/** The fixed part of a connector of our optimizer on this EVSE: two phases at 208 V. */
export function connectorShape(
  evse: Evse,
): Pick<
  ConnectorDemand,
  'nodeId' | 'phases' | 'phaseRotation' | 'maxCurrentA' | 'minCurrentA' | 'wattsPerAmpere'
> {
  return {
    nodeId: evse.pod ? `pod-${evse.pod}` : 'transformer',
    phases: 2,
    phaseRotation: LINE_PAIRS[evse.linePair].rotation,
    maxCurrentA: MAX_CURRENT_A,
    minCurrentA: MIN_CURRENT_A,
    wattsPerAmpere: VOLTS,
  };
}

/** Solvers' rounding: HiGHS's primal feasibility tolerance is 1e-7. */
const TOLERANCE_A = 1e-6;

export interface LimitCheck {
  /** What the limits are of, for the message. */
  label: string;
  /** false for the continuous LP: any current in [0, maximum]. */
  semiContinuous: boolean;
}

/** Every way the limits of one period break the site's rules; both lists empty when within every limit. */
export interface Violations {
  /** Above a connector's maximum, or between 0 and the minimum. */
  connector: string[];
  /** Above a transformer phase's or a pod's limit. */
  site: string[];
}

export function violations(
  topology: Topology,
  evses: readonly Evse[],
  limitsA: readonly number[],
  check: LimitCheck,
): Violations {
  const found: Violations = { connector: [], site: [] };
  const loads = new Float64Array(topology.constraints.length);
  limitsA.forEach((limitA, k) => {
    if (!Number.isFinite(limitA) || limitA < -TOLERANCE_A || limitA > MAX_CURRENT_A + TOLERANCE_A) {
      found.connector.push(
        `${check.label}: EVSE ${evses[k].id} at ${limitA} A, outside [0, ${MAX_CURRENT_A}] A`,
      );
    }
    if (check.semiContinuous && limitA > TOLERANCE_A && limitA < MIN_CURRENT_A - TOLERANCE_A) {
      found.connector.push(
        `${check.label}: EVSE ${evses[k].id} at ${limitA} A, between 0 and ${MIN_CURRENT_A} A`,
      );
    }
    for (const c of constraintsOf(evses[k])) loads[c] += limitA;
  });
  topology.constraints.forEach(({ name, limitA }, c) => {
    if (loads[c] > limitA + TOLERANCE_A * Math.max(1, limitA)) {
      found.site.push(
        `${check.label}: ${name} carries ${loads[c].toFixed(6)} A over its ${limitA.toFixed(6)} A`,
      );
    }
  });
  return found;
}

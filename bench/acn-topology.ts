/**
 * The Caltech ACN of `bench:acn`, as acnportal models it (acnportal/acnsim/network/sites/caltech_acn.py):
 * 54 EVSEs at 208 V, each between two lines of a 120/208 V wye secondary (26 on AB at +30°, 14 on BC
 * at −90°, 14 on CA at +150°), two pods of eight on AB limited to 80 A each, and a 277/480 V delta
 * primary (turns ratio 4). The transformer's limits are on phasor magnitudes:
 * `|Σ_j A_ij · r_j · e^{jθ_j}| ≤ c_i`, with c = cap / (3 · 120 V) on the secondary lines and
 * cap / (3 · 277 V) on the primary lines, scaled with the capacity as the ACN papers' sweep does.
 */
import {
  transformerPhasorLimits,
  type CapacityNode,
  type ConnectorDemand,
  type PerPhase,
  type PhaseRotation,
} from '@gridflex/optimizer';

export const VOLTS = 208;
export const MAX_CURRENT_A = 32;
/** IEC 61851: a pilot below 6 A means "do not charge". */
export const MIN_CURRENT_A = 6;
export const POD_LIMIT_A = 80;
const SECONDARY_LINE_TO_NEUTRAL_V = 120;
const PRIMARY_LINE_TO_LINE_V = 277;
const TURNS_RATIO = 4;

export type LinePair = 'AB' | 'BC' | 'CA';
export type Pod = 'CC' | 'AV';
/** ACN-Sim's EVSE types: AeroVironment takes 0 or 6–32 A in 1 A steps, ClipperCreek 0, 8, 16, 24, 32 A. */
export type EvseKind = 'AeroVironment' | 'ClipperCreek';

export interface Evse {
  /** The Caltech EVSE (`CA-308` …) the export's station is put on. */
  id: string;
  stationId: string;
  linePair: LinePair;
  pod?: Pod;
  kind: EvseKind;
}

export const LINE_PAIR_ANGLE_DEG: Record<LinePair, number> = { AB: 30, BC: -90, CA: 150 };

const CC_POD = ['CA-322', 'CA-493', 'CA-496', 'CA-320', 'CA-495', 'CA-321', 'CA-323', 'CA-494'];
const AV_POD = ['CA-324', 'CA-325', 'CA-326', 'CA-327', 'CA-489', 'CA-490', 'CA-491', 'CA-492'];
const caIds = (numbers: readonly number[]) => numbers.map((n) => `CA-${n}`);
/** The EVSEs of each line pair outside the pods, in caltech_acn.py's order. */
const FREE_EVSES: Record<LinePair, string[]> = {
  AB: caIds([308, 508, 303, 513, 310, 506, 316, 500, 318, 498]),
  BC: caIds([304, 512, 305, 511, 313, 503, 311, 505, 317, 499, 148, 149, 212, 213]),
  CA: caIds([307, 509, 309, 507, 306, 510, 315, 501, 319, 497, 312, 504, 314, 502]),
};

const ALLOWED_PILOTS: Record<EvseKind, readonly number[]> = {
  AeroVironment: [0, ...Array.from({ length: MAX_CURRENT_A - MIN_CURRENT_A + 1 }, (_, k) => k + 6)],
  ClipperCreek: [0, 8, 16, 24, 32],
};

/** The pilots (A) the EVSE can apply, ascending, 0 first. */
export function allowedPilots(evse: Evse): readonly number[] {
  return ALLOWED_PILOTS[evse.kind];
}

/** The least pilot above 0 the EVSE applies. */
export function minimumPilot(evse: Evse): number {
  return allowedPilots(evse)[1];
}

/** The stations of the 2021 export in two groups of eight (`2-39-78-*`, `2-39-79-*`) are the pods. */
const POD_STATION_PREFIXES: Record<string, Pod> = { '2-39-78-': 'CC', '2-39-79-': 'AV' };

/**
 * Puts each station of the export on a Caltech EVSE: the two groups of eight on the pods, the others on
 * the free EVSEs of the line pairs in turn (sorted by id, so every run places them alike).
 */
export function assignEvses(stationIds: readonly string[]): Map<string, Evse> {
  const free = {
    CC: [...CC_POD],
    AV: [...AV_POD],
    AB: [...FREE_EVSES.AB],
    BC: [...FREE_EVSES.BC],
    CA: [...FREE_EVSES.CA],
  };
  const order: LinePair[] = ['AB', 'BC', 'CA'];
  const evses = new Map<string, Evse>();
  let next = 0;
  for (const stationId of [...new Set(stationIds)].sort()) {
    const pod = Object.entries(POD_STATION_PREFIXES).find(([prefix]) => stationId.startsWith(prefix))?.[1];
    if (pod) {
      const id = free[pod].shift();
      if (!id) throw new Error(`More than 8 stations in the ${pod} pod`);
      evses.set(stationId, {
        id,
        stationId,
        linePair: 'AB',
        pod,
        kind: pod === 'CC' ? 'ClipperCreek' : 'AeroVironment',
      });
      continue;
    }
    const linePair = order.map((_, k) => order[(next + k) % order.length]).find((p) => free[p].length > 0);
    if (!linePair) throw new Error('More stations than the Caltech ACN has EVSEs');
    next = order.indexOf(linePair) + 1;
    evses.set(stationId, { id: free[linePair].shift()!, stationId, linePair, kind: 'AeroVironment' });
  }
  return evses;
}

/** A complex number, for phasors. */
interface Phasor {
  re: number;
  im: number;
}

/**
 * One constraint of caltech_acn.py: |Σ_pairs coefficient · (Σ pilots on the pair) · e^{jθ_pair}| ≤ limitA,
 * over the EVSEs of `pod` only when it names one.
 */
export interface PhasorConstraint {
  name: string;
  limitA: number;
  coefficients: Partial<Record<LinePair, number>>;
  pod?: Pod;
}

export interface Topology {
  capacityKw: number;
  secondaryLimitA: number;
  primaryLimitA: number;
  constraints: PhasorConstraint[];
}

/**
 * The secondary line currents are I_a = I_ab − I_ca, I_b = I_bc − I_ab, I_c = I_ca − I_bc; the primary
 * (delta) ones I_A = (I_a − I_c)/4, I_B = (I_b − I_a)/4, I_C = (I_c − I_b)/4, written here per line pair.
 */
export function caltechTopology(capacityKw: number): Topology {
  const secondaryLimitA = (capacityKw * 1000) / (3 * SECONDARY_LINE_TO_NEUTRAL_V);
  const primaryLimitA = (capacityKw * 1000) / (3 * PRIMARY_LINE_TO_LINE_V);
  const n = TURNS_RATIO;
  return {
    capacityKw,
    secondaryLimitA,
    primaryLimitA,
    constraints: [
      { name: 'CC pod', limitA: POD_LIMIT_A, coefficients: { AB: 1 }, pod: 'CC' },
      { name: 'AV pod', limitA: POD_LIMIT_A, coefficients: { AB: 1 }, pod: 'AV' },
      { name: 'secondary A', limitA: secondaryLimitA, coefficients: { AB: 1, CA: -1 } },
      { name: 'secondary B', limitA: secondaryLimitA, coefficients: { BC: 1, AB: -1 } },
      { name: 'secondary C', limitA: secondaryLimitA, coefficients: { CA: 1, BC: -1 } },
      { name: 'primary A', limitA: primaryLimitA, coefficients: { AB: 1 / n, BC: 1 / n, CA: -2 / n } },
      { name: 'primary B', limitA: primaryLimitA, coefficients: { BC: 1 / n, CA: 1 / n, AB: -2 / n } },
      { name: 'primary C', limitA: primaryLimitA, coefficients: { CA: 1 / n, AB: 1 / n, BC: -2 / n } },
    ],
  };
}

/** The phasor e^{jθ} of a line pair. */
export function unitPhasor(linePair: LinePair): Phasor {
  const theta = (LINE_PAIR_ANGLE_DEG[linePair] * Math.PI) / 180;
  return { re: Math.cos(theta), im: Math.sin(theta) };
}

/** Σ pilots per line pair over the EVSEs a constraint covers. */
function pairSums(constraint: PhasorConstraint, evses: readonly Evse[], pilotsA: readonly number[]) {
  const sums: Record<LinePair, number> = { AB: 0, BC: 0, CA: 0 };
  evses.forEach((evse, k) => {
    if (constraint.pod === undefined || evse.pod === constraint.pod) sums[evse.linePair] += pilotsA[k];
  });
  return sums;
}

/** The magnitude (A) of a constraint's current from the pilots summed per line pair over its EVSEs. */
function currentOfSumsA(constraint: PhasorConstraint, sums: Readonly<Record<LinePair, number>>): number {
  let re = 0;
  let im = 0;
  for (const [pair, coefficient] of Object.entries(constraint.coefficients) as [LinePair, number][]) {
    const unit = unitPhasor(pair);
    re += coefficient * sums[pair] * unit.re;
    im += coefficient * sums[pair] * unit.im;
  }
  return Math.hypot(re, im);
}

/** The magnitude (A) of a constraint's current under these pilots: exact, no linearisation. */
export function constraintCurrentA(
  constraint: PhasorConstraint,
  evses: readonly Evse[],
  pilotsA: readonly number[],
): number {
  return currentOfSumsA(constraint, pairSums(constraint, evses, pilotsA));
}

/**
 * The pilots handed out so far, summed per line pair and per pod: what the greedy baselines test each
 * candidate pilot against, in constant time instead of re-summing the schedule.
 */
export class NetworkLoad {
  private readonly pairs: Record<LinePair, number> = { AB: 0, BC: 0, CA: 0 };
  private readonly pods: Record<Pod, number> = { CC: 0, AV: 0 };

  constructor(private readonly topology: Topology) {}

  add(evse: Evse, deltaA: number): void {
    this.pairs[evse.linePair] += deltaA;
    if (evse.pod) this.pods[evse.pod] += deltaA;
  }

  /** Whether every exact constraint holds with deltaA more on this EVSE. */
  fitsWith(evse: Evse, deltaA: number): boolean {
    this.add(evse, deltaA);
    const fits = this.topology.constraints.every((c) => {
      const sums = c.pod === undefined ? this.pairs : { AB: this.pods[c.pod], BC: 0, CA: 0 };
      return currentOfSumsA(c, sums) <= c.limitA + TOLERANCE_A * Math.max(1, c.limitA);
    });
    this.add(evse, -deltaA);
    return fits;
  }
}

/** Solvers' rounding: HiGHS's primal feasibility tolerance is 1e-7. */
const TOLERANCE_A = 1e-6;

export interface Excess {
  constraint: string;
  currentA: number;
  limitA: number;
}

/** Every constraint of the exact network these pilots break, with its current. */
export function phasorExcesses(
  topology: Topology,
  evses: readonly Evse[],
  pilotsA: readonly number[],
): Excess[] {
  return topology.constraints.flatMap((constraint) => {
    const currentA = constraintCurrentA(constraint, evses, pilotsA);
    return currentA > constraint.limitA + TOLERANCE_A * Math.max(1, constraint.limitA)
      ? [{ constraint: constraint.name, currentA, limitA: constraint.limitA }]
      : [];
  });
}

export function isFeasible(topology: Topology, evses: readonly Evse[], pilotsA: readonly number[]): boolean {
  return phasorExcesses(topology, evses, pilotsA).length === 0;
}

export interface PilotCheck {
  /** What the pilots are of, for the message. */
  label: string;
  /** true for the continuous LP and diagnostics: any pilot in [0, 32] A, not only the EVSE's set. */
  continuous: boolean;
}

/** The pilots outside what each EVSE can apply (its allowed set, or [0, 32] A when continuous). */
export function pilotViolations(
  evses: readonly Evse[],
  pilotsA: readonly number[],
  check: PilotCheck,
): string[] {
  return pilotsA.flatMap((pilotA, k) => {
    const evse = evses[k];
    const inRange =
      Number.isFinite(pilotA) && pilotA >= -TOLERANCE_A && pilotA <= MAX_CURRENT_A + TOLERANCE_A;
    const allowed = check.continuous
      ? inRange
      : allowedPilots(evse).some((a) => Math.abs(a - pilotA) <= TOLERANCE_A);
    if (allowed) return [];
    const rule = check.continuous ? `[0, ${MAX_CURRENT_A}] A` : `{${allowedPilots(evse).join(', ')}} A`;
    return [`${check.label}: EVSE ${evse.id} (${evse.kind}) at ${pilotA} A, not in ${rule}`];
  });
}

/**
 * The linear per-phase model our optimizer takes today, made safe for the exact network: an EVSE on
 * AB drawing r adds r to L1 and L2. With per-phase loads L_a = S_ab + S_ca … ≤ L, the triangle
 * inequality bounds |I_a| ≤ L_a ≤ L and |I_A| ≤ (S_ab + S_bc + 2·S_ca)/4 = (L_a + L_c)/4 ≤ L/2, so
 * L = min(secondary, 2 · primary) keeps every exact constraint (2 · primary ≈ 0.866 · secondary).
 */
export function safeLinearPhaseLimitA(topology: Topology): number {
  return Math.min(topology.secondaryLimitA, 2 * topology.primaryLimitA);
}

/** The grid phases a line pair loads in the linear model, as our optimizer's phase rotation. */
const ROTATIONS: Record<LinePair, PhaseRotation> = { AB: 'RST', BC: 'STR', CA: 'TRS' };

/**
 * The per-phase limit of the linear model `bench:acn` used before it modelled the exact network: what a
 * balanced load of the rated kW draws at 208 V (2 · P / (3 · 208 V)). It breaks the exact network's
 * limits; kept only as a diagnostic (`ACN_VARIANTS=old-linear`).
 */
export function legacyLinearPhaseLimitA(topology: Topology): number {
  return (2 * topology.capacityKw * 1000) / (3 * VOLTS);
}

/** The site as our optimizer's capacity tree with this per-phase limit: the transformer, the pods below. */
export function linearNodes(phaseLimitA: number, blockCount: number): CapacityNode[] {
  const every = (limitA: number): PerPhase[] =>
    Array.from({ length: blockCount }, (): PerPhase => [limitA, limitA, limitA]);
  return [
    { id: 'transformer', parentId: null, limitsA: every(phaseLimitA) },
    { id: 'pod-CC', parentId: 'transformer', limitsA: every(POD_LIMIT_A) },
    { id: 'pod-AV', parentId: 'transformer', limitsA: every(POD_LIMIT_A) },
  ];
}

/**
 * The site as our optimizer's capacity tree with the exact network's transformer limits as phasor limits
 * (`transformerPhasorLimits`, the same secondary and primary line currents as caltech_acn.py) and no
 * per-phase sum: the pods below, whose EVSEs all share one line pair, keep their 80 A as per-phase sums.
 */
export function phasorNodes(topology: Topology, blockCount: number): CapacityNode[] {
  const every = (limitA: number): number[] => Array.from({ length: blockCount }, () => limitA);
  const [transformer, ...pods] = linearNodes(Infinity, blockCount);
  const phasorLimits = transformerPhasorLimits({
    secondaryLimitsA: every(topology.secondaryLimitA),
    primary: { limitsA: every(topology.primaryLimitA), turnsRatio: TURNS_RATIO },
  });
  return [{ ...transformer, phasorLimits }, ...pods];
}

/** The fixed part of a connector of our optimizer on this EVSE: two phases at 208 V, its pilot set. */
export function connectorShape(
  evse: Evse,
): Pick<
  ConnectorDemand,
  | 'nodeId'
  | 'phases'
  | 'lineToLine'
  | 'phaseRotation'
  | 'maxCurrentA'
  | 'minCurrentA'
  | 'allowedCurrentsA'
  | 'wattsPerAmpere'
> {
  return {
    nodeId: evse.pod ? `pod-${evse.pod}` : 'transformer',
    phases: 2,
    lineToLine: evse.linePair,
    phaseRotation: ROTATIONS[evse.linePair],
    maxCurrentA: MAX_CURRENT_A,
    minCurrentA: minimumPilot(evse),
    allowedCurrentsA: allowedPilots(evse).slice(1),
    wattsPerAmpere: VOLTS,
  };
}

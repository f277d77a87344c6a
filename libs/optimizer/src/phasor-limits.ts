import { LINE_PAIR_PHASES, TERM_ANGLES } from './connection.js';
import type { ConnectionTerm, ConnectorDemand, LinePair, PhaseName, PhasorLimit } from './model.js';

/**
 * Sides of the regular polygon inscribed in each phasor limit's circle: it keeps at least
 * cos(π/64) = 0.9988 of the circle in every direction, so a plan loses at most 0.12 % of a limit to
 * it. 32 sides (0.5 %) delivered 0.25–0.40 pp less of the requested energy than 64 on bench:acn where
 * the transformer binds (docs/benchmarks.md): the loss is felt in every period the limit binds.
 */
export const PHASOR_POLYGON_SIDES = 64;

const PHASE_NAMES: readonly PhaseName[] = ['L1', 'L2', 'L3'];
const ANGLE_TOLERANCE = 1e-12;

/** A complex number as [real, imaginary]. */
export type Phasor = readonly [number, number];

/** One side of a limit's polygon: Σ coefficients[k] · r_k ≤ limit · cos(π/sides). */
export interface PolygonSide {
  normalRad: number;
  /** Beside the phasors given, never negative. */
  coefficients: Float64Array;
}

/** The connection terms a connector puts its current on, one ampere per ampere of its limit each. */
export function connectorTerms(connector: ConnectorDemand, loaded: readonly number[]): ConnectionTerm[] {
  if (connector.lineToLine) return [connector.lineToLine];
  return loaded.map((phase) => PHASE_NAMES[phase]);
}

/** What an ampere of a connector's limit adds to the limit's line current, as a phasor. */
export function phasorOf(limit: PhasorLimit, terms: readonly ConnectionTerm[]): Phasor {
  let re = 0;
  let im = 0;
  for (const term of terms) {
    const factor = limit.factors[term] ?? 0;
    re += factor * Math.cos(TERM_ANGLES[term]);
    im += factor * Math.sin(TERM_ANGLES[term]);
  }
  return [re, im];
}

/**
 * The sides of the inscribed polygon that can bind for non-negative currents of these phasors. A
 * side's coefficient is the phasor's projection on its normal, clipped at 0: a limit is only the most
 * an EV may draw, and whatever lower currents the EVs draw the line must stay within its limit, so
 * every sub-sum of the phasors must stay inside — and the largest projection of any sub-sum on a
 * normal is exactly the sum of the positive projections. Every sub-sum lies in the cone the phasors
 * span, where only the sides whose angular sector meets the cone decide whether it is inside the
 * polygon, so the others are left out.
 */
export function polygonSides(phasors: readonly Phasor[], sides = PHASOR_POLYGON_SIDES): PolygonSide[] {
  const angles = phasors.filter(([re, im]) => re !== 0 || im !== 0).map(([re, im]) => Math.atan2(im, re));
  if (angles.length === 0) return [];
  const cone = spannedCone(angles);
  const halfSector = Math.PI / sides;
  const kept: PolygonSide[] = [];
  for (let k = 0; k < sides; k++) {
    const normalRad = (2 * Math.PI * k) / sides;
    if (cone && distanceToCone(normalRad, cone) > halfSector + ANGLE_TOLERANCE) continue;
    const cos = Math.cos(normalRad);
    const sin = Math.sin(normalRad);
    const coefficients = Float64Array.from(phasors, ([re, im]) => Math.max(0, re * cos + im * sin));
    if (coefficients.some((a) => a > 0)) kept.push({ normalRad, coefficients });
  }
  return kept;
}

/** The share of a limit a polygon side keeps: its distance from the centre over the radius. */
export function sideScale(sides = PHASOR_POLYGON_SIDES): number {
  return Math.cos(Math.PI / sides);
}

interface Cone {
  startRad: number;
  widthRad: number;
}

/** The smallest arc holding every angle; undefined when it is a half-turn or more (then all sides count). */
function spannedCone(angles: number[]): Cone | undefined {
  const sorted = angles.map(normalized).sort((a, b) => a - b);
  let widestGap = 2 * Math.PI - (sorted[sorted.length - 1] - sorted[0]);
  let startRad = sorted[0];
  for (let k = 1; k < sorted.length; k++) {
    const gap = sorted[k] - sorted[k - 1];
    if (gap > widestGap) {
      widestGap = gap;
      startRad = sorted[k];
    }
  }
  const widthRad = 2 * Math.PI - widestGap;
  return widthRad < Math.PI ? { startRad, widthRad } : undefined;
}

function distanceToCone(angle: number, { startRad, widthRad }: Cone): number {
  const d = normalized(angle - startRad);
  if (d <= widthRad) return 0;
  return Math.min(d - widthRad, 2 * Math.PI - d);
}

function normalized(angle: number): number {
  const turn = 2 * Math.PI;
  return ((angle % turn) + turn) % turn;
}

type Factors = Partial<Record<ConnectionTerm, number>>;

/**
 * A wye secondary's line currents (line a: I_a = I_ab − I_ca plus the loads from a to neutral) and,
 * when the primary is given, the delta primary's (I_A = (I_a − I_c) / turnsRatio), as Caltech's ACN
 * site models its transformer. Limits per block in amperes of each line.
 */
export function transformerPhasorLimits(transformer: {
  secondaryLimitsA: number[];
  primary?: { limitsA: number[]; turnsRatio: number };
  /** Prefix of the limits' names. Default `transformer`. */
  name?: string;
}): PhasorLimit[] {
  const name = transformer.name ?? 'transformer';
  const secondary = PHASE_NAMES.map((phase, p) => secondaryLine(phase, p));
  const limits: PhasorLimit[] = secondary.map((factors, p) => ({
    name: `${name}-secondary-${'abc'[p]}`,
    factors,
    limitsA: transformer.secondaryLimitsA,
  }));
  const primary = transformer.primary;
  if (!primary) return limits;
  if (!(primary.turnsRatio > 0 && Number.isFinite(primary.turnsRatio))) {
    throw new Error(
      `Transformer "${name}" turnsRatio must be a finite number > 0, got ${primary.turnsRatio}`,
    );
  }
  // I_A = (I_a − I_c)/n, I_B = (I_b − I_a)/n, I_C = (I_c − I_b)/n.
  return [
    ...limits,
    ...secondary.map((factors, p) => ({
      name: `${name}-primary-${'ABC'[p]}`,
      factors: scaled(difference(factors, secondary[(p + 2) % 3]), 1 / primary.turnsRatio),
      limitsA: primary.limitsA,
    })),
  ];
}

/** Line p of a wye secondary: its load to neutral, the pair leaving it, less the pair entering it. */
function secondaryLine(phase: PhaseName, p: number): Factors {
  const pairs = Object.entries(LINE_PAIR_PHASES) as [LinePair, readonly [number, number]][];
  const factors: Factors = { [phase]: 1 };
  for (const [pair, [from, to]] of pairs) {
    if (from === p) factors[pair] = 1;
    if (to === p) factors[pair] = -1;
  }
  return factors;
}

function difference(a: Factors, b: Factors): Factors {
  const out: Factors = { ...a };
  for (const [term, factor] of Object.entries(b) as [ConnectionTerm, number][]) {
    out[term] = (out[term] ?? 0) - factor;
  }
  return out;
}

function scaled(factors: Factors, by: number): Factors {
  return Object.fromEntries(Object.entries(factors).map(([term, f]) => [term, f * by]));
}

import type { GridPhase } from './safety-world';

/** How a connector's current enters a line: to neutral on a grid phase, or between two lines. */
export type ConnectionTerm = GridPhase | 'AB' | 'BC' | 'CA';

/** e.g. `transformer secondary a`, `transformer primary A`. */
export type TransformerLineName = `transformer ${string}`;

/** A transformer line whose current magnitude is limited: Σ factor · I_term at the term's angle. */
export interface TransformerLine {
  name: TransformerLineName;
  factors: Partial<Record<ConnectionTerm, number>>;
  limitA: number;
}

export interface SafetyTransformer {
  secondaryLineLimitA: number;
  primaryLineLimitA?: number;
  /** The delta primary's line-to-line voltage; the turns ratio is it over the secondary's V_pn. */
  primaryVoltageV?: number;
}

const DEGREES = Math.PI / 180;

/** Unity power factor on a positive-sequence wye: V_a 0°, V_b −120°, V_c +120°, V_ab = V_a − V_b +30°... */
const TERM_ANGLES: Record<ConnectionTerm, number> = {
  L1: 0,
  L2: -120 * DEGREES,
  L3: 120 * DEGREES,
  AB: 30 * DEGREES,
  BC: -90 * DEGREES,
  CA: 150 * DEGREES,
};

const PHASES: readonly GridPhase[] = ['L1', 'L2', 'L3'];
/** The pair leaving each line (its current adds) and the pair entering it (its current subtracts). */
const LEAVING: readonly ConnectionTerm[] = ['AB', 'BC', 'CA'];
const ENTERING: readonly ConnectionTerm[] = ['CA', 'AB', 'BC'];

/**
 * The lines of a wye secondary (line a: I_a = I_L1 + I_ab − I_ca) and, when given, of its delta primary
 * (I_A = (I_a − I_c) / n), worked out here from the wiring, independently of the controller.
 */
export function transformerLines(transformer: SafetyTransformer, phaseToNeutralV: number): TransformerLine[] {
  const secondary = PHASES.map((phase, p) => ({
    [phase]: 1,
    [LEAVING[p]]: 1,
    [ENTERING[p]]: -1,
  })) as Partial<Record<ConnectionTerm, number>>[];
  const lines: TransformerLine[] = secondary.map((factors, p) => ({
    name: `transformer secondary ${'abc'[p]}`,
    factors,
    limitA: transformer.secondaryLineLimitA,
  }));
  const { primaryLineLimitA, primaryVoltageV } = transformer;
  if (primaryLineLimitA === undefined || primaryVoltageV === undefined) return lines;
  const n = primaryVoltageV / phaseToNeutralV;
  return [
    ...lines,
    ...secondary.map((factors, p): TransformerLine => {
      const other = secondary[(p + 2) % 3];
      const terms = new Set([...Object.keys(factors), ...Object.keys(other)]) as Set<ConnectionTerm>;
      const difference = Object.fromEntries(
        [...terms].map((t) => [t, ((factors[t] ?? 0) - (other[t] ?? 0)) / n]),
      ) as Partial<Record<ConnectionTerm, number>>;
      return { name: `transformer primary ${'ABC'[p]}`, factors: difference, limitA: primaryLineLimitA };
    }),
  ];
}

/** What one ampere on these terms puts on the line, as [re, im]. */
export function linePhasor(line: TransformerLine, terms: readonly ConnectionTerm[]): [number, number] {
  let re = 0;
  let im = 0;
  for (const term of terms) {
    const factor = line.factors[term] ?? 0;
    re += factor * Math.cos(TERM_ANGLES[term]);
    im += factor * Math.sin(TERM_ANGLES[term]);
  }
  return [re, im];
}

/**
 * The largest current the line can carry when each connector draws anything up to its limit: the
 * magnitude is convex, so its maximum over the box of currents is at a corner (each at its limit or at 0);
 * connectors whose phasors point the same way are all in or all out there, so it is enough to try every
 * subset of the distinct directions (a handful: one per wiring).
 */
export function worstLineA(contributions: readonly { phasor: [number, number]; limitA: number }[]): number {
  const byDirection = new Map<string, [number, number]>();
  for (const { phasor, limitA } of contributions) {
    const [re, im] = phasor;
    if (limitA <= 0 || (Math.abs(re) < 1e-12 && Math.abs(im) < 1e-12)) continue;
    const key = Math.atan2(im, re).toFixed(9);
    const sum = byDirection.get(key) ?? [0, 0];
    byDirection.set(key, [sum[0] + re * limitA, sum[1] + im * limitA]);
  }
  const vectors = [...byDirection.values()];
  let worst = 0;
  for (let subset = 1; subset < 1 << vectors.length; subset++) {
    let re = 0;
    let im = 0;
    vectors.forEach(([vr, vi], k) => {
      if (subset & (1 << k)) {
        re += vr;
        im += vi;
      }
    });
    worst = Math.max(worst, Math.hypot(re, im));
  }
  return worst;
}

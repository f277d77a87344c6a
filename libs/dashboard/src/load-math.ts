import { TERM_ANGLES, wattsPerAmpere, type ConnectionTerm, type LinePair } from '@gridflex/optimizer';
import type { PlannedPeriod, schema } from '@gridflex/persistence';
import { transformerLimits } from '@gridflex/planning';

export type PerPhase = [number, number, number];

const PHASE_INDEX: Record<string, number> = { L1: 0, L2: 1, L3: 2 };
const DEFAULT_ROTATION = ['L1', 'L2', 'L3'];

/** What the dashboard needs to know of a connector to place its current on the grid phases. */
export interface PhasedConnector {
  phases: number;
  /** Wired between these two grid lines (AB, BC, CA) instead of to neutral. */
  lineToLine?: string | null;
  /** The grid phase feeding the charger's L1, L2, L3. */
  phaseRotation: string[] | null;
}

export const zeroPhases = (): PerPhase => [0, 0, 0];

export function addPhases(a: PerPhase, b: readonly number[]): PerPhase {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

const LINE_PAIRS: Record<string, readonly [number, number]> = { AB: [0, 1], BC: [1, 2], CA: [2, 0] };

/**
 * A meter reading per charger phase moved onto the grid phases that feed them: a connector loaded to
 * neutral only loads the grid phases wired to its charger's first `phases`, whatever it reports on the
 * others; a line-to-line connector's one current (its charger's L1) flows through both lines of its pair.
 */
export function measuredOnGrid(connector: PhasedConnector, measured: readonly (number | null)[]): PerPhase {
  const grid = zeroPhases();
  const pair = connector.lineToLine ? LINE_PAIRS[connector.lineToLine] : undefined;
  if (pair) {
    for (const p of pair) grid[p] += measured[0] ?? 0;
    return grid;
  }
  const rotation = connector.phaseRotation ?? DEFAULT_ROTATION;
  for (const i of chargerPhases(connector)) grid[PHASE_INDEX[rotation[i]] ?? i] += measured[i] ?? 0;
  return grid;
}

/**
 * A per-phase limit on every grid phase the connector is wired to (its line pair, or its charger's first
 * `phases` through the rotation), whatever phases its EV was seen drawing on: as the planner reserves it.
 */
export function limitOnGrid(connector: PhasedConnector, limitA: number): PerPhase {
  const grid = zeroPhases();
  const pair = connector.lineToLine ? LINE_PAIRS[connector.lineToLine] : undefined;
  if (pair) {
    for (const p of pair) grid[p] = limitA;
    return grid;
  }
  const rotation = connector.phaseRotation ?? DEFAULT_ROTATION;
  for (const i of chargerPhases(connector)) grid[PHASE_INDEX[rotation[i]] ?? i] = limitA;
  return grid;
}

/** The charger phases a connector loaded to neutral uses: its first 1 or 2, else all three (the safe side). */
function chargerPhases(connector: PhasedConnector): number[] {
  return connector.phases === 1 || connector.phases === 2 ? [0, 1].slice(0, connector.phases) : [0, 1, 2];
}

/** The limit a plan sets at `at`; 0 outside its periods (a connector without a plan is held at 0 A). */
export function planLimitAt(periods: readonly PlannedPeriod[], at: Date): number {
  const t = at.getTime();
  const period = periods.find((p) => Date.parse(p.start) <= t && (p.end === null || t < Date.parse(p.end)));
  return period?.limitA ?? 0;
}

/** The instants in [from, to) where any plan changes its limit, so that a step chart shows every change. */
export function planEdges(plans: readonly (readonly PlannedPeriod[])[], from: Date, to: Date): number[] {
  const edges = plans.flatMap((periods) =>
    periods.flatMap((p) => [Date.parse(p.start), Date.parse(p.end ?? '')]),
  );
  return edges.filter((t) => Number.isFinite(t) && t > from.getTime() && t < to.getTime());
}

/**
 * How a connector is wired, as the dashboard shows it: `L-L AB 208 V` between two lines (at V_ll, the
 * voltage `wattsPerAmpere` counts it with), else `3-ph 230 V` to neutral.
 */
export function connectionLabel(
  connector: PhasedConnector,
  site: { nominalVoltageV: number; lineToLineVoltageV: number | null },
): string {
  const voltages = {
    phaseToNeutralV: site.nominalVoltageV,
    ...(site.lineToLineVoltageV !== null && { lineToLineV: site.lineToLineVoltageV }),
  };
  if (connector.lineToLine && connector.lineToLine in LINE_PAIRS) {
    const lineToLine = connector.lineToLine as LinePair;
    return `L-L ${lineToLine} ${Math.round(wattsPerAmpere({ phases: 2, lineToLine }, voltages))} V`;
  }
  return `${connector.phases}-ph ${Math.round(site.nominalVoltageV)} V`;
}

/**
 * Each transformer line's current with every connector at its limit and the base load to neutral: the
 * magnitude of the phasor sum, as the planner limits it (not a per-phase sum).
 */
export function transformerLinesA(
  transformer: schema.TransformerColumn,
  phaseToNeutralV: number,
  loads: readonly { connector: PhasedConnector; limitA: number }[],
  baseLoadA: readonly number[],
): { line: string; plannedA: number; limitA: number }[] {
  const terms = [
    ...loads.map(({ connector, limitA }) => ({ terms: connectionTerms(connector), amps: limitA })),
    ...(['L1', 'L2', 'L3'] as const).map((phase, p) => ({ terms: [phase], amps: baseLoadA[p] })),
  ];
  return transformerLimits(transformer, phaseToNeutralV, 1).map((limit) => {
    let re = 0;
    let im = 0;
    for (const load of terms) {
      for (const term of load.terms) {
        const factor = (limit.factors[term] ?? 0) * load.amps;
        re += factor * Math.cos(TERM_ANGLES[term]);
        im += factor * Math.sin(TERM_ANGLES[term]);
      }
    }
    return { line: limit.name, plannedA: Math.hypot(re, im), limitA: limit.limitsA[0] };
  });
}

/** The terms a connector's current flows on: its line pair, or the grid phases of its first phases. */
function connectionTerms(connector: PhasedConnector): ConnectionTerm[] {
  if (connector.lineToLine && connector.lineToLine in LINE_PAIRS) return [connector.lineToLine as LinePair];
  const rotation = connector.phaseRotation ?? DEFAULT_ROTATION;
  return chargerPhases(connector).map((i) => rotation[i] as ConnectionTerm);
}

import type { PlannedPeriod } from '@gridflex/persistence';

export type PerPhase = [number, number, number];

const PHASE_INDEX: Record<string, number> = { L1: 0, L2: 1, L3: 2 };
const DEFAULT_ROTATION = ['L1', 'L2', 'L3'];

/** What the dashboard needs to know of a connector to place its current on the grid phases. */
export interface PhasedConnector {
  phases: number;
  /** The grid phase feeding the charger's L1, L2, L3. */
  phaseRotation: string[] | null;
}

export const zeroPhases = (): PerPhase => [0, 0, 0];

export function addPhases(a: PerPhase, b: readonly number[]): PerPhase {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

/**
 * A meter reading per charger phase moved onto the grid phases that feed them; a single-phase connector
 * only loads the grid phase wired to its charger's L1, whatever it reports on the others.
 */
export function measuredOnGrid(connector: PhasedConnector, measured: readonly (number | null)[]): PerPhase {
  const rotation = connector.phaseRotation ?? DEFAULT_ROTATION;
  const grid = zeroPhases();
  const chargerPhases = connector.phases === 1 ? [0] : [0, 1, 2];
  for (const i of chargerPhases) grid[PHASE_INDEX[rotation[i]] ?? i] += measured[i] ?? 0;
  return grid;
}

/**
 * A per-phase limit on every grid phase the connector is wired to (all three, or its charger's L1 for one
 * phase), whatever phases its EV was seen drawing on: as the planner reserves it.
 */
export function limitOnGrid(connector: PhasedConnector, limitA: number): PerPhase {
  const rotation = connector.phaseRotation ?? DEFAULT_ROTATION;
  if (connector.phases !== 1) return [limitA, limitA, limitA];
  const grid = zeroPhases();
  grid[PHASE_INDEX[rotation[0]] ?? 0] = limitA;
  return grid;
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

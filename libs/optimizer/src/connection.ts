import type { Connection, ConnectionTerm, LinePair, SiteVoltages } from './model.js';

export const DEFAULT_PHASE_VOLTAGE_V = 230;

/** Grid phase indices (L1 = 0) of each line pair. */
export const LINE_PAIR_PHASES: Record<LinePair, readonly [0 | 1 | 2, 0 | 1 | 2]> = {
  AB: [0, 1],
  BC: [1, 2],
  CA: [2, 0],
};

const DEGREES = Math.PI / 180;

/** Phase angle of each connection term in radians (acnportal's convention, unity power factor). */
export const TERM_ANGLES: Record<ConnectionTerm, number> = {
  L1: 0,
  L2: -120 * DEGREES,
  L3: 120 * DEGREES,
  AB: 30 * DEGREES,
  BC: -90 * DEGREES,
  CA: 150 * DEGREES,
};

export const CONNECTION_TERMS = Object.keys(TERM_ANGLES) as ConnectionTerm[];

/**
 * The power a connection draws per ampere of its limit: V_pn on each phase loaded to neutral, V_ll
 * (V_pn · √3 unless the site names it) between two lines. The one rule for energy per ampere.
 */
export function wattsPerAmpere(connection: Connection, voltages: SiteVoltages = {}): number {
  const phaseToNeutralV = voltages.phaseToNeutralV ?? DEFAULT_PHASE_VOLTAGE_V;
  if (connection.lineToLine) return voltages.lineToLineV ?? phaseToNeutralV * Math.sqrt(3);
  return phaseToNeutralV * connection.phases;
}

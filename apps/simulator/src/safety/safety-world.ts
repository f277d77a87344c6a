import type { SafetyTransformer } from './transformer-lines';

/** Grid phases L1, L2, L3 as indexes 0, 1, 2. */
export type PerPhase = [number, number, number];

export type GridPhase = 'L1' | 'L2' | 'L3';

export const GRID_PHASES: readonly GridPhase[] = ['L1', 'L2', 'L3'];

export interface SafetyConnector {
  connectorId: number;
  /**
   * 1 or 2: wired to the grid phases the charger's first phases are rotated onto; 3: to all three; 2 with
   * `lineToLine`: between those two grid lines.
   */
  phases: 1 | 2 | 3;
  lineToLine?: 'AB' | 'BC' | 'CA';
  maxCurrentA: number;
}

export interface SafetyCharger {
  identity: string;
  siteId: string;
  /** The circuit the charger hangs from; the site itself when absent. */
  circuitId?: string;
  /** Grid phase of the charger's L1, L2, L3; `L1, L2, L3` when absent. */
  phaseRotation?: readonly GridPhase[];
  /** The charger's own maximum per phase, over all its connectors. */
  maxCurrentA?: number;
  /** Excluded from smart charging: counted at its maximum, as unsteered load. */
  smartChargingExcluded?: boolean;
  connectors: SafetyConnector[];
}

export interface SafetyCircuit {
  id: string;
  /** The parent circuit; the site when absent. */
  parentId?: string;
  limitA: PerPhase;
  /** A transformer at its head whose line-current magnitudes are limited. */
  transformer?: SafetyTransformer;
}

export interface SafetySite {
  id: string;
  /** The DSO capacity group the site belongs to. */
  groupId?: string;
  nominalVoltageV: number;
  gridLimitA: PerPhase;
  totalLimitKw?: number;
  /** The transformer feeding the grid connection, whose line-current magnitudes are limited. */
  transformer?: SafetyTransformer;
  /** Reserved base load per phase (a `fixed` base load, or the latest `metered` reading). */
  baseLoadA?: PerPhase;
  circuits?: SafetyCircuit[];
}

/** How the DSO's limits are read, as the soak configured its peer. */
export interface SafetyDsoPeer {
  /** Per-phase A where nothing else applies (no forecast, no fallback). */
  safeDefaultA: number;
  /** How `phase: ALL` is read; by default per phase for A and a total for powers. */
  phaseAll?: 'PER_PHASE' | 'TOTAL';
  /** Voltage for the peer's W/KW/WH/KWH blocks; by default the highest of the group's sites. */
  nominalVoltageV?: number;
  /** False for a peer configured not to be declared OFFLINE when its heartbeats stop. */
  offlineDetection?: boolean;
}

/** The configuration the soak created: the checker's only source for the capacity tree. */
export interface SafetyWorld {
  sites: SafetySite[];
  chargers: SafetyCharger[];
  dso: SafetyDsoPeer;
}

export const NO_LIMIT: PerPhase = [Infinity, Infinity, Infinity];

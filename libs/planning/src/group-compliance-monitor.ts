import type { PerPhase } from '@gridflex/optimizer';
import type { ComplianceEpisode } from '@gridflex/oscp';

/** A connector's last meter reading, per phase of the charger, with the charger's phase rotation. */
export interface MeteredConnector {
  currentA: readonly [number | null, number | null, number | null];
  measuredAt: Date;
  /** The grid phase feeding the charger's L1, L2, L3. */
  phaseRotation: string[];
}

/** One DSO forecast in force now, with its limit per phase in amperes. */
export interface LimitInForce {
  requestId: string;
  limitsA: PerPhase;
}

export interface ComplianceDecision<T extends LimitInForce> {
  /** The episode to keep for the next check; null when the load is back under every limit. */
  episode: ComplianceEpisode | null;
  /** The forecasts to send a compliance error for now. */
  due: T[];
}

/**
 * Readings older than this say nothing about the load now: a charger that stopped sending meter
 * values (offline, or idle with no transaction) is not counted at what it last drew.
 */
export const METER_READING_MAX_AGE_MS = 5 * 60 * 1000;

const GRID_PHASES = ['L1', 'L2', 'L3'];

/** The group's measured load per grid phase: fresh connector readings plus the sites' base load. */
export function measuredGroupLoadA(
  connectors: MeteredConnector[],
  baseLoadsA: PerPhase[],
  now: Date,
): PerPhase {
  const load = [0, 0, 0];
  for (const base of baseLoadsA) base.forEach((amps, p) => (load[p] += amps));
  for (const connector of connectors) {
    if (now.getTime() - connector.measuredAt.getTime() > METER_READING_MAX_AGE_MS) continue;
    connector.currentA.forEach((amps, chargerPhase) => {
      const gridPhase = GRID_PHASES.indexOf(
        connector.phaseRotation[chargerPhase] ?? GRID_PHASES[chargerPhase],
      );
      load[gridPhase] += amps ?? 0;
    });
  }
  return load as unknown as PerPhase;
}

/** The limits in force that the load exceeds on at least one phase. */
export function exceededLimits<T extends LimitInForce>(loadA: PerPhase, limits: T[]): T[] {
  return limits.filter(({ limitsA }) => limitsA.some((limit, p) => loadA[p] > limit));
}

/**
 * Next step of a group's overload episode. The episode starts at the first check that finds a limit
 * exceeded and ends at the first that finds none; once it has lasted longer than the grace period,
 * each forecast exceeded is reported once in it (a forecast replaced mid-episode is reported anew).
 */
export function decideCompliance<T extends LimitInForce>(
  episode: ComplianceEpisode | null,
  exceeded: T[],
  now: Date,
  graceMs: number,
): ComplianceDecision<T> {
  if (exceeded.length === 0) return { episode: null, due: [] };
  const current = episode ?? { overSince: now.toISOString(), reportedRequestIds: [] };
  if (now.getTime() - Date.parse(current.overSince) <= graceMs) return { episode: current, due: [] };
  const due = exceeded.filter((limit) => !current.reportedRequestIds.includes(limit.requestId));
  const reportedRequestIds = [...current.reportedRequestIds, ...due.map((limit) => limit.requestId)];
  return { episode: { ...current, reportedRequestIds }, due };
}

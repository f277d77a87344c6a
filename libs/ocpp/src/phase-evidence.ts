import type { PhaseMask, PhasesInUse } from './measurement';

/**
 * Consecutive readings that must all show the same fewer phases before a session is taken as using them: a
 * single noisy sample (a phase of a three-phase EV reading below the threshold) must not count.
 */
export const PHASE_EVIDENCE_READINGS = 3;

/** And the time those readings must span, so that a burst of queued samples does not count as sustained. */
export const PHASE_EVIDENCE_MIN_SPAN_MS = 60_000;

/**
 * The running evidence that a session's EV draws on fewer phases than its connector has: the candidate set of
 * phases (no mask when only a count was reported, e.g. 2.0.1 `numberOfPhasesUsed`), how many consecutive
 * readings showed it, and since when. Persisted with the connector so that a restart does not reset it.
 */
export interface PhaseEvidence {
  count: 1 | 2 | 3;
  mask: PhaseMask | null;
  readings: number;
  /** ISO instant of the first reading of the run. */
  since: string;
  /** ISO instant of its latest reading: a repeated message, or another of the same instant, counts once. */
  latest: string;
}

/** What is learned of a session's phases: null while nothing is known (the session counts as using all). */
export interface PhaseLearning {
  learned: PhasesInUse | null;
  evidence: PhaseEvidence | null;
}

/**
 * Folds one reading's phases into what is learned of the session (`connectorPhases`: how many its connector
 * has). Fewer phases are learned only once `PHASE_EVIDENCE_READINGS` consecutive readings over at least
 * `PHASE_EVIDENCE_MIN_SPAN_MS` showed the same set; a reading showing a phase the learned set lacks (or more
 * phases) takes the session back to all its connector's phases at once. A reading without phase information
 * (EV paused, a phase not reported) changes nothing.
 */
export function learnPhases(
  state: PhaseLearning,
  observed: PhasesInUse | null,
  at: Date,
  connectorPhases: number,
): PhaseLearning {
  if (observed === null) return state;
  const all = Math.min(3, Math.max(1, connectorPhases)) as 1 | 2 | 3;
  if (observed.count >= all) {
    return { learned: { count: all, mask: observed.count === all ? observed.mask : null }, evidence: null };
  }
  const evidence = extendEvidence(state.evidence, observed, at);
  if (isSustained(evidence, at)) {
    return { learned: { count: evidence.count, mask: evidence.mask }, evidence };
  }
  const learned = showsMore(observed, state.learned) ? { count: all, mask: null } : state.learned;
  return { learned, evidence };
}

/** The count the planner may take for energy: the learned one, never above the connector's. */
export function plannedPhaseCount(learned: { count: number } | null, connectorPhases: number): number {
  return Math.min(learned?.count ?? connectorPhases, connectorPhases);
}

function extendEvidence(evidence: PhaseEvidence | null, observed: PhasesInUse, at: Date): PhaseEvidence {
  const iso = at.toISOString();
  if (evidence && sameSet(evidence, observed)) {
    return {
      count: evidence.count,
      mask: evidence.mask ?? observed.mask,
      readings: evidence.latest === iso ? evidence.readings : evidence.readings + 1,
      since: evidence.since,
      latest: iso,
    };
  }
  return { count: observed.count, mask: observed.mask, readings: 1, since: iso, latest: iso };
}

function isSustained(evidence: PhaseEvidence, at: Date): boolean {
  const spanMs = at.getTime() - Date.parse(evidence.since);
  return evidence.readings >= PHASE_EVIDENCE_READINGS && spanMs >= PHASE_EVIDENCE_MIN_SPAN_MS;
}

/** A count-only reading matches any set of that many phases; two masks must be the same phases. */
function sameSet(a: PhasesInUse, b: PhasesInUse): boolean {
  if (a.count !== b.count) return false;
  return a.mask === null || b.mask === null || a.mask.every((used, i) => used === b.mask![i]);
}

function showsMore(observed: PhasesInUse, learned: PhasesInUse | null): boolean {
  if (learned === null) return false;
  if (observed.count > learned.count) return true;
  if (observed.mask === null || learned.mask === null) return false;
  return observed.mask.some((used, i) => used && !learned.mask![i]);
}

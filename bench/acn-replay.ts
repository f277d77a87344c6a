/**
 * The replay of `bench:acn`: period by period (5 minutes), the sessions present ask a scheduler for
 * their pilots, every period's pilots are checked against each EVSE's allowed pilots and against the
 * exact phasor constraints of the Caltech network (violations counted, for every scheduler), and each
 * EV draws what it is allowed up to the energy it still wants.
 */
import { PERIOD_MS, type AcnSession } from './acn-data';
import {
  MIN_CURRENT_A,
  phasorExcesses,
  pilotViolations,
  VOLTS,
  type Evse,
  type Topology,
} from './acn-topology';

export const PERIOD_HOURS = PERIOD_MS / 3_600_000;
/** Below this an EV counts as full: it keeps no connector busy for a rounding residue. */
const FULL_WH = 1e-3;
const TAIL_WH = MIN_CURRENT_A * VOLTS * PERIOD_HOURS;

export interface ActiveEv {
  session: AcnSession;
  remainingWh: number;
  /** Whether it was allowed to charge in the period before, and since when (ms) that holds. */
  previous?: { charging: boolean; sinceMs: number };
}

export interface Scheduler {
  readonly name: string;
  /** false for uncontrolled charging, which ignores the site: it is expected to break the constraints. */
  readonly respectsLimits: boolean;
  /** A diagnostic variant without the EVSEs' pilot sets: any pilot in [0, maximum] is allowed. */
  readonly continuous?: boolean;
  /** For our optimizer: how the network was given to it (linear per-phase limits, phasor limits). */
  readonly siteModel?: string;
  /** The limits (A) of period `period` for the EVs present, in their order. */
  limits(period: number, active: readonly ActiveEv[]): number[];
}

export interface ReplayResult {
  demandWh: number;
  deliveredWh: number;
  peakKw: number;
  /** Periods whose pilots broke an exact constraint of the network (pod, secondary or primary line). */
  violationPeriods: number;
  /** The largest excess (A) over a constraint's limit in any period, and that constraint; 0 and '' if none. */
  worstExcessA: number;
  worstConstraint: string;
  /** Periods with at least one EV present: each one's limits were checked. */
  checkedPeriods: number;
  /**
   * Energy left wanted at departure by EVs that missed less than one period at the minimum current
   * would give: the tails the semi-continuous rule can strand.
   */
  tailsWh: number;
  /** Time spent in the scheduler. */
  schedulerMs: number;
}

export function isoOf(period: number): string {
  return new Date(period * PERIOD_MS).toISOString();
}

/** Throws with every violation: a plan that breaks the exact network must not print a result. */
export function assertWithinLimits(
  topology: Topology,
  evses: readonly Evse[],
  pilotsA: readonly number[],
  label: string,
  continuous = false,
): void {
  const pilots = pilotViolations(evses, pilotsA, { label, continuous });
  const site = phasorExcesses(topology, evses, pilotsA).map(
    (e) => `${label}: ${e.constraint} carries ${e.currentA.toFixed(6)} A over its ${e.limitA.toFixed(6)} A`,
  );
  if (pilots.length + site.length > 0)
    throw new Error(`Limit violation:\n${[...pilots, ...site].join('\n')}`);
}

export function replay(
  sessions: readonly AcnSession[],
  topology: Topology,
  scheduler: Scheduler,
): ReplayResult {
  const remaining = Float64Array.from(sessions, (s) => s.demandWh);
  const previous: (ActiveEv['previous'] | undefined)[] = sessions.map(() => undefined);
  const start = Math.min(...sessions.map((s) => s.arrival));
  const end = Math.max(...sessions.map((s) => s.departure));
  const result: ReplayResult = {
    demandWh: remaining.reduce((a, b) => a + b, 0),
    deliveredWh: 0,
    peakKw: 0,
    violationPeriods: 0,
    worstExcessA: 0,
    worstConstraint: '',
    checkedPeriods: 0,
    tailsWh: 0,
    schedulerMs: 0,
  };
  for (let period = start; period < end; period++) {
    const present = sessions.flatMap((s, i) =>
      s.arrival <= period && period < s.departure && remaining[i] > FULL_WH ? [i] : [],
    );
    if (present.length === 0) continue;
    const active = present.map((i) => ({
      session: sessions[i],
      remainingWh: remaining[i],
      previous: previous[i],
    }));
    const started = process.hrtime.bigint();
    const limitsA = scheduler.limits(period, active);
    result.schedulerMs += Number(process.hrtime.bigint() - started) / 1e6;
    checkPeriod(topology, scheduler, active, limitsA, period, result);
    let watts = 0;
    present.forEach((i, k) => {
      const drawnWh = Math.min(limitsA[k] * VOLTS * PERIOD_HOURS, remaining[i]);
      remaining[i] -= drawnWh;
      result.deliveredWh += drawnWh;
      watts += drawnWh / PERIOD_HOURS;
      previous[i] = nextOnOff(previous[i], limitsA[k] > 0, period);
    });
    result.peakKw = Math.max(result.peakKw, watts / 1000);
  }
  result.tailsWh = remaining.reduce((sum, left) => (left > FULL_WH && left < TAIL_WH ? sum + left : sum), 0);
  return result;
}

function checkPeriod(
  topology: Topology,
  scheduler: Scheduler,
  active: readonly ActiveEv[],
  limitsA: readonly number[],
  period: number,
  result: ReplayResult,
): void {
  if (limitsA.length !== active.length) {
    throw new Error(`${scheduler.name}: ${limitsA.length} limits for ${active.length} EVs`);
  }
  const label = `${scheduler.name}, ${topology.capacityKw} kW, ${isoOf(period)}`;
  const evses = active.map((ev) => ev.session.evse);
  result.checkedPeriods++;
  // A pilot the EVSE cannot apply is a bug of the scheduler, not a figure: it stops the benchmark.
  const pilots = pilotViolations(evses, limitsA, { label, continuous: scheduler.continuous ?? false });
  if (pilots.length > 0) throw new Error(`Pilot violation:\n${pilots.join('\n')}`);
  const excesses = phasorExcesses(topology, evses, limitsA);
  if (excesses.length === 0) return;
  result.violationPeriods++;
  for (const e of excesses) {
    if (e.currentA - e.limitA > result.worstExcessA) {
      result.worstExcessA = e.currentA - e.limitA;
      result.worstConstraint = e.constraint;
    }
  }
}

function nextOnOff(before: ActiveEv['previous'], charging: boolean, period: number): ActiveEv['previous'] {
  if (before && before.charging === charging) return before;
  return { charging, sinceMs: period * PERIOD_MS };
}

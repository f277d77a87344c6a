import type { PlannedPeriod } from '@gridflex/persistence';
import { sentLimitA } from './profiles/profile-schedule';

/** 2.0.1 `NotifyEVChargingScheduleRequest` (K17): the schedule the EV chose within the profile it was given. */
export interface NotifyEVChargingScheduleRequest201 {
  /** What the schedule's `startPeriod`s count from. */
  timeBase: string;
  evseId: number;
  chargingSchedule: {
    duration?: number;
    chargingRateUnit: 'A' | 'W';
    chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
  };
}

/** Our limits on the EVSE: the plan its TxProfile follows, and what converts it to W. */
export interface EvseLimits {
  periods: readonly PlannedPeriod[];
  nominalVoltageV: number;
  /** The connector's phases, when the EV's period does not name its own. */
  phases: number;
}

/** Where the EV's schedule goes above our limit, in the EV's unit. */
export interface EvScheduleExcess {
  at: string;
  evLimit: number;
  ourLimit: number;
  unit: 'A' | 'W';
}

/** Numeric noise only: compared with what our profile sent, not with the plan before its rounding. */
const TOLERANCE = { A: 0.001, W: 1 } as const;

/**
 * The first instant where the EV's schedule asks for more than our TxProfile allows there (the plan's limit as
 * sent: rounded down to 0.1 A, 0 below 6 A), or null when it stays within it. Only the span our plan covers is compared: beyond it our profile has no limit of its own to hold
 * the EV to (the station maximum still bounds it). A period in W is compared at its phases (or the connector's)
 * times the nominal voltage.
 */
export function evScheduleExcess(
  request: NotifyEVChargingScheduleRequest201,
  limits: EvseLimits,
): EvScheduleExcess | null {
  const base = Date.parse(request.timeBase);
  const { chargingRateUnit: unit, chargingSchedulePeriod: periods, duration } = request.chargingSchedule;
  const scheduleEnd = duration === undefined ? Infinity : base + duration * 1000;
  const sorted = [...periods].sort((a, b) => a.startPeriod - b.startPeriod);
  for (const [index, period] of sorted.entries()) {
    const from = base + period.startPeriod * 1000;
    const next = sorted[index + 1];
    const to = Math.min(next === undefined ? Infinity : base + next.startPeriod * 1000, scheduleEnd);
    if (to <= from) continue;
    const phases = period.numberPhases ?? limits.phases;
    for (const ours of overlapping(limits.periods, from, to)) {
      const sentA = sentLimitA(ours.limitA);
      const ourLimit = unit === 'A' ? sentA : Math.floor(sentA * limits.nominalVoltageV * phases + 1e-9);
      if (period.limit > ourLimit + TOLERANCE[unit]) {
        const at = new Date(Math.max(from, Date.parse(ours.start))).toISOString();
        return { at, evLimit: period.limit, ourLimit, unit };
      }
    }
  }
  return null;
}

/** Our periods that share some time with `[from, to)`. */
function overlapping(periods: readonly PlannedPeriod[], from: number, to: number): PlannedPeriod[] {
  return periods.filter((period) => {
    const start = Date.parse(period.start);
    const end = period.end === null ? Infinity : Date.parse(period.end);
    return start < to && end > from;
  });
}

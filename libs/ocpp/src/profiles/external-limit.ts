import type { schema } from '@gridflex/persistence';

/**
 * The highest current per phase an external limit (NotifyChargingLimit) allows from `now` on: the lowest limit
 * of every period not yet over, so that a plan within it is what the station really delivers until the limit
 * changes or is cleared (each of which re-plans). W are converted as the station does (2.0.1 K01.FR.49/50):
 * over the nominal voltage and `numberPhases`, 3 when absent. Null when no period applies any more (or the
 * station sent no schedule, so no value is known).
 */
export function externalLimitA(
  schedules: readonly schema.ReportedChargingSchedule[] | null,
  now: Date,
  nominalVoltageV: number,
): number | null {
  const limits = (schedules ?? []).flatMap((schedule) =>
    periodsAhead(schedule, now.getTime()).map((period) => toAmps(schedule, period, nominalVoltageV)),
  );
  return limits.length === 0 ? null : Math.max(0, Math.min(...limits));
}

type Period = schema.ReportedChargingSchedule['chargingSchedulePeriod'][number];

/**
 * The periods that end after `nowMs`. A schedule without `startSchedule` is relative to a transaction's start,
 * which we do not line up with: all its periods count.
 */
function periodsAhead(schedule: schema.ReportedChargingSchedule, nowMs: number): Period[] {
  const periods = [...schedule.chargingSchedulePeriod].sort((a, b) => a.startPeriod - b.startPeriod);
  if (schedule.startSchedule === undefined) return periods;
  const startMs = Date.parse(schedule.startSchedule);
  if (Number.isNaN(startMs)) return periods;
  const endMs = schedule.duration === undefined ? Infinity : startMs + schedule.duration * 1000;
  return periods.filter((period, index) => {
    const next = periods[index + 1];
    const periodEndMs = Math.min(endMs, next === undefined ? Infinity : startMs + next.startPeriod * 1000);
    return periodEndMs > nowMs && startMs + period.startPeriod * 1000 < endMs;
  });
}

function toAmps(schedule: schema.ReportedChargingSchedule, period: Period, nominalVoltageV: number): number {
  if (schedule.chargingRateUnit === 'A') return period.limit;
  return period.limit / (nominalVoltageV * (period.numberPhases ?? 3));
}

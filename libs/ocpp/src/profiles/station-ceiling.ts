import type { ProfilePeriod } from './profile-schedule';

/**
 * The station-wide maximum a charger needs so that its connectors can draw what they are planned: in every
 * stretch of time the sum of its connectors' planned limits, never below its safe share and never above `capA`
 * (what the charger can ever be meant to draw: a plan above it is wrong and not followed). Where no plan says
 * anything any more (after the end of the last finite plan) it is the safe share, so a charger that loses us
 * ends up within it, as the connectors' own profiles do with their conservative tails. Within the plans it
 * may exceed the safe share: the planner has then given this charger what the others are not given, and their
 * profiles hold them to it. Equal neighbours are merged; the first period starts at `now`.
 */
export function stationCeiling(
  safeShareA: number,
  plans: readonly (readonly ProfilePeriod[])[],
  now: Date,
  capA = Infinity,
): ProfilePeriod[] {
  const nowMs = now.getTime();
  const instants = new Set<number>([nowMs]);
  for (const plan of plans) {
    for (const period of plan) {
      for (const iso of [period.start, period.end]) {
        const ms = iso === null ? NaN : Date.parse(iso);
        if (ms > nowMs) instants.add(ms);
      }
    }
  }
  const starts = [...instants].sort((a, b) => a - b);
  const cursors = plans.map((plan) => new PlanCursor(plan));
  const ceiling: ProfilePeriod[] = [];
  starts.forEach((startMs, index) => {
    const endMs = starts[index + 1];
    const plannedA = cursors.reduce((sum, cursor) => sum + cursor.limitAt(startMs), 0);
    const limitA = Math.max(safeShareA, Math.min(capA, plannedA));
    const end = endMs === undefined ? null : new Date(endMs).toISOString();
    const last = ceiling.at(-1);
    if (last && last.limitA === limitA) last.end = end;
    else ceiling.push({ start: new Date(startMs).toISOString(), end, limitA });
  });
  return ceiling;
}

/**
 * The ceiling as a charger taking at most `maxPeriods` periods holds it: from the last period it keeps on,
 * the lowest of the rest, as every schedule we cut (cutting only ever lowers).
 */
export function cutCeiling(ceiling: readonly ProfilePeriod[], maxPeriods: number): ProfilePeriod[] {
  if (ceiling.length <= maxPeriods) return [...ceiling];
  const rest = ceiling.slice(maxPeriods - 1);
  const lowest = Math.min(...rest.map((period) => period.limitA));
  return [...ceiling.slice(0, maxPeriods - 1), { start: rest[0].start, end: null, limitA: lowest }];
}

/** Whether two ceilings prescribe the same from `now` on; what has already ended does not count. */
export function sameCeiling(a: readonly ProfilePeriod[], b: readonly ProfilePeriod[], now: Date): boolean {
  const ahead = (periods: readonly ProfilePeriod[]) =>
    periods
      .filter((period) => period.end === null || Date.parse(period.end) > now.getTime())
      .map((period) => `${period.end === null ? '' : Date.parse(period.end)}:${period.limitA}`)
      .join('|');
  return ahead(a) === ahead(b);
}

/** The highest limit of the ceiling from `now` on. */
export function ceilingPeakA(ceiling: readonly ProfilePeriod[], now: Date): number {
  const ahead = ceiling.filter((period) => period.end === null || Date.parse(period.end) > now.getTime());
  return Math.max(...ahead.map((period) => period.limitA));
}

interface TimedPeriod {
  startMs: number;
  endMs: number;
  limitA: number;
}

/**
 * What one plan allows at each of a rising series of instants (a plan that has ended allows nothing): its
 * periods, which do not overlap, are walked once for all instants rather than searched for each, so that a
 * plan of thousands of periods (a DSO forecast of as many blocks) costs linear time, not quadratic.
 */
class PlanCursor {
  private readonly periods: TimedPeriod[];
  private next = 0;

  constructor(plan: readonly ProfilePeriod[]) {
    this.periods = plan
      .map((p) => ({
        startMs: Date.parse(p.start),
        endMs: p.end === null ? Infinity : Date.parse(p.end),
        limitA: p.limitA,
      }))
      .sort((a, b) => a.startMs - b.startMs);
  }

  /** @param atMs not below the instant of the previous call */
  limitAt(atMs: number): number {
    while (this.next < this.periods.length && this.periods[this.next].endMs <= atMs) this.next++;
    const period = this.periods[this.next];
    return period && period.startMs <= atMs ? period.limitA : 0;
  }
}

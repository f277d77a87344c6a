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
  const ceiling: ProfilePeriod[] = [];
  starts.forEach((startMs, index) => {
    const endMs = starts[index + 1];
    const limitA = Math.max(safeShareA, Math.min(capA, plannedSumA(plans, startMs)));
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

/** What the plans allow the charger's connectors together at `atMs`: a plan that has ended allows nothing. */
function plannedSumA(plans: readonly (readonly ProfilePeriod[])[], atMs: number): number {
  let sum = 0;
  for (const plan of plans) {
    const period = plan.find(
      (p) => Date.parse(p.start) <= atMs && (p.end === null || Date.parse(p.end) > atMs),
    );
    sum += period?.limitA ?? 0;
  }
  return sum;
}

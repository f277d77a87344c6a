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

/**
 * Whether the charger may keep the ceiling it holds (`installed`) instead of being sent the one its plans now
 * need (`needed`): from `now` on it never cuts what the plans allow (never below `needed`), and once the
 * plans have ended (`needed`'s open-ended last period, the safe share) it is no higher. Above the plans while
 * they last it costs nothing: the connectors' own profiles hold them to their plans then, and the station
 * maximum matters only once those end. So a lowering of the plans sends connector profiles alone, and a
 * raise within what the charger already holds sends nothing more.
 */
export function ceilingStillHolds(
  installed: readonly ProfilePeriod[],
  needed: readonly ProfilePeriod[],
  now: Date,
): boolean {
  const tailStartMs = Math.max(now.getTime(), Date.parse(needed.at(-1)!.start));
  const instants = new Set<number>([now.getTime(), tailStartMs]);
  for (const period of [...installed, ...needed]) {
    const startMs = Date.parse(period.start);
    if (startMs > now.getTime()) instants.add(startMs);
  }
  return [...instants].every((atMs) => {
    const held = limitAt(installed, atMs);
    const wanted = limitAt(needed, atMs);
    return held >= wanted && (atMs < tailStartMs || held <= wanted);
  });
}

/** The ceiling's limit at `atMs`; a ceiling says nothing before its first period, taken as no limit. */
function limitAt(ceiling: readonly ProfilePeriod[], atMs: number): number {
  const period = ceiling.find(
    (p) => Date.parse(p.start) <= atMs && (p.end === null || Date.parse(p.end) > atMs),
  );
  return period?.limitA ?? Infinity;
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

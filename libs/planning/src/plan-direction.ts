import type { PlanDirection } from '@gridflex/dispatch';
import type { PlannedPeriod } from '@gridflex/persistence';

/** The limit a plan sets at `at`; nothing planned then counts as 0 A. */
export function limitAt(periods: PlannedPeriod[], at: Date): number {
  const t = at.getTime();
  const period = periods.find((p) => Date.parse(p.start) <= t && (p.end === null || t < Date.parse(p.end)));
  return period?.limitA ?? 0;
}

/**
 * Whether a new plan lowers or raises the connector's limit right now: what the site draws during the
 * transition depends only on that. A connector planned for the first time may be drawing anything up to its
 * fail-safe maximum, so its plan counts as a raising, which waits for the lowerings.
 */
export function planDirection(
  before: PlannedPeriod[] | undefined,
  after: PlannedPeriod[],
  now: Date,
): PlanDirection {
  if (!before) return 'raise';
  const was = limitAt(before, now);
  const will = limitAt(after, now);
  if (will < was) return 'lower';
  return will > was ? 'raise' : 'same';
}

import type { ProfilePeriod } from './profile-schedule';

/**
 * How long a charger that has lost us may still follow the open-ended end of its plan (the part beyond every
 * forecast) before falling back to its safe share. Hold ends are quantised to half a hold: every push within
 * the same half-hold names the same end, so the station maximum, which follows the held plans, changes at
 * most once per half-hold rather than with every push. A profile sent at `now` holds for more than half a
 * hold and at most a whole one.
 */
export function holdEnd(now: Date, holdMs: number): Date {
  const quantumMs = holdQuantumMs(holdMs);
  return new Date((Math.floor(now.getTime() / quantumMs) + 2) * quantumMs);
}

/**
 * The plan as a charger may follow it without us: its open-ended last period ends at `until`, or is dropped
 * when the plan's finite periods already reach that far. What follows is the profile's conservative tail.
 */
export function heldPlan(plan: readonly ProfilePeriod[], until: Date): ProfilePeriod[] {
  const last = plan.at(-1);
  if (!last || last.end !== null) return [...plan];
  if (plan.length > 1 && Date.parse(last.start) >= until.getTime()) return plan.slice(0, -1);
  return [...plan.slice(0, -1), { ...last, end: until.toISOString() }];
}

/**
 * When a profile sent at `now` for `plan` stops following the plan, so that the plan must be pushed again
 * then; null when it follows the plan for good.
 * - A plan that ends open-ended above 0 A is held only until `holdEnd`: pushed again when the next half-hold
 *   begins, it holds on, half a hold before the old one ends.
 * - A schedule with as many periods as the charger takes may have been cut at the start of its last period,
 *   which then holds the lowest of the rest: pushed again once that period has begun, the charger gets the
 *   plan's next periods. Until then (at most one janitor interval) it holds the lower limit.
 */
export function renewalAt(
  plan: readonly ProfilePeriod[],
  schedule: { startSchedule?: string; chargingSchedulePeriod: readonly { startPeriod: number }[] },
  now: Date,
  holdMs: number,
  maxPeriods: number,
): Date | null {
  const times: number[] = [];
  const last = plan.at(-1);
  if (last && last.end === null && last.limitA > 0) {
    const quantumMs = holdQuantumMs(holdMs);
    times.push((Math.floor(now.getTime() / quantumMs) + 1) * quantumMs);
  }
  const periods = schedule.chargingSchedulePeriod;
  if (periods.length > 1 && periods.length >= maxPeriods) {
    const startMs = schedule.startSchedule ? Date.parse(schedule.startSchedule) : now.getTime();
    // Period offsets are whole seconds, rounded down: the period itself begins within the second after.
    times.push(startMs + (periods[periods.length - 1].startPeriod + 1) * 1000);
  }
  return times.length === 0 ? null : new Date(Math.min(...times));
}

function holdQuantumMs(holdMs: number): number {
  if (!Number.isFinite(holdMs) || holdMs <= 0) throw new Error(`Invalid fail-safe hold ${holdMs} ms`);
  return holdMs / 2;
}

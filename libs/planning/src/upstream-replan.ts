/** After an upstream bound changes, the re-plan runs this much later, so that it sees the new bound. */
const UPSTREAM_CHANGE_SLACK_MS = 1_000;
const DAY_MS = 24 * 3600_000;

/**
 * When to re-plan for an upstream change at `changeMs`: just after it, or for a change beyond the current day
 * (UTC) at the day's end, when the plan then made looks again. Every plan of the same day asks for the same
 * instant, so that the job (named by it) is queued once.
 */
export function upstreamReplanAt(changeMs: number, now: Date): number {
  const dayEndMs = (Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS;
  return Math.min(changeMs + UPSTREAM_CHANGE_SLACK_MS, dayEndMs);
}

import type { OnOffState, TimeBlock } from './model.js';

/** One period of a stored plan: planning keeps them as { start, end, limitA }. */
export interface PlannedLimit extends TimeBlock {
  limitA: number;
}

/**
 * What a previous plan was doing with a connector at an instant, for `ConnectorDemand.previous`:
 * charging when its limit there is above 0, since the start of the unbroken run of periods that
 * were charging (or paused) up to it. Undefined when the plan does not cover the instant.
 */
export function onOffStateAt(periods: readonly PlannedLimit[], at: string): OnOffState | undefined {
  const atMs = Date.parse(at);
  const current = periods.findIndex(
    (p) => Date.parse(p.start) <= atMs && (p.end === null || atMs < Date.parse(p.end)),
  );
  if (current < 0) return undefined;
  const charging = periods[current].limitA > 0;
  let first = current;
  while (
    first > 0 &&
    periods[first - 1].limitA > 0 === charging &&
    periods[first - 1].end === periods[first].start
  ) {
    first--;
  }
  return { charging, since: periods[first].start };
}

/** Attempts at capability discovery per connection, the first included. */
export const DISCOVERY_ATTEMPTS = 6;
const FIRST_RETRY_DELAY_MS = 2_000;
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * How long to wait after failed discovery attempt `attempt` (1 for the first) before the next one: 2 s,
 * doubling up to a minute, so that a charger busy booting or on a poor link is asked again soon, and one
 * that never answers costs a few calls per connection. Null once the attempts are used up: its profiles keep
 * the safe assumptions until its next connection.
 */
export function discoveryRetryDelayMs(attempt: number): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`Invalid discovery attempt ${attempt}`);
  if (attempt >= DISCOVERY_ATTEMPTS) return null;
  return Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1));
}

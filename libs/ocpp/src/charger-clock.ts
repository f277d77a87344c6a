import type { AppConfig } from '@gridflex/config';

/**
 * How a charger's time stamp compares with the time we received its message: `future` beyond the allowed
 * skew (a clock set ahead, or a forged stamp), `stale` older than the allowed message age (a clock set back,
 * or a message queued for days), or `trusted`. An unparsable stamp is taken as `future`: never believed.
 */
export type StampVerdict = 'trusted' | 'future' | 'stale';

export interface ClockLimits {
  maxSkewMs: number;
  maxAgeMs: number;
}

export function clockLimits(
  config: Pick<AppConfig, 'OCPP_MAX_CLOCK_SKEW_S' | 'OCPP_MAX_MESSAGE_AGE_S'>,
): ClockLimits {
  return { maxSkewMs: config.OCPP_MAX_CLOCK_SKEW_S * 1000, maxAgeMs: config.OCPP_MAX_MESSAGE_AGE_S * 1000 };
}

export function judgeStamp(stamp: Date, receivedAt: Date, limits: ClockLimits): StampVerdict {
  const aheadMs = stamp.getTime() - receivedAt.getTime();
  if (!Number.isFinite(aheadMs) || aheadMs > limits.maxSkewMs) return 'future';
  return -aheadMs > limits.maxAgeMs ? 'stale' : 'trusted';
}

/**
 * When a transaction or status event happened: as stamped when the stamp is believable, else when we received
 * it. Either way it is what orders it against the connector's other events, and a stamp out of bounds must not
 * put it ahead of (or behind) everything that comes later.
 */
export function eventTime(stamp: Date, receivedAt: Date, limits: ClockLimits): Date {
  return judgeStamp(stamp, receivedAt, limits) === 'trusted' ? stamp : receivedAt;
}

/**
 * When a meter reading was taken, for deciding whether it is the connector's newest: a reading stamped in the
 * future is taken as received now (a later real reading then replaces it); a stale one is no current reading
 * at all (null), since it tells nothing about now.
 */
export function readingTime(stamp: Date, receivedAt: Date, limits: ClockLimits): Date | null {
  const verdict = judgeStamp(stamp, receivedAt, limits);
  if (verdict === 'stale') return null;
  return verdict === 'future' ? receivedAt : stamp;
}

/**
 * The entries of a meter values list that may tell the connector's current reading: those stamped believably
 * when there are any (an entry stamped in the future beside them is a glitch of the clock), else those stamped
 * in the future (read as received, see `readingTime`); stale ones never.
 */
export function currentEntries<T extends { timestamp: string }>(
  meterValues: readonly T[],
  receivedAt: Date,
  limits: ClockLimits,
): T[] {
  const verdicts = meterValues.map((entry) => judgeStamp(new Date(entry.timestamp), receivedAt, limits));
  const wanted = verdicts.includes('trusted') ? 'trusted' : 'future';
  return meterValues.filter((_entry, index) => verdicts[index] === wanted);
}

/**
 * The charger's clock as one of its messages shows it, when the message tells the time it was sent: a
 * StatusNotification, the newest entry of a MeterValues, a TransactionEvent not queued while offline. A Boot
 * or Heartbeat carries no time in OCPP 1.6 or 2.0.1; Start/StopTransaction and queued events may be old.
 */
export function reportedClock(action: string, params: unknown): Date | null {
  const request = params as { timestamp?: unknown; offline?: unknown; meterValue?: unknown };
  if (action === 'StatusNotification') return parseStamp(request.timestamp);
  if (action === 'TransactionEvent' && request.offline !== true) return parseStamp(request.timestamp);
  if (action === 'MeterValues' && Array.isArray(request.meterValue)) {
    const stamps = request.meterValue.map((entry: { timestamp?: unknown }) => parseStamp(entry.timestamp));
    const times = stamps.flatMap((stamp) => (stamp ? [stamp.getTime()] : []));
    return times.length > 0 ? new Date(Math.max(...times)) : null;
  }
  return null;
}

/** Charger time − our time, in s (ms resolution). */
export function clockOffsetS(chargerTime: Date, receivedAt: Date): number {
  return (chargerTime.getTime() - receivedAt.getTime()) / 1000;
}

function parseStamp(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const stamp = new Date(value);
  return Number.isFinite(stamp.getTime()) ? stamp : null;
}

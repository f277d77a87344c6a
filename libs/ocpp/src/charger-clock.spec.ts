import {
  clockOffsetS,
  currentEntries,
  eventTime,
  judgeStamp,
  readingTime,
  reportedClock,
} from './charger-clock';

const limits = { maxSkewMs: 300_000, maxAgeMs: 86_400_000 };
const receivedAt = new Date('2026-06-01T12:00:00Z');
const shifted = (ms: number) => new Date(receivedAt.getTime() + ms);

describe(judgeStamp.name, () => {
  it.each([
    ['trusted', 0],
    ['trusted', 300_000],
    ['future', 300_001],
    ['trusted', -86_400_000],
    ['stale', -86_400_001],
  ])('is %s %i ms from the receive time', (verdict, offsetMs) => {
    expect(judgeStamp(shifted(offsetMs), receivedAt, limits)).toBe(verdict);
  });

  it('believes neither 9999-12-31 nor an unparsable stamp', () => {
    expect(judgeStamp(new Date('9999-12-31T23:59:59Z'), receivedAt, limits)).toBe('future');
    expect(judgeStamp(new Date('not a date'), receivedAt, limits)).toBe('future');
  });
});

describe('the time a stamp stands for', () => {
  it('keeps a believable stamp', () => {
    const stamp = shifted(-60_000);
    expect(eventTime(stamp, receivedAt, limits)).toBe(stamp);
    expect(readingTime(stamp, receivedAt, limits)).toBe(stamp);
  });

  it('takes an event or reading stamped in the future at its receive time', () => {
    const stamp = new Date('9999-12-31T00:00:00Z');
    expect(eventTime(stamp, receivedAt, limits)).toBe(receivedAt);
    expect(readingTime(stamp, receivedAt, limits)).toBe(receivedAt);
  });

  it('takes a stale event at its receive time and drops a stale reading as current', () => {
    const stamp = new Date('1970-01-01T00:00:00Z');
    expect(eventTime(stamp, receivedAt, limits)).toBe(receivedAt);
    expect(readingTime(stamp, receivedAt, limits)).toBeNull();
  });
});

describe(currentEntries.name, () => {
  const entry = (offsetMs: number) => ({ timestamp: shifted(offsetMs).toISOString() });

  it('prefers believable entries over one stamped in the future, and drops stale ones', () => {
    const [future, real, stale] = [entry(10 * 86_400_000), entry(-1000), entry(-2 * 86_400_000)];
    expect(currentEntries([future, real, stale], receivedAt, limits)).toEqual([real]);
    expect(currentEntries([future, stale], receivedAt, limits)).toEqual([future]);
    expect(currentEntries([stale], receivedAt, limits)).toEqual([]);
  });
});

describe(reportedClock.name, () => {
  it('reads StatusNotification, the newest MeterValues entry and a live TransactionEvent', () => {
    expect(reportedClock('StatusNotification', { timestamp: '2026-06-01T12:00:05Z' })).toEqual(
      new Date('2026-06-01T12:00:05Z'),
    );
    const meterValue = [{ timestamp: '2026-06-01T11:00:00Z' }, { timestamp: '2026-06-01T12:01:00Z' }];
    expect(reportedClock('MeterValues', { meterValue })).toEqual(new Date('2026-06-01T12:01:00Z'));
    expect(reportedClock('TransactionEvent', { timestamp: '2026-06-01T12:00:00Z' })).toEqual(receivedAt);
  });

  it('reads nothing from messages without a send time or queued offline', () => {
    expect(reportedClock('Heartbeat', {})).toBeNull();
    expect(reportedClock('BootNotification', { chargePointVendor: 'x' })).toBeNull();
    expect(reportedClock('StatusNotification', { connectorId: 1 })).toBeNull();
    expect(
      reportedClock('TransactionEvent', { timestamp: '2026-06-01T12:00:00Z', offline: true }),
    ).toBeNull();
    expect(reportedClock('StartTransaction', { timestamp: '2026-06-01T12:00:00Z' })).toBeNull();
  });
});

describe(clockOffsetS.name, () => {
  it('is charger time minus ours, in s', () => {
    expect(clockOffsetS(shifted(-2_500), receivedAt)).toBe(-2.5);
    expect(clockOffsetS(shifted(3_600_000), receivedAt)).toBe(3600);
  });
});

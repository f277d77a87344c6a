import { addDays, isoWeekday, localDateOf, localToUtc, minutesOf, zoneOffsetMs } from './local-time';

const AMS = 'Europe/Amsterdam';
const HOUR = 3_600_000;

describe(localToUtc.name, () => {
  it('converts a wall-clock time in winter and in summer', () => {
    expect(localToUtc('2026-01-15', minutesOf('17:00'), AMS).toISOString()).toBe('2026-01-15T16:00:00.000Z');
    expect(localToUtc('2026-07-15', minutesOf('17:00'), AMS).toISOString()).toBe('2026-07-15T15:00:00.000Z');
    expect(localToUtc('2026-07-15', minutesOf('17:00'), 'America/New_York').toISOString()).toBe(
      '2026-07-15T21:00:00.000Z',
    );
  });

  it('on the spring-forward date (2026-03-29), keeps times around the gap and moves one inside it forward', () => {
    expect(localToUtc('2026-03-29', minutesOf('01:59'), AMS).toISOString()).toBe('2026-03-29T00:59:00.000Z');
    expect(localToUtc('2026-03-29', minutesOf('02:30'), AMS).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(localToUtc('2026-03-29', minutesOf('03:00'), AMS).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(localToUtc('2026-03-29', minutesOf('24:00'), AMS).toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });

  it('on the fall-back date (2026-10-25), takes the first of a repeated time', () => {
    expect(localToUtc('2026-10-25', minutesOf('02:30'), AMS).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(localToUtc('2026-10-25', minutesOf('03:00'), AMS).toISOString()).toBe('2026-10-25T02:00:00.000Z');
    expect(localToUtc('2026-10-25', 0, AMS).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(localToUtc('2026-10-25', minutesOf('24:00'), AMS).toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });
});

describe('calendar helpers', () => {
  it('reads the offset, local date and weekday', () => {
    expect(zoneOffsetMs(Date.parse('2026-03-29T00:59:00Z'), AMS)).toBe(HOUR);
    expect(zoneOffsetMs(Date.parse('2026-03-29T01:00:00Z'), AMS)).toBe(2 * HOUR);
    expect(localDateOf(new Date('2026-10-24T22:30:00Z'), AMS)).toBe('2026-10-25');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(isoWeekday('2026-03-29')).toBe(7);
    expect(isoWeekday('2026-03-30')).toBe(1);
  });
});

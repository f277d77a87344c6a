/** Local calendar dates and wall-clock times in an IANA zone, converted to UTC instants without a library. */

const DAY_MS = 24 * 60 * 60 * 1000;

/** `YYYY-MM-DD` */
export type LocalDate = string;

function formatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The zone's offset from UTC at `instant`, in milliseconds (e.g. +1 h for Amsterdam in winter). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    +parts.year,
    +parts.month - 1,
    +parts.day,
    +parts.hour,
    +parts.minute,
    +parts.second,
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `minutes` after midnight (`minutes` may
 * be 1440 for the next midnight). Like Temporal's "compatible" disambiguation: a time skipped by a
 * spring-forward is moved forward by the gap, a time repeated by a fall-back is its first occurrence.
 */
export function localToUtc(date: LocalDate, minutes: number, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, day) + minutes * 60_000;
  const before = wall - zoneOffsetMs(wall - DAY_MS / 2, timeZone);
  const after = wall - zoneOffsetMs(wall + DAY_MS / 2, timeZone);
  const candidates = [before, after]
    .filter((t) => t + zoneOffsetMs(t, timeZone) === wall)
    .sort((a, b) => a - b);
  // In a spring-forward gap neither reading matches: the earlier offset moves the time forward by the gap.
  return new Date(candidates[0] ?? Math.max(before, after));
}

/** The calendar date in `timeZone` at `instant`. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  return new Date(instant.getTime() + zoneOffsetMs(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday of a calendar date: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
}

/** `HH:MM` (00:00 to 24:00) as minutes after midnight. */
export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

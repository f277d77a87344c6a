/**
 * RFC 3339 `date-time` (the JSON Schema format OSCP uses) with a mandatory offset: peers send `Z`,
 * `+00:00` and `+08:00`, with or without fractional seconds. `T`/`Z` may be lower case (RFC 3339 §5.6).
 */
const RFC3339_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Milliseconds since the epoch, or `undefined` when `value` is not a valid RFC 3339 date-time. */
export function parseRfc3339DateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = RFC3339_DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, offsetHour, offsetMinute] = match.map(
    // An absent offset group means Z.
    (part) => Number(part ?? 0),
  );
  if (!isCalendarDate(year, month, day)) return undefined;
  // Leap seconds (:60) are refused too: a JavaScript Date cannot represent them.
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return undefined;
  return Date.parse(value.toUpperCase());
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leapDay = month === 2 && isLeapYear(year) ? 1 : 0;
  return day <= DAYS_IN_MONTH[month - 1] + leapDay;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** pyoscp sends `YYYY-MM-DD HH:MM:SS` with no zone: read it as UTC. */
const ZONELESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)$/i;

/** Like `parseRfc3339DateTime`, and also accepts a space for `T` and a missing offset (read as UTC). */
export function parseLenientDateTime(value: unknown): number | undefined {
  const strict = parseRfc3339DateTime(value);
  if (strict !== undefined || typeof value !== 'string') return strict;
  const zoneless = ZONELESS_DATE_TIME.exec(value.trim());
  return zoneless ? parseRfc3339DateTime(`${zoneless[1]}T${zoneless[2]}Z`) : undefined;
}

import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * RFC 3339 `date-time` with a mandatory offset: `Z`, `+00:00` or `+08:00`, with or without fractional
 * seconds. `T`/`Z` may be lower case (RFC 3339 §5.6). A value without a zone names no instant.
 */
const RFC3339_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/i;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A day that exists: 2028-02-29 does, 2030-02-30 and 2030-13-01 do not. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leapDay = month === 2 && isLeapYear(year) ? 1 : 0;
  return day <= DAYS_IN_MONTH[month - 1] + leapDay;
}

/** Milliseconds since the epoch, or `undefined` when `value` is not a valid RFC 3339 date-time with an offset. */
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

/** Whether `value` is a `YYYY-MM-DD` date that exists in the calendar. */
export function isCalendarDateString(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = CALENDAR_DATE.exec(value);
  return match !== null && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** An instant: an RFC 3339 date-time that exists and carries `Z` or an offset. */
export function IsRfc3339Instant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339Instant',
      validator: {
        validate: (value) => parseRfc3339DateTime(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be an RFC 3339 instant that exists, with Z or an offset ` +
          `(e.g. 2030-01-01T00:00:00Z)`,
      },
    },
    options,
  );
}

/** A calendar day as `YYYY-MM-DD` that exists (no 30 February). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: isCalendarDateString,
        defaultMessage: (args) => `${args?.property} must be a date that exists, as YYYY-MM-DD`,
      },
    },
    options,
  );
}

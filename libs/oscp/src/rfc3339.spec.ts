import { parseRfc3339DateTime } from './rfc3339';

describe(parseRfc3339DateTime.name, () => {
  it.each([
    ['2025-06-01T10:00:00Z', Date.UTC(2025, 5, 1, 10)],
    ['2025-06-01T18:00:00+08:00', Date.UTC(2025, 5, 1, 10)],
    ['2025-06-01T05:30:00-04:30', Date.UTC(2025, 5, 1, 10)],
    ['2025-06-01T10:00:00+00:00', Date.UTC(2025, 5, 1, 10)],
    ['2025-06-01T10:00:00.250Z', Date.UTC(2025, 5, 1, 10, 0, 0, 250)],
    ['2025-06-01T10:00:00.5Z', Date.UTC(2025, 5, 1, 10, 0, 0, 500)],
    ['2025-06-01t10:00:00z', Date.UTC(2025, 5, 1, 10)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
  ])('parses %s', (value, expected) => {
    expect(parseRfc3339DateTime(value)).toBe(expected);
  });

  it.each([
    ['no offset', '2025-06-01T10:00:00'],
    ['no offset, with milliseconds', '2025-06-01T10:00:00.000'],
    ['a date only', '2025-06-01'],
    ['a space for T', '2025-06-01 10:00:00Z'],
    ['no seconds', '2025-06-01T10:00Z'],
    ['an offset without colon', '2025-06-01T10:00:00+0800'],
    ['an hour-only offset', '2025-06-01T10:00:00+08'],
    ['month 13', '2025-13-01T10:00:00Z'],
    ['30 February', '2025-02-30T10:00:00Z'],
    ['29 February of a common year', '2025-02-29T10:00:00Z'],
    ['29 February 1900', '1900-02-29T10:00:00Z'],
    ['hour 24', '2025-06-01T24:00:00Z'],
    ['minute 60', '2025-06-01T10:60:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['offset minute 60', '2025-06-01T10:00:00+08:60'],
    ['trailing text', '2025-06-01T10:00:00Zabc'],
    ['an empty string', ''],
  ])('refuses %s', (_case, value) => {
    expect(parseRfc3339DateTime(value)).toBeUndefined();
  });

  it.each([[1748772000], [null], [undefined], [{}]])('refuses the non-string %p', (value) => {
    expect(parseRfc3339DateTime(value)).toBeUndefined();
  });
});

import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IsCalendarDate, isCalendarDateString, IsRfc3339Instant, parseRfc3339DateTime } from './dates';

class Dated {
  @IsCalendarDate() date!: string;
  @IsRfc3339Instant() at!: string;
}

function refusedProperties(plain: object): string[] {
  return validateSync(plainToInstance(Dated, plain)).map((error) => error.property);
}

describe('strict dates', () => {
  it.each(['2030-02-28', '2028-02-29', '2000-02-29', '2030-12-31'])(
    'accepts the calendar date %s',
    (date) => {
      expect(isCalendarDateString(date)).toBe(true);
    },
  );

  it.each([
    '2030-02-30',
    '2030-02-29',
    '1900-02-29',
    '2030-04-31',
    '2030-13-01',
    '2030-00-10',
    '2030-1-01',
    'x',
  ])('refuses the calendar date %s', (date) => {
    expect(isCalendarDateString(date)).toBe(false);
  });

  it('refuses an instant without a zone, or on a day that does not exist', () => {
    expect(parseRfc3339DateTime('2030-01-01T10:00:00Z')).toBe(Date.UTC(2030, 0, 1, 10));
    expect(parseRfc3339DateTime('2030-01-01T10:00:00')).toBeUndefined();
    expect(parseRfc3339DateTime('2030-02-30T10:00:00Z')).toBeUndefined();
  });

  it('validates through the decorators, with messages naming the field', () => {
    expect(refusedProperties({ date: '2030-03-02', at: '2030-03-02T00:00:00+01:00' })).toEqual([]);
    expect(refusedProperties({ date: '2030-02-30', at: '2030-03-02T00:00:00' })).toEqual(['date', 'at']);
    const [error] = validateSync(plainToInstance(Dated, { date: '2030-02-30', at: '2030-03-02T00:00:00Z' }));
    expect(Object.values(error.constraints ?? {})).toEqual([
      'date must be a date that exists, as YYYY-MM-DD',
    ]);
  });
});

import {
  edgePatterns,
  peakShavingSeries,
  PeakShavingRule,
  ScheduleWindow,
  SiteShape,
  tariffSeries,
  windowIntervals,
} from './schedule-series';

const AMS = 'Europe/Amsterdam';
const site: SiteShape = { timeZone: AMS, nominalVoltageV: 230, gridLimitA: [100, 100, 80] };
const at = (iso: string) => new Date(iso);
const spans = (intervals: { start: Date; end: Date }[]) =>
  intervals.map((i) => [i.start.toISOString(), i.end.toISOString()]);

const window = (overrides: Partial<ScheduleWindow>): ScheduleWindow => ({
  weekdays: null,
  date: null,
  startTime: '00:00',
  endTime: '06:00',
  ...overrides,
});
const rule = (name: string, overrides: Partial<PeakShavingRule>): PeakShavingRule => ({
  ...window({}),
  name,
  limitKw: null,
  limitPercent: null,
  ...overrides,
});

describe(windowIntervals.name, () => {
  it('finds weekday windows in local time, in winter and summer', () => {
    const weekdays = window({ weekdays: [1, 2, 3, 4, 5], startTime: '17:00', endTime: '20:00' });
    // Friday 2026-01-16 to Monday 2026-01-19.
    expect(spans(windowIntervals(weekdays, AMS, at('2026-01-16T00:00Z'), at('2026-01-20T00:00Z')))).toEqual([
      ['2026-01-16T16:00:00.000Z', '2026-01-16T19:00:00.000Z'],
      ['2026-01-19T16:00:00.000Z', '2026-01-19T19:00:00.000Z'],
    ]);
    expect(spans(windowIntervals(weekdays, AMS, at('2026-07-15T00:00Z'), at('2026-07-16T00:00Z')))).toEqual([
      ['2026-07-15T15:00:00.000Z', '2026-07-15T18:00:00.000Z'],
    ]);
  });

  it('spans the short night of the spring-forward date (2026-03-29)', () => {
    const night = window({ startTime: '22:00', endTime: '06:00' });
    const [saturdayNight] = windowIntervals(night, AMS, at('2026-03-28T12:00Z'), at('2026-03-29T12:00Z'));
    expect([saturdayNight.start.toISOString(), saturdayNight.end.toISOString()]).toEqual([
      '2026-03-28T21:00:00.000Z',
      '2026-03-29T04:00:00.000Z',
    ]);
    expect(saturdayNight.end.getTime() - saturdayNight.start.getTime()).toBe(7 * 3_600_000);
  });

  it('drops a window that lies inside the skipped hour', () => {
    const skipped = window({ startTime: '02:00', endTime: '03:00' });
    expect(windowIntervals(skipped, AMS, at('2026-03-29T00:00Z'), at('2026-03-29T06:00Z'))).toEqual([]);
  });

  it('spans the long night of the fall-back date (2026-10-25), covering the repeated hour', () => {
    const night = window({ startTime: '22:00', endTime: '06:00' });
    const [saturdayNight] = windowIntervals(night, AMS, at('2026-10-24T12:00Z'), at('2026-10-25T12:00Z'));
    expect(saturdayNight.end.getTime() - saturdayNight.start.getTime()).toBe(9 * 3_600_000);
    const repeated = window({ startTime: '02:00', endTime: '03:00' });
    expect(spans(windowIntervals(repeated, AMS, at('2026-10-25T00:00Z'), at('2026-10-25T06:00Z')))).toEqual([
      ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z'],
    ]);
  });
});

describe(peakShavingSeries.name, () => {
  const weekdayPeak = rule('weekday peak', {
    weekdays: [1, 2, 3, 4, 5],
    startTime: '17:00',
    endTime: '20:00',
    limitKw: 60,
  });
  const nightFree = rule('night', { startTime: '00:00', endTime: '06:00' });
  const christmas = rule('christmas eve', {
    date: '2026-12-24',
    startTime: '00:00',
    endTime: '24:00',
    limitPercent: 50,
  });

  it('turns "weekdays 17:00-20:00 at most 60 kW" into a total-power limit in that window only', () => {
    const series = peakShavingSeries(
      [weekdayPeak, nightFree],
      site,
      at('2026-01-19T12:00Z'),
      at('2026-01-20T00:00Z'),
    );
    expect(series.map((s) => [s.start, s.end, s.limitsA, s.totalW, s.rules])).toEqual([
      ['2026-01-19T12:00:00.000Z', '2026-01-19T16:00:00.000Z', null, null, []],
      ['2026-01-19T16:00:00.000Z', '2026-01-19T19:00:00.000Z', null, 60_000, ['weekday peak']],
      ['2026-01-19T19:00:00.000Z', '2026-01-19T23:00:00.000Z', null, null, []],
      ['2026-01-19T23:00:00.000Z', '2026-01-20T00:00:00.000Z', null, null, ['night']],
    ]);
  });

  it('lets a dated rule replace the recurring ones, as a share of the grid connection', () => {
    const series = peakShavingSeries(
      [weekdayPeak, christmas],
      site,
      at('2026-12-24T15:00Z'),
      at('2026-12-24T20:00Z'),
    );
    expect(series).toEqual([
      {
        start: '2026-12-24T15:00:00.000Z',
        end: '2026-12-24T20:00:00.000Z',
        limitsA: [50, 50, 40],
        totalW: null,
        rules: ['christmas eve'],
      },
    ]);
  });

  it('takes the tightest of overlapping recurring rules, per phase and in total', () => {
    const half = rule('half', { startTime: '17:00', endTime: '18:00', limitPercent: 50 });
    const [segment] = peakShavingSeries(
      [weekdayPeak, half],
      site,
      at('2026-01-19T16:00Z'),
      at('2026-01-19T17:00Z'),
    );
    expect(segment).toMatchObject({ limitsA: [50, 50, 40], totalW: 60_000 });
    const tighter = rule('tight', { startTime: '17:00', endTime: '18:00', limitPercent: 20 });
    const [next] = peakShavingSeries(
      [weekdayPeak, tighter],
      site,
      at('2026-01-19T16:00Z'),
      at('2026-01-19T17:00Z'),
    );
    expect(next.limitsA).toEqual([20, 20, 16]);
    const lower = rule('lower', { startTime: '17:00', endTime: '18:00', limitKw: 40 });
    const [both] = peakShavingSeries(
      [weekdayPeak, lower],
      site,
      at('2026-01-19T16:00Z'),
      at('2026-01-19T17:00Z'),
    );
    expect(both).toMatchObject({ limitsA: null, totalW: 40_000 });
  });

  it('keeps the window in local time across the fall-back change (2026-10-25 is a Sunday, so use every day)', () => {
    const evening = rule('evening', { startTime: '17:00', endTime: '20:00', limitPercent: 10 });
    const limited = (from: string, to: string) =>
      peakShavingSeries([evening], site, at(from), at(to)).filter((s) => s.limitsA !== null);
    expect(limited('2026-10-24T00:00Z', '2026-10-25T00:00Z').map((s) => s.start)).toEqual([
      '2026-10-24T15:00:00.000Z',
    ]);
    expect(limited('2026-10-25T00:00Z', '2026-10-26T00:00Z').map((s) => s.start)).toEqual([
      '2026-10-25T16:00:00.000Z',
    ]);
  });
});

describe(tariffSeries.name, () => {
  it('prices the windows, the dated tariff replacing the recurring one and the higher price winning overlaps', () => {
    const base = { weekdays: null, date: null, currency: 'EUR' };
    const tariffs = [
      { ...base, name: 'peak', startTime: '17:00', endTime: '21:00', pricePerKwh: 0.4 },
      { ...base, name: 'evening', startTime: '20:00', endTime: '23:00', pricePerKwh: 0.3 },
      {
        ...base,
        name: 'holiday',
        date: '2026-12-25',
        startTime: '00:00',
        endTime: '24:00',
        pricePerKwh: 0.1,
      },
    ];
    expect(tariffSeries(tariffs, AMS, at('2026-12-24T15:00Z'), at('2026-12-25T17:00Z'))).toEqual([
      {
        start: '2026-12-24T16:00:00.000Z',
        end: '2026-12-24T20:00:00.000Z',
        pricePerKwh: 0.4,
        currency: 'EUR',
      },
      {
        start: '2026-12-24T20:00:00.000Z',
        end: '2026-12-24T22:00:00.000Z',
        pricePerKwh: 0.3,
        currency: 'EUR',
      },
      {
        start: '2026-12-24T23:00:00.000Z',
        end: '2026-12-25T17:00:00.000Z',
        pricePerKwh: 0.1,
        currency: 'EUR',
      },
    ]);
  });
});

describe(edgePatterns.name, () => {
  it.each([
    [
      window({ weekdays: [1, 2, 3, 4, 5], startTime: '17:00', endTime: '20:00' }),
      '0 17 * * 1,2,3,4,5',
      '0 20 * * 1,2,3,4,5',
    ],
    [window({ startTime: '00:00', endTime: '06:30' }), '0 0 * * *', '30 6 * * *'],
    [
      window({ weekdays: [5, 6, 7], startTime: '22:00', endTime: '06:00' }),
      '0 22 * * 0,5,6',
      '0 6 * * 0,1,6',
    ],
    [window({ date: '2026-12-31', startTime: '18:00', endTime: '24:00' }), '0 18 31 12 *', '0 0 1 1 *'],
  ])('gives the start and end of %j as cron patterns', (w, start, end) => {
    expect(edgePatterns(w)).toEqual({ start, end });
  });
});

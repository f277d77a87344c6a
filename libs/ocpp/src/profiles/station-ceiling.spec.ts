import { ceilingPeakA, cutCeiling, sameCeiling, stationCeiling } from './station-ceiling';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const at = (hhmm: string) => `2026-03-01T${hhmm}:00.000Z`;

describe('stationCeiling', () => {
  it('is the safe share alone, open-ended, when the plans stay within it', () => {
    const plans = [
      [{ start: at('11:45'), end: null, limitA: 10 }],
      [{ start: at('11:45'), end: null, limitA: 8 }],
    ];
    expect(stationCeiling(20, plans, NOW)).toEqual([{ start: NOW.toISOString(), end: null, limitA: 20 }]);
    expect(stationCeiling(20, [], NOW)).toEqual([{ start: NOW.toISOString(), end: null, limitA: 20 }]);
  });

  it("follows the sum of the connectors' plans above the safe share, then falls back to it", () => {
    const plans = [
      [
        { start: at('11:45'), end: at('12:30'), limitA: 32 },
        { start: at('12:30'), end: at('13:00'), limitA: 16 },
      ],
      [
        { start: at('11:45'), end: at('12:30'), limitA: 0 },
        { start: at('12:30'), end: at('13:00'), limitA: 16 },
      ],
    ];
    expect(stationCeiling(20, plans, NOW)).toEqual([
      { start: NOW.toISOString(), end: at('13:00'), limitA: 32 },
      { start: at('13:00'), end: null, limitA: 20 },
    ]);
  });

  it('never follows a plan above what the charger can ever be meant to draw', () => {
    const plans = [[{ start: at('11:45'), end: at('13:00'), limitA: 30 }]];
    expect(stationCeiling(10, plans, NOW, 25)).toEqual([
      { start: NOW.toISOString(), end: at('13:00'), limitA: 25 },
      { start: at('13:00'), end: null, limitA: 10 },
    ]);
    expect(stationCeiling(10, plans, NOW, 10)).toEqual([{ start: NOW.toISOString(), end: null, limitA: 10 }]);
  });

  it('keeps an open-ended plan above the safe share open-ended, as the TxProfile does', () => {
    const plans = [[{ start: at('11:45'), end: null, limitA: 32 }]];
    expect(stationCeiling(20, plans, NOW)).toEqual([{ start: NOW.toISOString(), end: null, limitA: 32 }]);
  });
});

describe('stationCeiling of long plans', () => {
  it('sums plans of 10,000 minute periods each, offset by half a minute (once infeasible: quadratic)', () => {
    const MINUTE_MS = 60_000;
    const PERIODS = 10_000;
    const plan = (offsetMs: number, limitOf: (i: number) => number) =>
      Array.from({ length: PERIODS }, (_, i) => ({
        start: new Date(NOW.getTime() + offsetMs + i * MINUTE_MS).toISOString(),
        end: new Date(NOW.getTime() + offsetMs + (i + 1) * MINUTE_MS).toISOString(),
        limitA: limitOf(i),
      }));
    const a = plan(0, (i) => 10 + (i % 2));
    const b = plan(MINUTE_MS / 2, () => 20);

    const ceiling = stationCeiling(0, [a, b], NOW);

    // a's first half minute alone; then both, changing with a's minutes (b's 20 A never does).
    expect(ceiling[0]).toEqual({ start: NOW.toISOString(), end: b[0].start, limitA: 10 });
    const both = ceiling.slice(1, -2);
    expect(both).toHaveLength(PERIODS);
    both.forEach((period, k) => {
      expect(period).toEqual({
        start: k === 0 ? b[0].start : a[k].start,
        end: a[k].end,
        limitA: 30 + (k % 2),
      });
    });
    expect(ceiling.slice(-2)).toEqual([
      { start: a[PERIODS - 1].end, end: b[PERIODS - 1].end, limitA: 20 },
      { start: b[PERIODS - 1].end, end: null, limitA: 0 },
    ]);
  });
});

describe('sameCeiling', () => {
  const raised = [
    { start: at('11:00'), end: at('12:30'), limitA: 32 },
    { start: at('12:30'), end: null, limitA: 20 },
  ];

  it('ignores where the current period started, and what has already ended', () => {
    const later = [
      { start: NOW.toISOString(), end: at('12:30'), limitA: 32 },
      { start: at('12:30'), end: null, limitA: 20 },
    ];
    expect(sameCeiling(raised, later, NOW)).toBe(true);
    const afterRaise = new Date(at('12:40'));
    expect(sameCeiling(raised, [{ start: at('12:40'), end: null, limitA: 20 }], afterRaise)).toBe(true);
  });

  it('tells a different limit or end apart', () => {
    expect(sameCeiling(raised, [{ start: NOW.toISOString(), end: null, limitA: 20 }], NOW)).toBe(false);
    const longer = [
      { start: NOW.toISOString(), end: at('13:00'), limitA: 32 },
      { start: at('13:00'), end: null, limitA: 20 },
    ];
    expect(sameCeiling(raised, longer, NOW)).toBe(false);
  });

  it('gives the highest limit from now on', () => {
    expect(ceilingPeakA(raised, NOW)).toBe(32);
    expect(ceilingPeakA(raised, new Date(at('12:40')))).toBe(20);
  });
});

describe('cutCeiling', () => {
  const ceiling = [
    { start: '2026-03-01T12:00:00.000Z', end: '2026-03-01T12:10:00.000Z', limitA: 20 },
    { start: '2026-03-01T12:10:00.000Z', end: '2026-03-01T12:20:00.000Z', limitA: 10 },
    { start: '2026-03-01T12:20:00.000Z', end: '2026-03-01T13:00:00.000Z', limitA: 32 },
    { start: '2026-03-01T13:00:00.000Z', end: null, limitA: 16 },
  ];

  it('keeps the lowest of the rest from the last period on', () => {
    expect(cutCeiling(ceiling, 2)).toEqual([
      ceiling[0],
      { start: '2026-03-01T12:10:00.000Z', end: null, limitA: 10 },
    ]);
  });

  it('leaves a ceiling within the limit as it is', () => {
    expect(cutCeiling(ceiling, 4)).toEqual(ceiling);
  });
});

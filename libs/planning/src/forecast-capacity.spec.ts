import fc from 'fast-check';
import {
  capacityTimeline,
  groupCapacity,
  toPhaseAmps,
  type OscpBlock,
  type StoredForecast,
} from './forecast-capacity';

const VOLTS = 230;

/** A block on 2026-03-01 between two UTC hours, e.g. block(10, 11, 32). */
function block(
  fromHour: number,
  toHour: number,
  capacity: number,
  overrides: Partial<OscpBlock> = {},
): OscpBlock {
  return {
    capacity,
    phase: 'ALL',
    unit: 'A',
    start_time: utc(fromHour),
    end_time: utc(toHour),
    ...overrides,
  };
}

function utc(hour: number): string {
  return new Date(Date.UTC(2026, 2, 1, 0, hour * 60)).toISOString();
}

function message(receivedHour: number, ...blocks: OscpBlock[]): StoredForecast {
  return { receivedAt: new Date(utc(receivedHour)), blocks };
}

function rounded(values: readonly number[]): number[] {
  return values.map((v) => Math.round(v * 100) / 100);
}

const LONG_AGO = new Date(utc(-24));

/** The timeline as [start hour, end hour, limit on L1] triples, for one-phase-value assertions. */
function hours(forecasts: StoredForecast[]): [number, number, number][] {
  const hour = (iso: string) => (Date.parse(iso) - Date.parse(utc(0))) / 3_600_000;
  return capacityTimeline(forecasts, VOLTS, LONG_AGO).map((b) => [hour(b.start), hour(b.end), b.limitsA[0]]);
}

describe('span replacement with trimming (oscp.md §3.4)', () => {
  it('keeps the day-ahead hour around a 10-minute emergency inside it', () => {
    const dayAhead = message(0, block(10, 11, 20), block(11, 12, 21));
    const emergency = message(1, block(10 + 20 / 60, 10.5, 5));
    expect(hours([dayAhead, emergency]).map(([from, to, amps]) => [from * 60, to * 60, amps])).toEqual([
      [600, 620, 20],
      [620, 630, 5],
      [630, 660, 20],
      [660, 720, 21],
    ]);
  });

  it('trims older blocks to the parts outside the newer span and keeps those outside it whole', () => {
    const older = message(0, block(10, 11, 10), block(11, 12, 11), block(12, 13, 12), block(13, 14, 13));
    const newer = message(1, block(11.5, 12.5, 20));
    expect(hours([older, newer])).toEqual([
      [10, 11, 10],
      [11, 11.5, 11],
      [11.5, 12.5, 20],
      [12.5, 13, 12],
      [13, 14, 13],
    ]);
  });

  it('leaves a gap where the newer message’s span has no block, even over an older block', () => {
    const older = message(0, block(10, 13, 11));
    const newer = message(1, block(10, 11, 20), block(12, 13, 20));
    expect(hours([older, newer])).toEqual([
      [10, 11, 20],
      [12, 13, 20],
    ]);
  });

  it('treats blocks that only touch the span as outside it', () => {
    const older = message(0, block(9, 10, 9), block(12, 13, 12));
    const newer = message(1, block(10, 12, 20));
    expect(hours([older, newer])).toEqual([
      [9, 10, 9],
      [10, 12, 20],
      [12, 13, 12],
    ]);
  });

  it('applies messages in order of receipt, not of the array', () => {
    const newer = message(2, block(10, 11, 20));
    const older = message(1, block(10, 11, 10));
    expect(hours([newer, older])).toEqual([[10, 11, 20]]);
  });

  it('takes the lower limit where blocks of one message overlap, but never an older message’s', () => {
    const older = message(0, block(10, 12, 4));
    const newer = message(1, block(10, 12, 20), block(11, 13, 16));
    expect(hours([older, newer])).toEqual([
      [10, 11, 20],
      [11, 13, 16],
    ]);
  });

  it('replaces per phase indicator: a message for one phase leaves the other phases’ blocks alone', () => {
    const l1 = message(0, block(10, 12, 16, { phase: 'ONE' }));
    const l2 = message(1, block(10, 12, 20, { phase: 'TWO' }));
    const l1Again = message(2, block(11, 12, 25, { phase: 'ONE' }));
    expect(capacityTimeline([l1, l2, l1Again], VOLTS, LONG_AGO)).toEqual([
      { start: utc(10), end: utc(11), limitsA: [16, 20, Infinity] },
      { start: utc(11), end: utc(12), limitsA: [25, 20, Infinity] },
    ]);
  });

  it.each([
    ['+08:00 without milliseconds', '2026-03-01T18:30:00+08:00', '2026-03-01T19:00:00+08:00'],
    ['+08:00 with milliseconds', '2026-03-01T18:30:00.000+08:00', '2026-03-01T19:00:00.000+08:00'],
    ['+00:00', '2026-03-01T10:30:00+00:00', '2026-03-01T11:00:00.000+00:00'],
    ['Z', '2026-03-01T10:30:00Z', '2026-03-01T11:00:00.000Z'],
  ])('compares instants, not strings, for times with %s', (_, start_time, end_time) => {
    const older = message(0, { ...block(10, 11, 10), start_time: '2026-03-01T18:00:00+08:00' });
    const newer = message(1, { ...block(0, 0, 20), start_time, end_time });
    expect(hours([older, newer])).toEqual([
      [10, 10.5, 10],
      [10.5, 11, 20],
    ]);
  });

  it('rejects a block that does not end after it starts', () => {
    expect(() => capacityTimeline([message(0, block(11, 11, 10))], VOLTS, LONG_AGO)).toThrow(
      'OSCP block 2026-03-01T11:00:00.000Z..2026-03-01T11:00:00.000Z 10 A ALL: start_time must be before end_time',
    );
  });

  it('rejects an unreadable time', () => {
    const unreadable = message(0, { ...block(10, 11, 10), start_time: 'soon' });
    expect(() => capacityTimeline([unreadable], VOLTS, LONG_AGO)).toThrow('Invalid OSCP date-time "soon"');
  });
});

describe(toPhaseAmps.name, () => {
  it.each<[OscpBlock['phase'], number[]]>([
    ['ONE', [16, Infinity, Infinity]],
    ['TWO', [Infinity, 16, Infinity]],
    ['THREE', [Infinity, Infinity, 16]],
    ['ALL', [16, 16, 16]],
  ])('reads amperes as the current on phase %s', (phase, expected) => {
    expect(toPhaseAmps(block(10, 11, 16, { phase }), VOLTS)).toEqual(expected);
  });

  it('reads amperes on phase UNKNOWN as the tighter three-phase total', () => {
    expect(toPhaseAmps(block(10, 11, 48, { phase: 'UNKNOWN' }), VOLTS)).toEqual([16, 16, 16]);
  });

  it.each<[string, Partial<OscpBlock>, number, 'PER_PHASE' | 'TOTAL', number[]]>([
    ['48 A ALL as a total', { unit: 'A' }, 48, 'TOTAL', [16, 16, 16]],
    ['48 A ALL per phase', { unit: 'A' }, 48, 'PER_PHASE', [48, 48, 48]],
    ['23 kW ALL per phase', { unit: 'KW' }, 23, 'PER_PHASE', [100, 100, 100]],
    ['23 kW ALL as a total', { unit: 'KW' }, 23, 'TOTAL', [33.33, 33.33, 33.33]],
    [
      '23 kW UNKNOWN, whatever the option',
      { unit: 'KW', phase: 'UNKNOWN' },
      23,
      'PER_PHASE',
      [33.33, 33.33, 33.33],
    ],
    ['16 A ONE, whatever the option', { unit: 'A', phase: 'ONE' }, 16, 'TOTAL', [16, Infinity, Infinity]],
  ])('with the peer option, reads %s', (_, overrides, capacity, phaseAll, expected) => {
    const amps = toPhaseAmps(block(10, 11, capacity, overrides), { nominalVoltageV: VOLTS, phaseAll });
    expect(rounded(amps)).toEqual(expected);
  });

  it('converts with the voltage the peer option gives', () => {
    const amps = toPhaseAmps(block(10, 11, 12, { unit: 'KW', phase: 'ONE' }), { nominalVoltageV: 240 });
    expect(amps).toEqual([50, Infinity, Infinity]);
  });

  it.each<[string, Partial<OscpBlock>, number, number[]]>([
    ['23 kW ALL as a three-phase total', { unit: 'KW', phase: 'ALL' }, 23, [33.33, 33.33, 33.33]],
    ['23000 W ALL like 23 kW', { unit: 'W', phase: 'ALL' }, 23000, [33.33, 33.33, 33.33]],
    ['7.36 kW ONE on L1 alone', { unit: 'KW', phase: 'ONE' }, 7.36, [32, Infinity, Infinity]],
    ['4600 W TWO on L2 alone', { unit: 'W', phase: 'TWO' }, 4600, [Infinity, 20, Infinity]],
    ['2.3 kW THREE on L3 alone', { unit: 'KW', phase: 'THREE' }, 2.3, [Infinity, Infinity, 10]],
    [
      '23 kW UNKNOWN as the tighter three-phase total',
      { unit: 'KW', phase: 'UNKNOWN' },
      23,
      [33.33, 33.33, 33.33],
    ],
  ])('converts %s', (_, overrides, capacity, expected) => {
    expect(rounded(toPhaseAmps(block(10, 11, capacity, overrides), VOLTS))).toEqual(expected);
  });

  it('spreads an energy budget evenly over the block: 11 kWh in 30 min is 22 kW', () => {
    const amps = toPhaseAmps(block(10, 10.5, 11, { unit: 'KWH', phase: 'ALL' }), VOLTS);
    const asPower = toPhaseAmps(block(10, 10.5, 22, { unit: 'KW', phase: 'ALL' }), VOLTS);
    expect(amps).toEqual(asPower);
    expect(rounded(amps)).toEqual([31.88, 31.88, 31.88]);
  });

  it('reads watt-hours on one phase: 5750 Wh over 2 h is 2875 W on L2', () => {
    expect(toPhaseAmps(block(10, 12, 5750, { unit: 'WH', phase: 'TWO' }), VOLTS)).toEqual([
      Infinity,
      12.5,
      Infinity,
    ]);
  });

  it('takes the block duration from instants with offsets and milliseconds', () => {
    const halfHour = {
      ...block(0, 0, 11, { unit: 'KWH' as const }),
      start_time: '2026-03-01T18:00:00.000+08:00',
      end_time: '2026-03-01T10:30:00Z',
    };
    expect(rounded(toPhaseAmps(halfHour, VOLTS))).toEqual([31.88, 31.88, 31.88]);
  });

  it('reads times without a zone as UTC, whatever the host zone', () => {
    const zoneless = {
      ...block(0, 0, 1, { unit: 'KWH' as const }),
      start_time: '2026-03-01T10:00:00',
      end_time: '2026-03-01T10:30:00Z',
    };
    expect(rounded(toPhaseAmps(zoneless, VOLTS))).toEqual([2.9, 2.9, 2.9]);
  });

  it.each([0, -230, NaN])('rejects a nominal voltage of %p', (volts) => {
    expect(() => toPhaseAmps(block(10, 11, 16), volts)).toThrow(
      `Nominal voltage must be a positive number of volts, got ${volts}`,
    );
  });

  it('rejects a negative capacity', () => {
    expect(() => toPhaseAmps(block(10, 11, -1), VOLTS)).toThrow('capacity must be a finite number >= 0');
  });
});

describe(capacityTimeline.name, () => {
  it('splits overlapping blocks into elementary intervals with the minimum per phase', () => {
    const forecast = message(0, block(10, 12, 32), block(11, 13, 20, { phase: 'TWO' }));
    expect(capacityTimeline([forecast], VOLTS, LONG_AGO)).toEqual([
      { start: utc(10), end: utc(11), limitsA: [32, 32, 32] },
      { start: utc(11), end: utc(12), limitsA: [32, 20, 32] },
      { start: utc(12), end: utc(13), limitsA: [Infinity, 20, Infinity] },
    ]);
  });

  it('combines per-phase blocks from several messages into one limit per phase', () => {
    const forecasts = [
      message(0, block(10, 11, 16, { phase: 'ONE' })),
      message(1, block(10, 11, 20, { phase: 'TWO' })),
      message(2, block(10, 11, 6.9, { phase: 'THREE', unit: 'KW' })),
      message(3, block(10, 11, 23, { phase: 'ALL', unit: 'KW' })),
    ];
    // L1 and L2 come from their own blocks, L3 from 6.9 kW on L3 (30 A) beating 23 kW over three (33.33 A).
    const [interval, ...rest] = capacityTimeline(forecasts, VOLTS, LONG_AGO);
    expect(rest).toEqual([]);
    expect([interval.start, interval.end]).toEqual([utc(10), utc(11)]);
    expect(rounded(interval.limitsA)).toEqual([16, 20, 30]);
  });

  it('applies replacement before combining', () => {
    const forecasts = [message(0, block(10, 12, 10)), message(1, block(11, 12, 25))];
    expect(capacityTimeline(forecasts, VOLTS, LONG_AGO)).toEqual([
      { start: utc(10), end: utc(11), limitsA: [10, 10, 10] },
      { start: utc(11), end: utc(12), limitsA: [25, 25, 25] },
    ]);
  });

  it('joins neighbours with equal limits', () => {
    const forecast = message(0, block(10, 11, 16), block(11, 12, 16), block(12, 13, 20));
    expect(capacityTimeline([forecast], VOLTS, LONG_AGO)).toEqual([
      { start: utc(10), end: utc(12), limitsA: [16, 16, 16] },
      { start: utc(12), end: utc(13), limitsA: [20, 20, 20] },
    ]);
  });

  it('leaves gaps out and sorts by start', () => {
    const forecast = message(0, block(14, 15, 30), block(10, 11, 10));
    expect(capacityTimeline([forecast], VOLTS, LONG_AGO).map((b) => [b.start, b.end])).toEqual([
      [utc(10), utc(11)],
      [utc(14), utc(15)],
    ]);
  });

  it('drops intervals ended by now and keeps the one now falls in', () => {
    const forecast = message(0, block(10, 11, 10), block(11, 12, 11), block(12, 13, 12));
    const timeline = capacityTimeline([forecast], VOLTS, new Date(utc(11.5)));
    expect(timeline).toEqual([
      { start: utc(11), end: utc(12), limitsA: [11, 11, 11] },
      { start: utc(12), end: utc(13), limitsA: [12, 12, 12] },
    ]);
  });

  it('drops an interval that ends exactly now', () => {
    const forecast = message(0, block(10, 11, 10), block(11, 12, 11));
    expect(capacityTimeline([forecast], VOLTS, new Date(utc(11))).map((b) => b.start)).toEqual([utc(11)]);
  });

  it('outputs UTC instants for times received with offsets', () => {
    const forecast = message(0, {
      ...block(0, 0, 16),
      start_time: '2026-03-01T18:00:00+08:00',
      end_time: '2026-03-01T19:15:00.250+08:00',
    });
    expect(capacityTimeline([forecast], VOLTS, LONG_AGO)).toEqual([
      { start: '2026-03-01T10:00:00.000Z', end: '2026-03-01T11:15:00.250Z', limitsA: [16, 16, 16] },
    ]);
  });

  it('is empty without forecasts', () => {
    expect(capacityTimeline([], VOLTS, LONG_AGO)).toEqual([]);
  });
});

describe(groupCapacity.name, () => {
  const online = (gapA: number, forecasts: StoredForecast[], gapForecasts: StoredForecast[] = []) => ({
    forecasts,
    gapForecasts,
    conversion: VOLTS,
    gapLimitsA: [gapA, gapA, gapA] as [number, number, number],
  });
  const offline = (safeA: number, ...forecasts: StoredForecast[]) => ({
    forecasts,
    conversion: VOLTS,
    gapLimitsA: [safeA, safeA, safeA] as [number, number, number],
    origins: { forecast: 'offline: fallback forecast', gapForecast: '', gap: 'offline: safe default' },
  });

  it('fills an online source’s gaps with its fallback forecast where it covers them, else its default', () => {
    const consumption = message(1, block(10, 11, 20), block(12, 13, 22));
    const fallback = message(0, block(11, 11.5, 6));
    expect(groupCapacity([online(0, [consumption], [fallback])], LONG_AGO)).toEqual({
      timeline: [
        { start: utc(10), end: utc(11), limitsA: [20, 20, 20], origin: 'forecast' },
        { start: utc(11), end: utc(11.5), limitsA: [6, 6, 6], origin: 'gap: fallback forecast' },
        // 11:30 to 12:00 is covered by no block: the gap limit below applies there.
        { start: utc(12), end: utc(13), limitsA: [22, 22, 22], origin: 'forecast' },
      ],
      gapLimitsA: [0, 0, 0],
      gapOrigin: 'gap: safe default',
    });
  });

  it('lets a forecast above the fallback apply where it covers the time', () => {
    const consumption = message(1, block(10, 11, 20));
    const fallback = message(0, block(9, 12, 6));
    expect(groupCapacity([online(0, [consumption], [fallback])], LONG_AGO).timeline).toEqual([
      { start: utc(9), end: utc(10), limitsA: [6, 6, 6], origin: 'gap: fallback forecast' },
      { start: utc(10), end: utc(11), limitsA: [20, 20, 20], origin: 'forecast' },
      { start: utc(11), end: utc(12), limitsA: [6, 6, 6], origin: 'gap: fallback forecast' },
    ]);
  });

  it('fills a phase the forecast does not name from the gap layers', () => {
    const consumption = message(0, block(10, 11, 16, { phase: 'ONE' }));
    const fallback = message(0, block(10, 11, 8, { phase: 'TWO' }));
    expect(groupCapacity([online(3, [consumption], [fallback])], LONG_AGO).timeline).toEqual([
      { start: utc(10), end: utc(11), limitsA: [16, 8, 3], origin: 'gap: safe default' },
    ]);
  });

  it('for an offline source fills its gaps with the safe default, never leaving them unlimited', () => {
    const fallback = message(0, block(10, 11, 10), block(12, 13, 20));
    expect(groupCapacity([offline(0, fallback)], LONG_AGO)).toEqual({
      timeline: [
        { start: utc(10), end: utc(11), limitsA: [10, 10, 10], origin: 'offline: fallback forecast' },
        { start: utc(12), end: utc(13), limitsA: [20, 20, 20], origin: 'offline: fallback forecast' },
      ],
      gapLimitsA: [0, 0, 0],
      gapOrigin: 'offline: safe default',
    });
  });

  it('takes the tightest source per phase, each source applying its own default where it has no block', () => {
    const a = message(0, block(10, 12, 30));
    const b = message(0, block(11, 13, 16, { phase: 'TWO' }));
    expect(groupCapacity([online(Infinity, [a]), offline(8, b)], LONG_AGO)).toEqual({
      timeline: [
        // The fallback block names L2 only: L1 and L3 take the safe default, L2 the block.
        { start: utc(10), end: utc(11), limitsA: [8, 8, 8], origin: 'offline: safe default' },
        { start: utc(11), end: utc(13), limitsA: [8, 16, 8], origin: 'offline: safe default' },
      ],
      gapLimitsA: [8, 8, 8],
      gapOrigin: 'offline: safe default',
    });
    expect(groupCapacity([online(Infinity, [a]), offline(40, b)], LONG_AGO).timeline).toEqual([
      { start: utc(10), end: utc(11), limitsA: [30, 30, 30], origin: 'forecast' },
      // The origin is that of the tightest phase, L2.
      { start: utc(11), end: utc(12), limitsA: [30, 16, 30], origin: 'offline: fallback forecast' },
      { start: utc(12), end: utc(13), limitsA: [40, 16, 40], origin: 'offline: fallback forecast' },
    ]);
  });

  it('is empty with no sources, and unlimited in the gaps', () => {
    expect(groupCapacity([], LONG_AGO)).toEqual({ timeline: [], gapLimitsA: [Infinity, Infinity, Infinity] });
  });
});

describe('groupCapacity against a literal reading of oscp.md §3.4 (property)', () => {
  const QUARTER_MS = 900_000;
  const T0 = Date.parse(utc(0));
  const quarter = (q: number) => new Date(T0 + q * QUARTER_MS).toISOString();

  const blockArb = fc.record({
    phase: fc.constantFrom<OscpBlock['phase']>('ALL', 'ONE', 'TWO', 'UNKNOWN'),
    from: fc.nat({ max: 16 }),
    length: fc.integer({ min: 1, max: 6 }),
    capacity: fc.nat({ max: 50 }),
  });
  const messageArb = fc.record({
    receivedAt: fc.nat({ max: 4 }),
    blocks: fc.array(blockArb, { minLength: 1, maxLength: 4 }),
  });
  const layerArb = fc.array(messageArb, { maxLength: 5 });
  const sourceArb = fc.record({
    forecasts: layerArb,
    gapForecasts: layerArb,
    gapA: fc.oneof(fc.constant(Infinity), fc.nat({ max: 40 })),
  });

  type Generated = {
    receivedAt: number;
    blocks: { phase: OscpBlock['phase']; from: number; length: number; capacity: number }[];
  };

  const toStored = (messages: Generated[]): StoredForecast[] =>
    messages.map((m) => ({
      receivedAt: new Date(T0 + m.receivedAt * 1000),
      blocks: m.blocks.map((b) => ({
        capacity: b.capacity,
        phase: b.phase,
        unit: 'A' as const,
        start_time: quarter(b.from),
        end_time: quarter(b.from + b.length),
      })),
    }));

  interface Kept {
    phase: OscpBlock['phase'];
    from: number;
    to: number;
    amps: PerPhaseArray;
  }
  type PerPhaseArray = readonly number[];

  /** Each message, in order of receipt, cuts its span out of the kept blocks of its phase indicators. */
  function trimmed(forecasts: StoredForecast[]): Kept[] {
    const ordered = [...forecasts].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
    let kept: Kept[] = [];
    for (const forecast of ordered) {
      const incoming = forecast.blocks.map((b) => ({
        phase: b.phase,
        from: Date.parse(b.start_time),
        to: Date.parse(b.end_time),
        amps: toPhaseAmps(b, VOLTS),
      }));
      for (const phase of new Set(incoming.map((b) => b.phase))) {
        const own = incoming.filter((b) => b.phase === phase);
        const span = { from: Math.min(...own.map((b) => b.from)), to: Math.max(...own.map((b) => b.to)) };
        kept = kept.flatMap((b) =>
          b.phase !== phase
            ? [b]
            : [
                { ...b, to: Math.min(b.to, span.from) },
                { ...b, from: Math.max(b.from, span.to) },
              ].filter((part) => part.from < part.to),
        );
      }
      kept.push(...incoming);
    }
    return kept;
  }

  function layerAt(kept: Kept[], t: number, phase: number): number | undefined {
    const covering = kept.filter((b) => b.from <= t && t < b.to && Number.isFinite(b.amps[phase]));
    return covering.length === 0 ? undefined : Math.min(...covering.map((b) => b.amps[phase]));
  }

  function referenceAt(sources: ReturnType<typeof toSource>[], t: number): number[] {
    return [0, 1, 2].map((phase) =>
      Math.min(
        Infinity,
        ...sources.map(
          (source) =>
            layerAt(trimmed(source.forecasts), t, phase) ??
            layerAt(trimmed(source.gapForecasts), t, phase) ??
            source.gapLimitsA[phase],
        ),
      ),
    );
  }

  function toSource(generated: { forecasts: Generated[]; gapForecasts: Generated[]; gapA: number }) {
    return {
      forecasts: toStored(generated.forecasts),
      gapForecasts: toStored(generated.gapForecasts),
      conversion: VOLTS,
      gapLimitsA: [generated.gapA, generated.gapA, generated.gapA] as const,
    };
  }

  it('gives at every instant what trimming the older messages and taking minimums gives', () => {
    fc.assert(
      fc.property(fc.array(sourceArb, { minLength: 1, maxLength: 3 }), (generated) => {
        const sources = generated.map(toSource);
        const capacity = groupCapacity(sources, LONG_AGO);
        for (let q = -1; q < 24; q++) {
          const t = T0 + (q + 0.5) * QUARTER_MS;
          const block = capacity.timeline.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.end));
          expect([...(block?.limitsA ?? capacity.gapLimitsA)]).toEqual(referenceAt(sources, t));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('cuts the timeline only where the limit or its origin changes, in order and without overlap', () => {
    fc.assert(
      fc.property(fc.array(sourceArb, { minLength: 1, maxLength: 3 }), (generated) => {
        const { timeline } = groupCapacity(generated.map(toSource), LONG_AGO);
        timeline.forEach((block, i) => {
          expect(Date.parse(block.start)).toBeLessThan(Date.parse(block.end));
          const next = timeline[i + 1];
          if (!next) return;
          expect(Date.parse(next.start)).toBeGreaterThanOrEqual(Date.parse(block.end));
          if (next.start === block.end) {
            expect([next.limitsA, next.origin]).not.toEqual([block.limitsA, block.origin]);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('groupCapacity of a large input', () => {
  const MINUTE_MS = 60_000;
  const T0 = Date.parse(utc(0));
  const minute = (m: number) => new Date(T0 + m * MINUTE_MS).toISOString();
  const MESSAGES = 10;
  const BLOCKS_PER_MESSAGE = 1_000;
  const STEP = 500;
  const capacityOf = (message: number, index: number) => 1 + ((7 * message + index) % 13);

  /** Message k: a minute block each over [500k, 500k + 1000) minutes, each overlapping half of the previous. */
  const forecasts: StoredForecast[] = Array.from({ length: MESSAGES }, (_, k) => ({
    receivedAt: new Date(T0 + k),
    blocks: Array.from({ length: BLOCKS_PER_MESSAGE }, (_, i) => ({
      capacity: capacityOf(k, i),
      phase: 'ALL' as const,
      unit: 'A' as const,
      start_time: minute(STEP * k + i),
      end_time: minute(STEP * k + i + 1),
    })),
  }));

  /** Each minute is the newest span's: the message that started last before it. */
  function expectedTimeline() {
    const timeline: { start: string; end: string; limitsA: number[]; origin: string }[] = [];
    for (let t = 0; t < STEP * (MESSAGES - 1) + BLOCKS_PER_MESSAGE; t++) {
      const k = Math.min(Math.floor(t / STEP), MESSAGES - 1);
      const amps = capacityOf(k, t - STEP * k);
      const last = timeline.at(-1);
      if (last && last.limitsA[0] === amps) last.end = minute(t + 1);
      else
        timeline.push({
          start: minute(t),
          end: minute(t + 1),
          limitsA: [amps, amps, amps],
          origin: 'forecast',
        });
    }
    return timeline;
  }

  it('merges 10,000 blocks per the newest span (infeasible for a per-block rescan of every interval)', () => {
    const capacity = groupCapacity(
      [{ forecasts, conversion: VOLTS, gapLimitsA: [16, 16, 16] }],
      new Date(T0 - MINUTE_MS),
    );

    expect(forecasts.flatMap((f) => f.blocks)).toHaveLength(10_000);
    expect(capacity.timeline).toEqual(expectedTimeline());
    expect(capacity.gapLimitsA).toEqual([16, 16, 16]);
  });
});

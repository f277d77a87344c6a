import {
  capacityTimeline,
  groupCapacity,
  mergeForecasts,
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

describe(mergeForecasts.name, () => {
  it('replaces every kept block overlapping the newer span and keeps those outside it', () => {
    const older = message(0, block(10, 11, 10), block(11, 12, 11), block(12, 13, 12), block(13, 14, 13));
    const newer = message(1, block(11.5, 12.5, 20));
    expect(mergeForecasts([older, newer])).toEqual([
      block(10, 11, 10),
      block(13, 14, 13),
      block(11.5, 12.5, 20),
    ]);
  });

  it('replaces kept blocks inside gaps of the newer message’s span', () => {
    const older = message(0, block(11, 12, 11));
    const newer = message(1, block(10, 11, 20), block(12, 13, 20));
    expect(mergeForecasts([older, newer])).toEqual([block(10, 11, 20), block(12, 13, 20)]);
  });

  it('treats blocks that only touch the span as outside it', () => {
    const older = message(0, block(9, 10, 9), block(12, 13, 12));
    const newer = message(1, block(10, 12, 20));
    expect(mergeForecasts([older, newer])).toEqual([block(9, 10, 9), block(12, 13, 12), block(10, 12, 20)]);
  });

  it('applies messages in order of receipt, not of the array', () => {
    const newer = message(2, block(10, 11, 20));
    const older = message(1, block(10, 11, 10));
    expect(mergeForecasts([newer, older])).toEqual([block(10, 11, 20)]);
  });

  it('replaces per phase: a message for one phase leaves the other phases’ blocks alone', () => {
    const l1 = message(0, block(10, 12, 16, { phase: 'ONE' }));
    const l2 = message(1, block(10, 12, 20, { phase: 'TWO' }));
    const l1Again = message(2, block(11, 12, 25, { phase: 'ONE' }));
    expect(mergeForecasts([l1, l2, l1Again])).toEqual([
      block(10, 12, 20, { phase: 'TWO' }),
      block(11, 12, 25, { phase: 'ONE' }),
    ]);
  });

  it('compares instants, not strings, when times carry offsets', () => {
    const older = message(0, block(10, 11, 10));
    const newer = message(1, {
      ...block(0, 0, 20),
      start_time: '2026-03-01T18:30:00+08:00',
      end_time: '2026-03-01T19:30:00.000+08:00',
    });
    expect(mergeForecasts([older, newer]).map((b) => b.capacity)).toEqual([20]);
  });

  it('rejects a block that does not end after it starts', () => {
    expect(() => mergeForecasts([message(0, block(11, 11, 10))])).toThrow(
      'OSCP block 2026-03-01T11:00:00.000Z..2026-03-01T11:00:00.000Z 10 A ALL: start_time must be before end_time',
    );
  });

  it('rejects an unreadable time', () => {
    expect(() => mergeForecasts([message(0, { ...block(10, 11, 10), start_time: 'soon' })])).toThrow(
      'Invalid OSCP date-time "soon"',
    );
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
      { start: utc(11), end: utc(12), limitsA: [25, 25, 25] },
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
  const online = (...forecasts: StoredForecast[]) => ({
    forecasts,
    conversion: VOLTS,
    gapLimitsA: [Infinity, Infinity, Infinity] as [number, number, number],
  });
  const offline = (safeA: number, ...forecasts: StoredForecast[]) => ({
    forecasts,
    conversion: VOLTS,
    gapLimitsA: [safeA, safeA, safeA] as [number, number, number],
  });

  it('for one online source is the capacity timeline, with no limit in the gaps', () => {
    const forecast = message(0, block(10, 11, 10), block(12, 13, 20));
    expect(groupCapacity([online(forecast)], LONG_AGO)).toEqual({
      timeline: capacityTimeline([forecast], VOLTS, LONG_AGO),
      gapLimitsA: [Infinity, Infinity, Infinity],
    });
  });

  it('for an offline source fills its gaps with the safe default, never leaving them unlimited', () => {
    const fallback = message(0, block(10, 11, 10), block(12, 13, 20));
    expect(groupCapacity([offline(0, fallback)], LONG_AGO)).toEqual({
      timeline: [
        { start: utc(10), end: utc(11), limitsA: [10, 10, 10] },
        { start: utc(12), end: utc(13), limitsA: [20, 20, 20] },
      ],
      gapLimitsA: [0, 0, 0],
    });
  });

  it('takes the tightest source per phase, each source applying its own default where it has no block', () => {
    const a = message(0, block(10, 12, 30));
    const b = message(0, block(11, 13, 16, { phase: 'TWO' }));
    expect(groupCapacity([online(a), offline(8, b)], LONG_AGO)).toEqual({
      timeline: [
        { start: utc(10), end: utc(11), limitsA: [8, 8, 8] },
        // The fallback block names L2 only: L1 and L3 take the safe default, L2 the block.
        { start: utc(11), end: utc(12), limitsA: [8, 16, 8] },
        { start: utc(12), end: utc(13), limitsA: [8, 16, 8] },
      ],
      gapLimitsA: [8, 8, 8],
    });
    expect(groupCapacity([online(a), offline(40, b)], LONG_AGO).timeline).toEqual([
      { start: utc(10), end: utc(11), limitsA: [30, 30, 30] },
      { start: utc(11), end: utc(12), limitsA: [30, 16, 30] },
      { start: utc(12), end: utc(13), limitsA: [40, 16, 40] },
    ]);
  });

  it('is empty with no sources, and unlimited in the gaps', () => {
    expect(groupCapacity([], LONG_AGO)).toEqual({ timeline: [], gapLimitsA: [Infinity, Infinity, Infinity] });
  });
});

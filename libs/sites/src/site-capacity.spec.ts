import {
  BASE_LOAD_READING_MAX_AGE_MS,
  effectiveBaseLoadA,
  sitePhaseLimitsA,
  siteTotalLimitW,
} from './site-capacity';
import type { SiteRow } from './sites.repository';

const now = new Date('2026-03-01T10:00:00Z');

function site(overrides: Partial<SiteRow>): SiteRow {
  return {
    id: 's1',
    name: 'Depot',
    groupId: null,
    nominalVoltageV: 230,
    lineToLineVoltageV: null,
    transformer: null,
    limitL1A: 63,
    limitL2A: 50,
    limitL3A: 40,
    totalLimitKw: null,
    timeZone: 'UTC',
    baseLoadMode: 'fixed',
    baseLoadA: [5, 6, 7],
    meteredBaseLoadA: null,
    meteredBaseLoadAt: null,
    fallbackLimitsA: null,
    upstreamUrl: null,
    upstreamPassword: null,
    modelVersion: 1,
    createdAt: now,
    ...overrides,
  };
}

describe(sitePhaseLimitsA.name, () => {
  it('is the per-phase grid limit when there is no total limit', () => {
    expect(sitePhaseLimitsA(site({}))).toEqual([63, 50, 40]);
  });

  it('caps a phase at what the whole total kW allows on it alone, not at a third of it', () => {
    // 10.58 kW at 230 V is 46 A on one phase; the total itself binds as its own constraint.
    expect(sitePhaseLimitsA(site({ totalLimitKw: 10.58 })).map((a) => +a.toFixed(6))).toEqual([46, 46, 40]);
    expect(sitePhaseLimitsA(site({ totalLimitKw: 31.74 }))).toEqual([63, 50, 40]);
  });
});

describe(siteTotalLimitW.name, () => {
  it('is the total kW in W, or undefined without one', () => {
    expect(siteTotalLimitW(site({ totalLimitKw: 31.74 }))).toBeCloseTo(31_740, 9);
    expect(siteTotalLimitW(site({}))).toBeUndefined();
  });
});

describe(effectiveBaseLoadA.name, () => {
  const reading = { meteredBaseLoadA: [20, 21, 22] as [number, number, number] };

  it('is the configured value for a fixed base load, whatever is metered', () => {
    expect(effectiveBaseLoadA(site({ ...reading, meteredBaseLoadAt: now }), now)).toEqual([5, 6, 7]);
  });

  it('is the latest reading of a metered base load while it is fresh', () => {
    const at = new Date(now.getTime() - BASE_LOAD_READING_MAX_AGE_MS);
    expect(
      effectiveBaseLoadA(site({ baseLoadMode: 'metered', ...reading, meteredBaseLoadAt: at }), now),
    ).toEqual([20, 21, 22]);
  });

  it('falls back to the configured value when the reading is stale or missing', () => {
    const stale = new Date(now.getTime() - BASE_LOAD_READING_MAX_AGE_MS - 1);
    expect(
      effectiveBaseLoadA(site({ baseLoadMode: 'metered', ...reading, meteredBaseLoadAt: stale }), now),
    ).toEqual([5, 6, 7]);
    expect(effectiveBaseLoadA(site({ baseLoadMode: 'metered' }), now)).toEqual([5, 6, 7]);
  });
});

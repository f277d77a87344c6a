import { failSafeShares, type FailSafeSite } from './fail-safe-shares';
import type { PlanningConnector } from './planning.repository';

const SITE = 'site';

function connector(chargerId: string, extra: Partial<PlanningConnector> = {}): PlanningConnector {
  return {
    connectorRef: `${chargerId}-1`,
    siteId: SITE,
    identity: chargerId,
    connectorId: 1,
    phases: 3,
    maxCurrentA: 32,
    status: 'Available',
    statusAt: null,
    transactionStartedAt: null,
    chargerId,
    circuitId: null,
    ...extra,
  };
}

function site(extra: Partial<FailSafeSite> = {}): FailSafeSite {
  return { id: SITE, limitsA: [100, 100, 100], fallbackA: null, ...extra };
}

const shares = (s: FailSafeSite, connectors: PlanningConnector[]) =>
  Object.fromEntries(failSafeShares(s, connectors));

describe('failSafeShares', () => {
  it('splits the grid connection evenly over the chargers', () => {
    expect(shares(site({ limitsA: [40, 40, 40] }), [connector('a'), connector('b')])).toEqual({
      a: 20,
      b: 20,
    });
  });

  it('splits the fallback capacity beside the base load, on the tightest phase', () => {
    const fallback = site({ fallbackA: [30, 36, 40], baseLoadA: [10, 4, 0] });
    expect(shares(fallback, [connector('a'), connector('b')])).toEqual({ a: 10, b: 10 });
  });

  it('gives the chargers of a circuit no more than their part of it', () => {
    const s = site({ circuits: [{ id: 'feeder', parentId: null, limitsA: [32, 32, 32] }] });
    const result = shares(s, [
      connector('a', { circuitId: 'feeder' }),
      connector('b', { circuitId: 'feeder' }),
      connector('c'),
      connector('d'),
    ]);
    expect(result).toEqual({ a: 16, b: 16, c: 25, d: 25 });
  });

  it('takes every circuit above a charger into account', () => {
    const s = site({
      circuits: [
        { id: 'feeder', parentId: null, limitsA: [60, 60, 60] },
        { id: 'panel', parentId: 'feeder', limitsA: [40, 40, 40] },
      ],
    });
    const result = shares(s, [
      connector('a', { circuitId: 'panel' }),
      connector('b', { circuitId: 'panel' }),
      connector('c', { circuitId: 'panel' }),
      connector('d', { circuitId: 'feeder' }),
      connector('e', { circuitId: 'feeder' }),
    ]);
    // The panel's 40 A over three (13.3), the feeder's 60 A over five (12), the site's 100 A over five (20).
    expect(result).toEqual({ a: 12, b: 12, c: 12, d: 12, e: 12 });
  });

  it('reserves what unsteered chargers may draw and does not count them in the split', () => {
    const s = site({ circuits: [{ id: 'feeder', parentId: null, limitsA: [32, 32, 32] }] });
    const result = shares(s, [
      connector('a', { circuitId: 'feeder' }),
      connector('b', { circuitId: 'feeder' }),
      connector('excluded', { circuitId: 'feeder', maxCurrentA: 10, smartChargingExcluded: true }),
      connector('refusing', { maxCurrentA: 16, uncontrollableReason: 'Charger answered Rejected' }),
      connector('c'),
    ]);
    // Feeder: (32 − 10) / 2 = 11. Site: (100 − 10 − 16) / 3 ≈ 24.7. Unsteered ones keep their reserved maximum.
    expect(result.a).toBe(11);
    expect(result.b).toBe(11);
    expect(result.c).toBeCloseTo(74 / 3, 9);
    expect(result.excluded).toBe(10);
    expect(result.refusing).toBe(16);
  });

  it('keeps to the site total power, counting each share on three phases', () => {
    const s = site({ totalLimitW: 22_080, nominalVoltageV: 230 });
    expect(shares(s, [connector('a'), connector('b')])).toEqual({ a: 16, b: 16 });
  });

  it('never goes below zero when the base load alone exceeds the fallback', () => {
    const s = site({ fallbackA: [10, 10, 10], baseLoadA: [12, 0, 0] });
    expect(shares(s, [connector('a')])).toEqual({ a: 0 });
  });

  it('ignores connectors of other sites', () => {
    expect(shares(site(), [connector('a'), connector('z', { siteId: 'other' })])).toEqual({ a: 100 });
  });
});

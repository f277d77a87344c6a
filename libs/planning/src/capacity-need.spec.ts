import type { PerPhase } from '@gridflex/optimizer';
import { capacityNeedBlocks } from './capacity-need';
import type { HorizonBlock, SiteCapacity } from './plan-builder';
import type { PlanningConnector } from './planning.repository';

const limits = (a: number): PerPhase => [a, a, a];
const block = (start: string, end: string | null, a: number): HorizonBlock => ({
  start: `2026-03-01T${start}:00.000Z`,
  end: end === null ? null : `2026-03-01T${end}:00.000Z`,
  groupLimitsA: limits(a),
});

function connector(overrides: Partial<PlanningConnector>): PlanningConnector {
  return {
    connectorRef: 'c1',
    siteId: 's1',
    identity: 'CP-1',
    connectorId: 1,
    phases: 3,
    maxCurrentA: 32,
    status: 'Charging',
    statusAt: null,
    transactionStartedAt: null,
    ...overrides,
  };
}

describe(capacityNeedBlocks.name, () => {
  const site: SiteCapacity = { id: 's1', limitsA: limits(80), baseLoadA: [5, 0, 0] };

  it('asks where the forecast is below base load plus every EV present at its maximum', () => {
    const horizon = [block('10:00', '11:00', 100), block('11:00', '12:00', 40), block('12:00', null, 10)];
    const connectors = [
      connector({ connectorRef: 'c1' }),
      connector({ connectorRef: 'c2', phases: 1, maxCurrentA: 16 }),
      connector({ connectorRef: 'idle', status: 'Available' }),
    ];

    expect(capacityNeedBlocks(horizon, [site], connectors)).toEqual([
      {
        start: '2026-03-01T11:00:00.000Z',
        end: '2026-03-01T12:00:00.000Z',
        limitsA: limits(40),
        neededA: [53, 32, 32],
      },
    ]);
  });

  it('never asks beyond what the sites may draw, nor for a charger above its maximum', () => {
    const horizon = [block('10:00', '11:00', 20)];
    const small: SiteCapacity = { id: 's1', limitsA: limits(40) };
    const other: SiteCapacity = { id: 's2', limitsA: limits(63) };
    const connectors = [
      connector({ connectorRef: 'a1', chargerId: 'ch', chargerMaxCurrentA: 32 }),
      connector({ connectorRef: 'a2', chargerId: 'ch', chargerMaxCurrentA: 32 }),
      connector({ connectorRef: 'a3', chargerId: 'ch2', transactionStartedAt: new Date(), status: null }),
      connector({ connectorRef: 'b1', siteId: 's2', chargerId: 'ch3', chargerMaxCurrentA: 16 }),
    ];

    expect(capacityNeedBlocks(horizon, [small, other], connectors)).toEqual([
      expect.objectContaining({ neededA: limits(40 + 16) }),
    ]);
  });

  it('takes peak-shaving limits of the site into account and merges equal neighbours', () => {
    const horizon = [block('10:00', '11:00', 20), block('11:00', '12:00', 20), block('12:00', '13:00', 20)];
    const shaved: SiteCapacity = {
      ...site,
      scheduledLimitsA: [
        { start: '2026-03-01T12:00:00.000Z', end: '2026-03-01T13:00:00.000Z', limitsA: limits(10) },
      ],
    };

    expect(capacityNeedBlocks(horizon, [shaved], [connector({})])).toEqual([
      {
        start: '2026-03-01T10:00:00.000Z',
        end: '2026-03-01T12:00:00.000Z',
        limitsA: limits(20),
        neededA: [37, 32, 32],
      },
    ]);
  });

  it('scales the phases down together under a total-power limit, its own or a kW rule', () => {
    const horizon = [block('10:00', '11:00', 5), block('11:00', '12:00', 5)];
    const limited: SiteCapacity = {
      id: 's1',
      limitsA: limits(80),
      totalLimitW: 230 * 60,
      scheduledLimitsA: [
        {
          start: '2026-03-01T11:00:00.000Z',
          end: '2026-03-01T12:00:00.000Z',
          limitsA: null,
          totalW: 230 * 30,
        },
      ],
    };

    expect(capacityNeedBlocks(horizon, [limited], [connector({})]).map((b) => b.neededA)).toEqual([
      limits(20),
      limits(10),
    ]);
  });

  it('asks nothing when the forecast covers the need', () => {
    expect(capacityNeedBlocks([block('10:00', '11:00', 37)], [site], [connector({})])).toEqual([]);
  });
});

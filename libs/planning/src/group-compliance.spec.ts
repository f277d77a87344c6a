import type { PerPhase } from '@gridflex/optimizer';
import { uncompliableBlocks } from './group-compliance';
import type { HorizonBlock } from './plan-builder';
import type { PlanningConnector } from './planning.repository';

const limits = (a: number): PerPhase => [a, a, a];
const block = (start: string, end: string | null, a: number): HorizonBlock => ({
  start,
  end,
  groupLimitsA: limits(a),
});

function connector(overrides: Partial<PlanningConnector>): PlanningConnector {
  return {
    connectorRef: 'c1',
    siteId: 's1',
    identity: 'CP-1',
    connectorId: 1,
    phases: 3,
    maxCurrentA: 16,
    status: 'Charging',
    statusAt: null,
    transactionStartedAt: null,
    ...overrides,
  };
}

describe(uncompliableBlocks.name, () => {
  const horizon = [
    block('2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z', 30),
    block('2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z', 10),
    block('2026-03-01T12:00:00.000Z', '2026-03-01T13:00:00.000Z', Infinity),
    block('2026-03-01T13:00:00.000Z', null, 0),
  ];

  it('reports the limited blocks that base load and unsteered chargers alone exceed', () => {
    const sites = [{ id: 's1', limitsA: limits(63), baseLoadA: [4, 0, 0] as PerPhase }];
    const excluded = connector({ chargerId: 'ch1', smartChargingExcluded: true });

    expect(uncompliableBlocks(horizon, sites, [excluded, connector({ connectorRef: 'c2' })])).toEqual([
      {
        start: '2026-03-01T11:00:00.000Z',
        end: '2026-03-01T12:00:00.000Z',
        limitsA: limits(10),
        uncontrollableA: [20, 16, 16],
      },
    ]);
  });

  it('joins neighbouring blocks with the same limit', () => {
    const split = [
      block('2026-03-01T10:00:00.000Z', '2026-03-01T10:30:00.000Z', 10),
      block('2026-03-01T10:30:00.000Z', '2026-03-01T11:00:00.000Z', 10),
      block('2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z', 12),
    ];
    const sites = [{ id: 's1', limitsA: limits(63), baseLoadA: limits(20) }];
    expect(uncompliableBlocks(split, sites, []).map((b) => [b.start, b.end, b.limitsA[0]])).toEqual([
      ['2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z', 10],
      ['2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z', 12],
    ]);
  });

  it('reports nothing when only steered chargers draw', () => {
    const sites = [{ id: 's1', limitsA: limits(63) }];
    expect(uncompliableBlocks(horizon, sites, [connector({})])).toEqual([]);
  });
});

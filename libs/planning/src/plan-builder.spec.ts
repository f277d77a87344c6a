import { allocateEqualShare } from '@gridflex/optimizer';
import {
  buildAllocationInput,
  horizonBlocks,
  isEvPresent,
  MIN_CHARGING_CURRENT_A,
  samePlan,
  toPlannedPeriods,
} from './plan-builder';
import type { PlanningConnector } from './planning.repository';

const now = new Date('2026-03-01T10:00:00.700Z');
const iso = (hhmm: string) => `2026-03-01T${hhmm}:00.000Z`;
const limits = (a: number) => [a, a, a] as const;

function connector(overrides: Partial<PlanningConnector>): PlanningConnector {
  return {
    connectorRef: 'c1',
    siteId: 's1',
    identity: 'CP-1',
    connectorId: 1,
    phases: 3,
    maxCurrentA: 32,
    status: 'Available',
    statusAt: null,
    transactionStartedAt: null,
    ...overrides,
  };
}

describe(horizonBlocks.name, () => {
  it('is one open block limited by nothing but the sites when there is no forecast', () => {
    expect(horizonBlocks([], now)).toEqual([
      { start: '2026-03-01T10:00:00.000Z', end: null, groupLimitsA: limits(Infinity) },
    ]);
  });

  it('fills the gaps before, between and after forecast blocks', () => {
    const blocks = horizonBlocks(
      [
        { start: iso('10:15'), end: iso('10:30'), limitsA: limits(20) },
        { start: iso('10:45'), end: iso('11:00'), limitsA: limits(10) },
      ],
      now,
    );
    expect(blocks.map((b) => [b.start, b.end, b.groupLimitsA[0]])).toEqual([
      ['2026-03-01T10:00:00.000Z', iso('10:15'), Infinity],
      [iso('10:15'), iso('10:30'), 20],
      [iso('10:30'), iso('10:45'), Infinity],
      [iso('10:45'), iso('11:00'), 10],
      [iso('11:00'), null, Infinity],
    ]);
  });

  it('keeps the start of the block running now', () => {
    const blocks = horizonBlocks([{ start: iso('09:45'), end: iso('10:15'), limitsA: limits(30) }], now);
    expect(blocks[0]).toEqual({ start: iso('09:45'), end: iso('10:15'), groupLimitsA: limits(30) });
    expect(blocks).toHaveLength(2);
  });
});

describe(isEvPresent.name, () => {
  it.each([
    ['Preparing', true],
    ['Charging', true],
    ['SuspendedEV', true],
    ['SuspendedEVSE', true],
    ['Available', false],
    ['Finishing', false],
    ['Faulted', false],
  ])('status %s means an EV is there: %s', (status, present) => {
    expect(isEvPresent(connector({ status }))).toBe(present);
  });

  it('counts a running transaction whatever the last status', () => {
    expect(isEvPresent(connector({ status: null, transactionStartedAt: now }))).toBe(true);
  });
});

describe(buildAllocationInput.name, () => {
  it('puts the group above its sites and each connector under its site', () => {
    const horizon = horizonBlocks([{ start: iso('10:00'), end: iso('10:15'), limitsA: limits(30) }], now);
    const input = buildAllocationInput(
      horizon,
      [{ id: 's1', limitsA: [40, 40, 40] }],
      [connector({ phases: 1, transactionStartedAt: now })],
    );
    expect(input.blocks).toEqual([
      { start: iso('10:00'), end: iso('10:15') },
      { start: iso('10:15'), end: null },
    ]);
    expect(input.nodes).toEqual([
      { id: 'group', parentId: null, limitsA: [limits(30), limits(Infinity)] },
      { id: 's1', parentId: 'group', limitsA: [limits(40), limits(40)] },
    ]);
    expect(input.connectors).toEqual([
      {
        id: 'c1',
        nodeId: 's1',
        phases: 1,
        maxCurrentA: 32,
        minCurrentA: MIN_CHARGING_CURRENT_A,
        active: true,
        precedence: now.getTime(),
      },
    ]);
  });

  it('allocates within the tighter of forecast and site, per block', () => {
    const horizon = horizonBlocks([{ start: iso('10:00'), end: iso('10:15'), limitsA: limits(30) }], now);
    const connectors = [
      connector({ connectorRef: 'a', transactionStartedAt: new Date(1) }),
      connector({ connectorRef: 'b', transactionStartedAt: new Date(2) }),
      connector({ connectorRef: 'idle' }),
    ];
    const input = buildAllocationInput(horizon, [{ id: 's1', limitsA: [25, 25, 25] }], connectors);
    const { allocations } = allocateEqualShare(input);
    expect(allocations.map((a) => a.limitsA)).toEqual([
      [12.5, 12.5],
      [12.5, 12.5],
      [0, 0],
    ]);
    expect(toPlannedPeriods(input.blocks, allocations[0].limitsA)).toEqual([
      { start: iso('10:00'), end: iso('10:15'), limitA: 12.5 },
      { start: iso('10:15'), end: null, limitA: 12.5 },
    ]);
  });
});

describe(samePlan.name, () => {
  const plan = (start: string, first: number, second: number) => [
    { start, end: iso('10:15'), limitA: first },
    { start: iso('10:15'), end: null, limitA: second },
  ];

  it('ignores where the running block starts', () => {
    expect(samePlan(plan(iso('09:59'), 10, 8), plan(iso('10:00'), 10, 8), now)).toBe(true);
  });

  it('sees a changed limit or boundary', () => {
    expect(samePlan(plan(iso('10:00'), 10, 8), plan(iso('10:00'), 10, 9), now)).toBe(false);
    const moved = [
      { start: iso('10:00'), end: iso('10:20'), limitA: 10 },
      { start: iso('10:20'), end: null, limitA: 8 },
    ];
    expect(samePlan(plan(iso('10:00'), 10, 8), moved, now)).toBe(false);
  });

  it('ignores blocks that are over', () => {
    const withPast = [{ start: iso('09:00'), end: iso('09:30'), limitA: 3 }, ...plan(iso('10:00'), 10, 8)];
    expect(samePlan(withPast, plan(iso('10:00'), 10, 8), now)).toBe(true);
  });
});

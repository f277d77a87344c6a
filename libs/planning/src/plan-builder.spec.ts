import { allocate, optimizeHorizon } from '@gridflex/optimizer';
import {
  blockPrices,
  buildAllocationInput,
  buildHorizonInput,
  previousOnOffStates,
  excludedAllocations,
  gridPhasesOf,
  highestPrices,
  horizonBlocks,
  horizonEdges,
  isEvPresent,
  mergeFlatBlocks,
  MIN_CHARGING_CURRENT_A,
  planAllocations,
  samePlan,
  splitHorizon,
  toPlannedPeriods,
  wantsHorizon,
  type HorizonWishes,
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

  it('fills the gaps with the given limit, e.g. the safe default of a DSO that is offline', () => {
    const blocks = horizonBlocks(
      [{ start: iso('10:15'), end: iso('10:30'), limitsA: limits(20) }],
      now,
      limits(0),
    );
    expect(blocks.map((b) => [b.start, b.end, b.groupLimitsA[0]])).toEqual([
      ['2026-03-01T10:00:00.000Z', iso('10:15'), 0],
      [iso('10:15'), iso('10:30'), 20],
      [iso('10:30'), null, 0],
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
    ['Occupied', true],
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
        priority: 1,
        voltages: {},
        wattsPerAmpere: 230,
      },
    ]);
  });

  it('reserves an uncontrollable connector at its maximum and plans it there, EV or not', () => {
    const horizon = horizonBlocks([], now);
    const connectors = [
      connector({ connectorRef: 'session', transactionStartedAt: new Date(1) }),
      connector({
        connectorRef: 'refuses',
        maxCurrentA: 16,
        uncontrollableReason: 'Charger answered Rejected',
      }),
    ];
    const input = buildAllocationInput(horizon, [{ id: 's1', limitsA: [25, 25, 25] }], connectors);
    expect(input.connectors.map((c) => c.id)).toEqual(['session']);
    expect(input.nodes.find((n) => n.id === 's1')?.limitsA).toEqual([limits(9)]);
    expect(allocate(input).allocations).toEqual([{ connectorId: 'session', limitsA: [9] }]);
    expect(excludedAllocations(input.blocks, connectors)).toEqual([
      { connectorId: 'refuses', limitsA: [16] },
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
    const { allocations } = allocate(input);
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

  it('sees only what the charger would be sent: 0.1 A steps, nothing below 6 A, equal neighbours merged', () => {
    expect(samePlan(plan(iso('10:00'), 16.04, 8), plan(iso('10:00'), 16.01, 8.09), now)).toBe(true);
    expect(samePlan(plan(iso('10:00'), 16, 8), plan(iso('10:00'), 15.99, 8), now)).toBe(false);
    expect(samePlan(plan(iso('10:00'), 5.5, 8), plan(iso('10:00'), 2, 8), now)).toBe(true);
    expect(samePlan(plan(iso('10:00'), 8, 8), [{ start: iso('10:00'), end: null, limitA: 8 }], now)).toBe(
      true,
    );
  });

  it('ignores blocks that are over', () => {
    const withPast = [{ start: iso('09:00'), end: iso('09:30'), limitA: 3 }, ...plan(iso('10:00'), 10, 8)];
    expect(samePlan(withPast, plan(iso('10:00'), 10, 8), now)).toBe(true);
  });
});

describe('the site model in the allocation tree', () => {
  const horizon = horizonBlocks([{ start: iso('10:00'), end: iso('10:15'), limitsA: limits(100) }], now);
  const session = (ref: string, overrides: Partial<PlanningConnector> = {}) =>
    connector({ connectorRef: ref, transactionStartedAt: new Date(1), ...overrides });
  const firstLimits = (...args: Parameters<typeof buildAllocationInput>) => {
    const input = buildAllocationInput(...args);
    const result = allocate(input).allocations.map((a) => [a.connectorId, a.limitsA[0]]);
    return Object.fromEntries(result) as Record<string, number>;
  };

  it('nests circuits to any depth below their site and hangs connectors on their circuit', () => {
    const circuits = [
      { id: 'main', parentId: null, limitsA: limits(50) },
      { id: 'sub', parentId: 'main', limitsA: limits(20) },
      { id: 'subsub', parentId: 'sub', limitsA: [8, 30, 30] as const },
    ];
    const input = buildAllocationInput(
      horizon,
      [{ id: 's1', limitsA: limits(63), circuits }],
      [session('deep', { circuitId: 'subsub' }), session('sub', { circuitId: 'sub' }), session('site')],
    );
    expect(input.nodes.map((n) => [n.id, n.parentId])).toEqual([
      ['group', null],
      ['s1', 'group'],
      ['main', 's1'],
      ['sub', 'main'],
      ['subsub', 'sub'],
    ]);
    expect(input.connectors.map((c) => c.nodeId)).toEqual(['subsub', 'sub', 's1']);
    // subsub caps its connector at 8 A on L1; sub's 20 A leaves 12 A for the other; the site connector has the rest.
    expect(
      firstLimits(
        horizon,
        [{ id: 's1', limitsA: limits(63), circuits }],
        [session('deep', { circuitId: 'subsub' }), session('sub', { circuitId: 'sub' }), session('site')],
      ),
    ).toEqual({ deep: 8, sub: 12, site: 32 });
  });

  it('subtracts the base load from the site and its group', () => {
    const sites = [
      { id: 's1', limitsA: limits(40), baseLoadA: [10, 25, 10] as const },
      { id: 's2', limitsA: limits(200) },
    ];
    const input = buildAllocationInput(horizon, sites, [session('a')]);
    expect(input.nodes.slice(0, 2)).toEqual([
      { id: 'group', parentId: null, limitsA: [[90, 75, 90], limits(Infinity)] },
      {
        id: 's1',
        parentId: 'group',
        limitsA: [
          [30, 15, 30],
          [30, 15, 30],
        ],
      },
    ]);
    expect(firstLimits(horizon, sites, [session('a')])).toEqual({ a: 15 });
  });

  it('shares a group between its sites', () => {
    const sites = [
      { id: 's1', limitsA: limits(63) },
      { id: 's2', limitsA: limits(63) },
    ];
    const tight = horizonBlocks([{ start: iso('10:00'), end: iso('10:15'), limitsA: limits(30) }], now);
    expect(firstLimits(tight, sites, [session('a'), session('b', { siteId: 's2' })])).toEqual({
      a: 15,
      b: 15,
    });
  });

  it('caps connectors together at their charger maximum', () => {
    const input = buildAllocationInput(
      horizon,
      [{ id: 's1', limitsA: limits(63) }],
      [
        session('a', { chargerId: 'ch', chargerMaxCurrentA: 20 }),
        session('b', { chargerId: 'ch', chargerMaxCurrentA: 20, connectorId: 2 }),
      ],
    );
    expect(input.nodes.at(-1)).toEqual({
      id: 'charger:ch',
      parentId: 's1',
      limitsA: [limits(20), limits(20)],
    });
    expect(input.connectors.map((c) => [c.nodeId, c.maxCurrentA])).toEqual([
      ['charger:ch', 20],
      ['charger:ch', 20],
    ]);
    expect(allocate(input).allocations.map((a) => a.limitsA[0])).toEqual([10, 10]);
  });

  it('counts an excluded charger at its maximum on its circuit and plans it at that maximum', () => {
    const circuits = [{ id: 'feeder', parentId: null, limitsA: limits(40) }];
    const excluded = [
      session('x1', { chargerId: 'ex', circuitId: 'feeder', smartChargingExcluded: true, maxCurrentA: 16 }),
      session('x2', {
        chargerId: 'ex',
        circuitId: 'feeder',
        smartChargingExcluded: true,
        connectorId: 2,
        phases: 1,
        maxCurrentA: 16,
        phaseRotation: ['L2', 'L3', 'L1'],
      }),
    ];
    const connectors = [...excluded, session('a', { circuitId: 'feeder' })];
    const input = buildAllocationInput(horizon, [{ id: 's1', limitsA: limits(63), circuits }], connectors);
    expect(input.connectors.map((c) => c.id)).toEqual(['a']);
    expect(input.nodes.find((n) => n.id === 'feeder')?.limitsA[0]).toEqual([24, 8, 24]);
    expect(input.nodes.find((n) => n.id === 's1')?.limitsA[0]).toEqual([47, 31, 47]);
    expect(allocate(input).allocations.map((a) => a.limitsA[0])).toEqual([8]);
    expect(excludedAllocations(input.blocks, connectors)).toEqual([
      { connectorId: 'x1', limitsA: [16, 16] },
      { connectorId: 'x2', limitsA: [16, 16] },
    ]);
  });

  it('limits an excluded charger reservation to the charger maximum', () => {
    const excluded = [1, 2].map((id) =>
      session(`x${id}`, {
        chargerId: 'ex',
        connectorId: id,
        smartChargingExcluded: true,
        chargerMaxCurrentA: 20,
      }),
    );
    const input = buildAllocationInput(horizon, [{ id: 's1', limitsA: limits(63) }], excluded);
    expect(input.nodes.find((n) => n.id === 's1')?.limitsA[0]).toEqual(limits(43));
    expect(input.nodes.map((n) => n.id)).not.toContain('charger:ex');
  });

  it("passes a single-phase connector with its charger's phase rotation, loading only the grid phase feeding it", () => {
    const rotated = connector({ phases: 1, phaseRotation: ['L3', 'L1', 'L2'] });
    expect(gridPhasesOf(rotated)).toEqual([2]);
    expect(gridPhasesOf(connector({ phases: 1 }))).toEqual([0]);
    expect(gridPhasesOf(connector({ phases: 3, phaseRotation: ['L3', 'L1', 'L2'] }))).toEqual([0, 1, 2]);
    const connectors = [
      session('rot', { phases: 1, phaseRotation: ['L3', 'L1', 'L2'] }),
      session('straight', { phases: 1, phaseRotation: ['L1', 'L3', 'L2'] }),
    ];
    const sites = [{ id: 's1', limitsA: [40, 63, 10] as const }];
    const input = buildAllocationInput(horizon, sites, connectors);
    expect(input.connectors.map((c) => [c.phases, c.phaseRotation])).toEqual([
      [1, 'TRS'],
      [1, 'RTS'],
    ]);
    // The rotated connector draws from L3 only, so L1 is left whole to the straight one.
    expect(firstLimits(horizon, sites, connectors)).toEqual({ rot: 10, straight: 32 });
  });

  it('reserves a session learnt to draw on one phase on all three phases its connector is wired to', () => {
    // Two three-phase sessions on a 32 A site; the first EV was seen on its charger's L3 alone.
    const connectors = [
      session('learnt-one', { phasesInUse: 1, phaseRotation: ['L2', 'L3', 'L1'] }),
      session('three', {}),
    ];
    const sites = [{ id: 's1', limitsA: limits(32), nominalVoltageV: 230 }];
    const input = buildAllocationInput(horizon, sites, connectors);
    expect(input.connectors.map((c) => [c.id, c.phases, c.phaseRotation])).toEqual([
      ['learnt-one', 3, 'STR'],
      ['three', 3, undefined],
    ]);
    // Energy per ampere follows the phases it was seen drawing on; what it reserves does not.
    expect(input.connectors.map((c) => c.wattsPerAmpere)).toEqual([230, 690]);
    const shares = firstLimits(horizon, sites, connectors);
    expect(shares).toEqual({ 'learnt-one': 16, three: 16 });
    // Whatever phases the EV switches to, the sum on each grid phase stays within the site's 32 A.
    for (const phase of [0, 1, 2]) {
      expect(shares['learnt-one'] + shares.three).toBeLessThanOrEqual(sites[0].limitsA[phase]);
    }
  });

  it('weighs shares by priority and admits higher priorities first when the minimums do not all fit', () => {
    const connectors = [
      session('early', { transactionStartedAt: new Date(1) }),
      session('mid', { transactionStartedAt: new Date(5) }),
      session('vip', { transactionStartedAt: new Date(9), priority: 10 }),
    ];
    const input = buildAllocationInput(horizon, [{ id: 's1', limitsA: limits(13) }], connectors);
    expect(input.connectors.map((c) => [c.id, c.priority, c.precedence])).toEqual([
      ['early', 1, 1],
      ['mid', 1, 5],
      ['vip', 2, 9],
    ]);
    // Two 6 A minimums fit: vip first, then the earlier session; vip's double share is cut to what early's minimum leaves.
    expect(firstLimits(horizon, [{ id: 's1', limitsA: limits(13) }], connectors)).toEqual({
      early: 6,
      mid: 0,
      vip: 7,
    });
    expect(firstLimits(horizon, [{ id: 's1', limitsA: limits(30) }], connectors)).toEqual({
      early: 7.5,
      mid: 7.5,
      vip: 15,
    });
  });

  it('lets a session priority told through the API override the connector priority', () => {
    const connectors = [
      session('early', { transactionStartedAt: new Date(1), priority: 5 }),
      session('booked', { transactionStartedAt: new Date(9), priority: 5, sessionPriority: 20 }),
      session('demoted', { transactionStartedAt: new Date(3), priority: 9, sessionPriority: -10 }),
    ];
    const input = buildAllocationInput(horizon, [{ id: 's1', limitsA: limits(63) }], connectors);
    expect(input.connectors.map((c) => [c.id, c.priority])).toEqual([
      ['early', Math.SQRT2],
      ['booked', 4],
      ['demoted', 0.5],
    ]);
  });

  it('hands the optimizer the departure, the energy wanted and the power per ampere at the site voltage', () => {
    const departureAt = new Date(iso('18:00'));
    const connectors = [
      session('three', { energyWantedWh: 20_000, departureAt }),
      session('one', { phases: 1 }),
    ];
    const input = buildAllocationInput(
      horizon,
      [{ id: 's1', limitsA: limits(63), nominalVoltageV: 240 }],
      connectors,
    );
    expect(input.connectors).toMatchObject([
      { id: 'three', energyWantedWh: 20_000, departure: iso('18:00'), wattsPerAmpere: 720 },
      { id: 'one', wattsPerAmpere: 240 },
    ]);
    expect(input.connectors[1]).not.toHaveProperty('departure', expect.anything());
  });

  it('hands each connector the on/off state of its previous plan', () => {
    const previous = new Map([['a', { charging: true, since: iso('09:00') }]]);
    const input = buildAllocationInput(
      horizon,
      [{ id: 's1', limitsA: limits(63) }],
      [session('a'), session('b')],
      previous,
    );
    expect(input.connectors.map((c) => c.previous)).toEqual([
      { charging: true, since: iso('09:00') },
      undefined,
    ]);
  });

  it('passes each connector its own minimum current', () => {
    const input = buildAllocationInput(
      horizon,
      [{ id: 's1', limitsA: limits(63) }],
      [session('a', { minCurrentA: 10 }), session('b')],
    );
    expect(input.connectors.map((c) => c.minCurrentA)).toEqual([10, MIN_CHARGING_CURRENT_A]);
  });
});

describe(splitHorizon.name, () => {
  it('splits blocks, the open one included, at the instants inside them only', () => {
    const horizon = horizonBlocks([{ start: iso('10:00'), end: iso('10:30'), limitsA: limits(30) }], now);
    const split = splitHorizon(horizon, [
      iso('10:15'),
      iso('10:30'),
      iso('11:00'),
      iso('09:00'),
      iso('11:00'),
    ]);
    expect(split.map((b) => [b.start, b.end, b.groupLimitsA[0]])).toEqual([
      [iso('10:00'), iso('10:15'), 30],
      [iso('10:15'), iso('10:30'), 30],
      [iso('10:30'), iso('11:00'), Infinity],
      [iso('11:00'), null, Infinity],
    ]);
  });
});

describe('peak-shaving limits in the allocation tree', () => {
  it('tightens the site node in the blocks a scheduled limit covers', () => {
    const scheduledLimitsA = [
      { start: iso('10:00'), end: iso('10:30'), limitsA: null },
      { start: iso('10:30'), end: iso('11:00'), limitsA: [20, 50, 70] as const },
      { start: iso('11:00'), end: iso('12:00'), limitsA: null },
    ];
    const horizon = splitHorizon(
      horizonBlocks([], now),
      scheduledLimitsA.map((s) => s.start),
    );
    const input = buildAllocationInput(
      horizon,
      [{ id: 's1', limitsA: limits(63), scheduledLimitsA }],
      [connector({ transactionStartedAt: now })],
    );
    expect(input.nodes.find((n) => n.id === 's1')?.limitsA).toEqual([limits(63), [20, 50, 63], limits(63)]);
    expect(allocate(input).allocations[0].limitsA).toEqual([32, 20, 32]);
  });
});

describe(previousOnOffStates.name, () => {
  const held = (limitA: number, start: string, end: string | null) => ({ start, end, limitA });

  it('reads the run of charging or paused periods the previous plan is in at now', () => {
    const plans = new Map([
      [
        'on',
        {
          periods: [
            held(0, iso('08:00'), iso('09:00')),
            held(16, iso('09:00'), iso('09:30')),
            held(10, iso('09:30'), null),
          ],
        },
      ],
    ]);
    const connectors = [
      connector({ connectorRef: 'on', transactionStartedAt: new Date(iso('08:30')) }),
      connector({ connectorRef: 'unplanned', transactionStartedAt: new Date(iso('08:30')) }),
    ];
    expect(previousOnOffStates(connectors, plans, now)).toEqual(
      new Map([['on', { charging: true, since: iso('09:00') }]]),
    );
  });

  it('counts a pause from the arrival of the EV, not from the 0 A held before it came', () => {
    const plans = new Map([
      ['arrived', { periods: [held(0, iso('06:00'), null)] }],
      ['waiting', { periods: [held(0, iso('06:00'), null)] }],
    ]);
    const connectors = [
      connector({ connectorRef: 'arrived', transactionStartedAt: new Date(iso('09:55')) }),
      connector({ connectorRef: 'waiting', status: 'Preparing', statusAt: new Date(iso('05:00')) }),
    ];
    expect(previousOnOffStates(connectors, plans, now)).toEqual(
      new Map([
        ['arrived', { charging: false, since: iso('09:55') }],
        ['waiting', { charging: false, since: iso('06:00') }],
      ]),
    );
  });
});

describe(blockPrices.name, () => {
  const blocks = [
    { start: iso('10:00'), end: iso('10:30') },
    { start: iso('10:30'), end: iso('11:00') },
    { start: iso('11:00'), end: null },
  ];
  const tariff = (start: string, end: string, pricePerKwh: number) => ({
    start: iso(start),
    end: iso(end),
    pricePerKwh,
    currency: 'EUR',
  });

  it('is the time-weighted price over each block, unknown time at the highest price', () => {
    const prices = blockPrices(blocks, [tariff('10:00', '10:15', 0.1), tariff('10:15', '10:45', 0.3)]);
    expect(prices?.[0]).toBeCloseTo(0.2, 12);
    // 10:30–10:45 at 0.3, 10:45–11:00 without a tariff: the highest, 0.3.
    expect(prices?.[1]).toBeCloseTo(0.3, 12);
    expect(prices?.[2]).toBe(0.3);
  });

  it('is undefined without any tariff', () => {
    expect(blockPrices(blocks, [])).toBeUndefined();
  });
});

describe(buildHorizonInput.name, () => {
  const horizon = [
    { start: iso('10:00'), end: iso('10:15'), groupLimitsA: limits(Infinity) },
    { start: iso('10:15'), end: iso('10:30'), groupLimitsA: limits(Infinity) },
    { start: iso('10:30'), end: null, groupLimitsA: limits(Infinity) },
  ];
  const sites = [{ id: 's1', limitsA: limits(64), baseLoadA: [4, 4, 4] as const }];
  const ev = connector({
    phases: 1,
    transactionStartedAt: now,
    energyWantedWh: 230 * 32 * 0.25,
    departureAt: new Date(iso('10:30')),
  });

  it('adds block prices and the OPTIMUM forecast, less base loads, as a soft limit on the group', () => {
    const input = buildAllocationInput(horizon, sites, [ev]);
    const horizonInput = buildHorizonInput(input, sites, [ev], {
      prices: [{ start: iso('10:00'), end: iso('10:15'), pricePerKwh: 0.4, currency: 'EUR' }],
      optimum: [{ start: iso('10:00'), end: iso('10:30'), limitsA: limits(20) }],
    });
    expect(horizonInput.pricesPerKwh).toEqual([0.4, 0.4, 0.4]);
    expect(horizonInput.softLimits).toEqual([
      { nodeId: 'group', limitsA: [limits(16), limits(16), limits(Infinity)] },
    ]);
    // 32 A for one quarter hour are wanted before 10:30: 16 A in each block keeps the OPTIMUM.
    const plan = optimizeHorizon(horizonInput);
    expect(plan.allocations[0].limitsA.slice(0, 2)).toEqual([16, 16]);
    expect(plan.energyWh).toBeCloseTo(230 * 32 * 0.25, 9);
  });

  it('leaves the input as it is without tariffs or OPTIMUM forecasts', () => {
    const input = buildAllocationInput(horizon, sites, [ev]);
    expect(buildHorizonInput(input, sites, [ev], {})).toEqual(input);
  });
});

describe('choosing the optimiser', () => {
  const plugged = { transactionStartedAt: now };
  const price = { start: iso('10:00'), end: iso('11:00'), pricePerKwh: 0.2, currency: 'EUR' };

  it('plans over the horizon when a session present tells its energy or departure, or a tariff or OPTIMUM applies', () => {
    expect(wantsHorizon([connector(plugged)], {})).toBe(false);
    expect(wantsHorizon([connector({ energyWantedWh: 5000 })], {})).toBe(false);
    expect(wantsHorizon([connector({ ...plugged, energyWantedWh: 5000 })], {})).toBe(true);
    expect(wantsHorizon([connector({ ...plugged, departureAt: new Date(iso('12:00')) })], {})).toBe(true);
    expect(
      wantsHorizon([connector({ ...plugged, energyWantedWh: 5000, smartChargingExcluded: true })], {}),
    ).toBe(false);
    expect(wantsHorizon([], { prices: [price] })).toBe(true);
    expect(
      wantsHorizon([], { optimum: [{ start: iso('10:00'), end: iso('11:00'), limitsA: limits(9) }] }),
    ).toBe(true);
  });

  it('splits the horizon at tariff and OPTIMUM edges and at departures, within the look-ahead', () => {
    const edges = horizonEdges(
      [
        connector({ ...plugged, departureAt: new Date(iso('10:40')) }),
        connector({ connectorRef: 'c2', departureAt: new Date(iso('10:50')) }),
      ],
      {
        prices: [{ ...price, start: iso('09:00') }],
        optimum: [{ start: iso('10:20'), end: iso('13:00'), limitsA: limits(9) }],
      },
      now,
      new Date(iso('12:00')),
    );
    expect(edges.sort()).toEqual([iso('10:20'), iso('10:40'), iso('11:00')]);
  });

  it('is allocate without wishes, and the horizon optimum that keeps its admission with them', () => {
    const horizon = [
      { start: iso('10:00'), end: iso('10:15'), groupLimitsA: limits(10) },
      { start: iso('10:15'), end: iso('10:30'), groupLimitsA: limits(10) },
      { start: iso('10:30'), end: null, groupLimitsA: limits(10) },
    ];
    const sites = [{ id: 's1', limitsA: limits(64) }];
    const first = connector({ ...plugged, transactionStartedAt: new Date(iso('09:00')) });
    const second = connector({ ...plugged, connectorRef: 'c2', connectorId: 2 });
    const input = buildAllocationInput(horizon, sites, [first, second]);
    expect(planAllocations(input, sites, [first, second], {})).toEqual(allocate(input));

    // The second tells a departure and has priority: it is admitted first, the first paused.
    const told = {
      ...second,
      sessionPriority: 10,
      departureAt: new Date(iso('10:30')),
      energyWantedWh: 5000,
    };
    const plan = planAllocations(
      buildAllocationInput(horizon, sites, [first, told]),
      sites,
      [first, told],
      {},
    );
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [0, 0, 10],
      [10, 10, 0],
    ]);
    expect(plan.explanations[0].reasons[0]).toMatchObject({ kind: 'minimum-not-fitting', nodeId: 'group' });
  });
});

describe('defaults for sessions that tell nothing (PLANNING_DEFAULT_*)', () => {
  const quiet = connector({ transactionStartedAt: new Date(iso('09:50')) });
  const sites = [{ id: 's1', limitsA: limits(64) }];
  const horizon = [
    { start: iso('10:00'), end: iso('10:15'), groupLimitsA: limits(10) },
    { start: iso('10:15'), end: iso('10:30'), groupLimitsA: limits(10) },
    { start: iso('10:30'), end: null, groupLimitsA: limits(10) },
  ];
  // Dear until 10:15, cheap after.
  const prices = [
    { start: iso('10:00'), end: iso('10:15'), pricePerKwh: 0.4, currency: 'EUR' },
    { start: iso('10:15'), end: iso('11:00'), pricePerKwh: 0.1, currency: 'EUR' },
  ];
  /** One block at the group's 10 A on three phases at 230 V. */
  const oneBlockWh = 10 * 690 * 0.25;
  const plan = (wishes: HorizonWishes) =>
    planAllocations(buildAllocationInput(horizon, sites, [quiet]), sites, [quiet], wishes).allocations[0]
      .limitsA;

  it('plans over the horizon with them, and ends a block at the assumed departure', () => {
    expect(wantsHorizon([quiet], {})).toBe(false);
    expect(wantsHorizon([quiet], { sessionDefaults: {} })).toBe(false);
    expect(wantsHorizon([quiet], { sessionDefaults: { energyWantedWh: 5000 } })).toBe(true);
    expect(wantsHorizon([quiet], { sessionDefaults: { dwellMinutes: 120 } })).toBe(true);
    const told = connector({ ...quiet, connectorRef: 'c2', departureAt: new Date(iso('10:40')) });
    const edges = horizonEdges(
      [quiet, told],
      { sessionDefaults: { dwellMinutes: 60 } },
      now,
      new Date(iso('12:00')),
    );
    expect(edges.sort()).toEqual([iso('10:40'), iso('10:50')]);
  });

  it('plans the default energy into the cheap blocks, and by the assumed departure without cutting it there', () => {
    // Told nothing, the EV is no part of the cost plan: it charges all along.
    expect(plan({ prices })).toEqual([10, 10, 10]);
    // Assumed to want one block's energy: the cheap block; the open block is shared as before.
    expect(plan({ prices, sessionDefaults: { energyWantedWh: oneBlockWh } })).toEqual([0, 10, 10]);
    // Assumed to leave at 10:15 as well: it gets that energy in the dear block before, and still
    // charges after 10:15 since nothing says it has left.
    expect(plan({ prices, sessionDefaults: { energyWantedWh: oneBlockWh, dwellMinutes: 25 } })).toEqual([
      10, 10, 10,
    ]);
    // An assumed departure already past is none.
    expect(plan({ prices, sessionDefaults: { energyWantedWh: oneBlockWh, dwellMinutes: 5 } })).toEqual([
      0, 10, 10,
    ]);
  });

  it('plans the same energy with the later stages of a large LP cut short (PLANNING_EXACT_LP_MAX_COLUMNS)', () => {
    const wishes = { prices, sessionDefaults: { energyWantedWh: oneBlockWh * 1.5 } };
    const exact = plan(wishes);
    // 5 A in the dear block, raised to the 6 A minimum.
    expect(exact).toEqual([6, 10, 10]);
    // Its LP (2 columns) within the threshold: exact whatever the budget.
    expect(plan({ ...wishes, lpSolving: { exactLpMaxColumns: 2, laterStagePivotBudget: 0 } })).toEqual(exact);
    // Above it, no pivot after the energy: the crash's cheapest-first start, the energy still all planned.
    const budgeted = plan({ ...wishes, lpSolving: { exactLpMaxColumns: 1, laterStagePivotBudget: 0 } });
    expect(budgeted[0] + budgeted[1]).toBeGreaterThanOrEqual(15 - 1e-9);
    expect(budgeted[0] + budgeted[1]).toBeLessThanOrEqual(20);
  });
});

describe(highestPrices.name, () => {
  const segment = (start: string, end: string, pricePerKwh: number) => ({
    start: iso(start),
    end: iso(end),
    pricePerKwh,
    currency: 'EUR',
  });

  it("takes the dearest of the sites' tariffs where they overlap, and merges equal neighbours", () => {
    expect(
      highestPrices([
        [segment('10:00', '11:00', 0.2), segment('11:00', '12:00', 0.1)],
        [segment('10:30', '11:30', 0.3), segment('11:30', '12:00', 0.1)],
      ]),
    ).toEqual([
      segment('10:00', '10:30', 0.2),
      segment('10:30', '11:30', 0.3),
      segment('11:30', '12:00', 0.1),
    ]);
    expect(highestPrices([[], []])).toEqual([]);
  });
});

describe(mergeFlatBlocks.name, () => {
  it('makes consecutive blocks with the same group limits one', () => {
    const block = (start: string, end: string | null, a: number) => ({
      start: iso(start),
      end: end === null ? null : iso(end),
      groupLimitsA: limits(a),
    });
    expect(
      mergeFlatBlocks([
        block('10:00', '10:15', 20),
        block('10:15', '10:30', 20),
        block('10:30', '10:45', 10),
        block('10:45', null, 10),
      ]),
    ).toEqual([block('10:00', '10:30', 20), block('10:30', null, 10)]);
  });
});

describe('line-to-line connectors and transformers', () => {
  const horizon = horizonBlocks([], now);
  const transformer = { secondaryLineLimitA: 60 };
  const site = {
    id: 's1',
    limitsA: limits(200),
    nominalVoltageV: 120,
    lineToLineVoltageV: 208,
    transformer,
  };

  it('loads a connector on its line pair, or on the grid phases its first two phases are rotated onto', () => {
    expect(gridPhasesOf(connector({ phases: 2, lineToLine: 'CA' }))).toEqual([2, 0]);
    expect(gridPhasesOf(connector({ phases: 2, phaseRotation: ['L3', 'L1', 'L2'] }))).toEqual([2, 0]);
    expect(gridPhasesOf(connector({ phases: 1, phaseRotation: ['L3', 'L1', 'L2'] }))).toEqual([2]);
    expect(gridPhasesOf(connector({ phases: 3 }))).toEqual([0, 1, 2]);
  });

  it("gives the optimizer the pair, the site's voltages and energy per ampere at V_ll", () => {
    const input = buildAllocationInput(horizon, [site], [connector({ phases: 2, lineToLine: 'BC' })]);
    expect(input.connectors[0]).toMatchObject({
      phases: 2,
      lineToLine: 'BC',
      voltages: { phaseToNeutralV: 120, lineToLineV: 208 },
      wattsPerAmpere: 208,
    });
    const twoPhase = buildAllocationInput(horizon, [site], [connector({ phases: 2 })]);
    expect(twoPhase.connectors[0].wattsPerAmpere).toBe(240);
  });

  it("puts the transformer's line limits on its node, lowered by what the base load may add", () => {
    const input = buildAllocationInput(horizon, [{ ...site, baseLoadA: [5, 0, 2] }], []);
    const lines = input.nodes.find((n) => n.id === 's1')!.phasorLimits!;
    expect(lines.map((l) => [l.name, l.limitsA])).toEqual([
      ['transformer-secondary-a', [55]],
      ['transformer-secondary-b', [60]],
      ['transformer-secondary-c', [58]],
    ]);
  });

  it('plans three EVSEs on the three pairs to the exact line limit, above what per-phase sums allow', () => {
    const evses = (['AB', 'BC', 'CA'] as const).map((lineToLine, i) =>
      connector({
        connectorRef: `c${i}`,
        connectorId: i + 1,
        phases: 2,
        lineToLine,
        maxCurrentA: 40,
        transactionStartedAt: now,
      }),
    );
    const exact = allocate(buildAllocationInput(horizon, [site], evses));
    const perPhase = allocate(
      buildAllocationInput(horizon, [{ ...site, transformer: undefined, limitsA: limits(60) }], evses),
    );
    for (const allocation of exact.allocations) {
      expect(allocation.limitsA[0] * Math.sqrt(3)).toBeLessThanOrEqual(60 + 1e-9);
      expect(allocation.limitsA[0] * Math.sqrt(3)).toBeGreaterThan(0.99 * 60);
    }
    expect(perPhase.allocations.map((a) => a.limitsA[0])).toEqual([30, 30, 30]);
  });
});

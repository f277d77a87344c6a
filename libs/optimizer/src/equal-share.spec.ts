import { allocateEqualShare } from './equal-share';
import type { AllocationInput, CapacityNode, ConnectorDemand, PerPhase, TimeBlock } from './model';

const HOUR_BLOCKS: TimeBlock[] = [
  { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z' },
  { start: '2026-01-01T01:00:00.000Z', end: '2026-01-01T02:00:00.000Z' },
  { start: '2026-01-01T02:00:00.000Z', end: null },
];

const ONE_BLOCK = HOUR_BLOCKS.slice(0, 1);

function balanced(limitA: number): PerPhase {
  return [limitA, limitA, limitA];
}

function node(id: string, parentId: string | null, ...limitsA: PerPhase[]): CapacityNode {
  return { id, parentId, limitsA };
}

function connector(id: string, nodeId: string, overrides: Partial<ConnectorDemand> = {}): ConnectorDemand {
  return {
    id,
    nodeId,
    phases: 3,
    maxCurrentA: 32,
    minCurrentA: 0,
    active: true,
    precedence: 0,
    ...overrides,
  };
}

/** Limits of the first block, rounded to keep expectations readable. */
function firstBlock(input: AllocationInput): Record<string, number> {
  const { allocations } = allocateEqualShare(input);
  return Object.fromEntries(allocations.map((a) => [a.connectorId, Math.round(a.limitsA[0] * 1000) / 1000]));
}

describe(allocateEqualShare.name, () => {
  it('splits a site equally between 3-phase connectors', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [node('site', null, balanced(48))],
      connectors: [connector('a', 'site'), connector('b', 'site'), connector('c', 'site')],
    };
    expect(firstBlock(input)).toEqual({ a: 16, b: 16, c: 16 });
  });

  it('gives the surplus of a connector capped at its maximum to the others', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [node('site', null, balanced(60))],
      connectors: [
        connector('a', 'site', { maxCurrentA: 10 }),
        connector('b', 'site'),
        connector('c', 'site'),
      ],
    };
    expect(firstBlock(input)).toEqual({ a: 10, b: 25, c: 25 });
  });

  it('shares L1 between 1- and 3-phase connectors and lets another phase bind the 3-phase one', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [node('site', null, [40, 12, 40])],
      connectors: [
        connector('three', 'site'),
        connector('one-a', 'site', { phases: 1 }),
        connector('one-b', 'site', { phases: 1 }),
      ],
    };
    // L2 binds the 3-phase connector at 12 A; L1 then has (40 - 12) / 2 A left for each 1-phase one.
    expect(firstBlock(input)).toEqual({ three: 12, 'one-a': 14, 'one-b': 14 });
  });

  it('leaves L2 and L3 unused by 1-phase connectors', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [node('site', null, [30, 0, 0])],
      connectors: [connector('a', 'site', { phases: 1 }), connector('b', 'site', { phases: 1 })],
    };
    expect(firstBlock(input)).toEqual({ a: 15, b: 15 });
  });

  it('freezes the connectors of a tight site while the others keep rising to the group limit', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [
        node('group', null, balanced(50)),
        node('tight', 'group', balanced(10)),
        node('loose', 'group', balanced(Infinity)),
      ],
      connectors: [
        connector('t1', 'tight'),
        connector('t2', 'tight'),
        connector('l1', 'loose'),
        connector('l2', 'loose'),
        connector('l3', 'loose'),
      ],
    };
    expect(firstBlock(input)).toEqual({ t1: 5, t2: 5, l1: 13.333, l2: 13.333, l3: 13.333 });
  });

  it('respects a node deeper in the tree than the connector’s site', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [
        node('group', null, balanced(40)),
        node('site', 'group', balanced(100)),
        node('circuit', 'site', balanced(8)),
      ],
      connectors: [connector('c', 'circuit'), connector('s', 'site')],
    };
    expect(firstBlock(input)).toEqual({ c: 8, s: 32 });
  });

  describe('minimum current', () => {
    it('pauses the connector with the highest precedence value when the minimums do not fit', () => {
      const input = {
        blocks: ONE_BLOCK,
        nodes: [node('site', null, balanced(15))],
        connectors: [
          connector('first', 'site', { minCurrentA: 6, precedence: 1 }),
          connector('last', 'site', { minCurrentA: 6, precedence: 3 }),
          connector('second', 'site', { minCurrentA: 6, precedence: 2 }),
        ],
      };
      expect(firstBlock(input)).toEqual({ first: 7.5, last: 0, second: 7.5 });
    });

    it('keeps pausing until the remaining connectors reach their minimum', () => {
      const input = {
        blocks: ONE_BLOCK,
        nodes: [node('site', null, balanced(10))],
        connectors: [
          connector('a', 'site', { minCurrentA: 6, precedence: 30 }),
          connector('b', 'site', { minCurrentA: 6, precedence: 10 }),
          connector('c', 'site', { minCurrentA: 6, precedence: 20 }),
        ],
      };
      expect(firstBlock(input)).toEqual({ a: 0, b: 10, c: 0 });
    });

    it('breaks a precedence tie by pausing the later connector in the input', () => {
      const input = {
        blocks: ONE_BLOCK,
        nodes: [node('site', null, balanced(10))],
        connectors: [connector('a', 'site', { minCurrentA: 6 }), connector('b', 'site', { minCurrentA: 6 })],
      };
      expect(firstBlock(input)).toEqual({ a: 10, b: 0 });
    });

    it('only pauses where the minimum is missed, not in a site that has room', () => {
      const input = {
        blocks: ONE_BLOCK,
        nodes: [
          node('group', null, balanced(100)),
          node('small', 'group', balanced(8)),
          node('big', 'group', balanced(40)),
        ],
        connectors: [
          connector('s1', 'small', { minCurrentA: 6, precedence: 1 }),
          connector('s2', 'small', { minCurrentA: 6, precedence: 2 }),
          connector('b1', 'big', { minCurrentA: 6, precedence: 9 }),
        ],
      };
      expect(firstBlock(input)).toEqual({ s1: 8, s2: 0, b1: 32 });
    });

    it('accepts exactly the minimum', () => {
      const input = {
        blocks: ONE_BLOCK,
        nodes: [node('site', null, balanced(18))],
        connectors: [0, 1, 2].map((i) => connector(`c${i}`, 'site', { minCurrentA: 6 })),
      };
      expect(firstBlock(input)).toEqual({ c0: 6, c1: 6, c2: 6 });
    });
  });

  it('gives 0 to inactive connectors and does not count them against the limits', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [node('site', null, balanced(20))],
      connectors: [connector('idle', 'site', { active: false }), connector('busy', 'site')],
    };
    expect(firstBlock(input)).toEqual({ idle: 0, busy: 20 });
  });

  it('gives 0 to everyone when all connectors are inactive', () => {
    const input = {
      blocks: HOUR_BLOCKS,
      nodes: [node('site', null, balanced(20), balanced(20), balanced(20))],
      connectors: [connector('a', 'site', { active: false }), connector('b', 'site', { active: false })],
    };
    expect(allocateEqualShare(input).allocations).toEqual([
      { connectorId: 'a', limitsA: [0, 0, 0] },
      { connectorId: 'b', limitsA: [0, 0, 0] },
    ]);
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
  ])('gives 0 to everyone under a %s limit', (_, limitA) => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [node('group', null, balanced(limitA)), node('site', 'group', balanced(50))],
      connectors: [connector('a', 'site', { minCurrentA: 6 }), connector('b', 'site')],
    };
    expect(firstBlock(input)).toEqual({ a: 0, b: 0 });
  });

  it('gives every connector its maximum when no node limits it', () => {
    const input = {
      blocks: ONE_BLOCK,
      nodes: [node('group', null, balanced(Infinity)), node('site', 'group', [Infinity, 100, Infinity])],
      connectors: [connector('a', 'site', { maxCurrentA: 16 }), connector('b', 'site', { phases: 1 })],
    };
    expect(firstBlock(input)).toEqual({ a: 16, b: 32 });
  });

  it('allocates each block with its own limits', () => {
    const input = {
      blocks: HOUR_BLOCKS,
      nodes: [node('site', null, balanced(30), balanced(12), balanced(10))],
      connectors: [
        connector('a', 'site', { minCurrentA: 6, precedence: 1 }),
        connector('b', 'site', { minCurrentA: 6, precedence: 2 }),
      ],
    };
    expect(allocateEqualShare(input).allocations).toEqual([
      { connectorId: 'a', limitsA: [15, 6, 10] },
      { connectorId: 'b', limitsA: [15, 6, 0] },
    ]);
  });

  it('returns empty schedules when there are no blocks', () => {
    const input = { blocks: [], nodes: [node('site', null)], connectors: [connector('a', 'site')] };
    expect(allocateEqualShare(input).allocations).toEqual([{ connectorId: 'a', limitsA: [] }]);
  });

  describe('input validation', () => {
    const site = node('site', null, balanced(10));

    it.each<[string, Partial<AllocationInput>, string]>([
      [
        'unknown node',
        { connectors: [connector('a', 'nowhere')] },
        'Connector "a" references unknown node "nowhere"',
      ],
      [
        'unknown parent',
        { nodes: [node('orphan', 'ghost', balanced(10))] },
        'Node "orphan" references unknown parent "ghost"',
      ],
      [
        'cycle',
        {
          nodes: [node('root', null, balanced(1)), node('x', 'y', balanced(1)), node('y', 'x', balanced(1))],
        },
        'Node cycle: x -> y -> x',
      ],
      ['self-parent', { nodes: [node('x', 'x', balanced(1))] }, 'Node cycle: x -> x'],
      [
        'limits length',
        { nodes: [node('site', null, balanced(10), balanced(10))] },
        'Node "site" has 2 limit entries for 1 blocks',
      ],
      [
        'NaN limit',
        { nodes: [node('site', null, [10, NaN, 10])] },
        'Node "site" block 0: limitsA must be three numbers (L1, L2, L3)',
      ],
      ['duplicate node', { nodes: [site, site] }, 'Duplicate node id "site"'],
      [
        'duplicate connector',
        { connectors: [connector('a', 'site'), connector('a', 'site')] },
        'Duplicate connector id "a"',
      ],
      [
        'min above max',
        { connectors: [connector('a', 'site', { minCurrentA: 10, maxCurrentA: 6 })] },
        'Connector "a" has minCurrentA 10 > maxCurrentA 6',
      ],
      [
        'infinite max',
        { connectors: [connector('a', 'site', { maxCurrentA: Infinity })] },
        'Connector "a" maxCurrentA must be a finite number >= 0, got Infinity',
      ],
      [
        'negative min',
        { connectors: [connector('a', 'site', { minCurrentA: -1 })] },
        'Connector "a" minCurrentA must be a finite number >= 0, got -1',
      ],
      [
        'NaN precedence',
        { connectors: [connector('a', 'site', { precedence: NaN })] },
        'Connector "a" precedence is NaN',
      ],
    ])('rejects %s', (_, overrides, message) => {
      const input: AllocationInput = { blocks: ONE_BLOCK, nodes: [site], connectors: [], ...overrides };
      expect(() => allocateEqualShare(input)).toThrow(new Error(message));
    });
  });
});

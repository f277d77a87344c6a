import { allocate } from './allocate.js';
import type { AllocationInput, CapacityNode, ConnectorDemand, PerPhase, TimeBlock } from './model.js';

const QUARTER_MS = 15 * 60 * 1000;
const EPOCH_MS = Date.UTC(2026, 0, 1);
const at = (quarters: number): string => new Date(EPOCH_MS + quarters * QUARTER_MS).toISOString();

function quarters(count: number): TimeBlock[] {
  return Array.from({ length: count }, (_, q) => ({ start: at(q), end: at(q + 1) }));
}

const balanced = (limitA: number): PerPhase => [limitA, limitA, limitA];

function node(id: string, parentId: string | null, limitsA: PerPhase, blockCount = 1): CapacityNode {
  return { id, parentId, limitsA: Array.from({ length: blockCount }, () => limitsA) };
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

function limitsOf(input: AllocationInput, block = 0): Record<string, number> {
  const { allocations } = allocate(input);
  return Object.fromEntries(
    allocations.map((a) => [a.connectorId, Math.round(a.limitsA[block] * 1e6) / 1e6]),
  );
}

describe(allocate.name, () => {
  describe('weighted max-min share', () => {
    it('shares in proportion to priority', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, balanced(40))],
        connectors: [connector('a', 'site', { priority: 3 }), connector('b', 'site')],
      };
      expect(limitsOf(input)).toEqual({ a: 30, b: 10 });
    });

    it('gives what a capped high-priority connector leaves to the others', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, balanced(40))],
        connectors: [connector('a', 'site', { priority: 3, maxCurrentA: 16 }), connector('b', 'site')],
      };
      expect(limitsOf(input)).toEqual({ a: 16, b: 24 });
    });

    it('loads the grid phases of the rotation: a 1-phase connector wired SRT draws on L2', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, [100, 20, 100])],
        connectors: [
          connector('plain', 'site', { phases: 1 }),
          connector('rotated', 'site', { phases: 1, phaseRotation: 'SRT' }),
          connector('three', 'site'),
        ],
      };
      expect(limitsOf(input)).toEqual({ plain: 32, rotated: 10, three: 10 });
    });

    it('loads two phases for a line-to-line connector', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, [30, 100, 12])],
        connectors: [
          connector('ab', 'site', { phases: 2 }),
          connector('ca', 'site', { phases: 2, phaseRotation: 'TRS' }),
        ],
      };
      // CA loads L3 and L1: it alone holds L3; then AB takes the rest of L1.
      expect(limitsOf(input)).toEqual({ ab: 18, ca: 12 });
    });

    it('respects every level of a five-level tree', () => {
      const input = {
        blocks: quarters(1),
        nodes: [
          node('group', null, balanced(100)),
          node('site', 'group', balanced(80)),
          node('feeder', 'site', balanced(50)),
          node('board', 'feeder', balanced(20)),
          node('charger', 'board', balanced(12)),
        ],
        connectors: [
          connector('deep1', 'charger'),
          connector('deep2', 'charger'),
          connector('board', 'board'),
          connector('feeder', 'feeder'),
          connector('site', 'site'),
        ],
      };
      expect(limitsOf(input)).toEqual({ deep1: 6, deep2: 6, board: 8, feeder: 30, site: 30 });
    });
  });

  describe('uncontrollable connectors', () => {
    it('reserves their maximum and shares the rest', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, balanced(50))],
        connectors: [
          connector('fixed', 'site', { uncontrollable: true, maxCurrentA: 20 }),
          connector('a', 'site'),
          connector('b', 'site'),
        ],
      };
      expect(limitsOf(input)).toEqual({ fixed: 20, a: 15, b: 15 });
    });

    it('reserves nothing while no EV is plugged in', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, balanced(50))],
        connectors: [
          connector('fixed', 'site', { uncontrollable: true, active: false }),
          connector('a', 'site'),
        ],
      };
      expect(limitsOf(input)).toEqual({ fixed: 0, a: 32 });
    });
  });

  describe('minimum current', () => {
    it('admits by priority first, then by the earlier departure', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, balanced(12))],
        connectors: [
          connector('late', 'site', { minCurrentA: 6, departure: at(20), precedence: 0 }),
          connector('early', 'site', { minCurrentA: 6, departure: at(8), precedence: 2 }),
          connector('vip', 'site', { minCurrentA: 6, priority: 2, precedence: 3 }),
        ],
      };
      expect(limitsOf(input)).toEqual({ late: 0, early: 6, vip: 6 });
    });

    it('holds a connector at its minimum when its fair share is below it', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, balanced(20))],
        connectors: [connector('a', 'site', { minCurrentA: 10 }), connector('b', 'site', { priority: 4 })],
      };
      expect(limitsOf(input)).toEqual({ a: 10, b: 10 });
    });

    describe('rotation of paused sessions', () => {
      const threeSharingTwoSlots = (blockCount: number): AllocationInput => ({
        blocks: quarters(blockCount),
        nodes: [node('site', null, balanced(13), blockCount)],
        connectors: ['a', 'b', 'c'].map((id, k) => connector(id, 'site', { minCurrentA: 6, precedence: k })),
      });
      const patterns = (input: AllocationInput, options = {}): string[] =>
        allocate(input, options).allocations.map((a) => a.limitsA.map((x) => (x > 0 ? '+' : '.')).join(''));

      it('lets each session charge for its minimum on time, then gives way to the longest waiting', () => {
        expect(patterns(threeSharingTwoSlots(12), { minOnSeconds: 1800, minOffSeconds: 1800 })).toEqual([
          '++++..++++..',
          '++..++++..++',
          '..++++..++++',
        ]);
      });

      it('starves nobody with the default times: everyone charges in any three consecutive blocks', () => {
        for (const pattern of patterns(threeSharingTwoSlots(24))) {
          for (let q = 0; q + 3 <= pattern.length; q++) expect(pattern.slice(q, q + 3)).toContain('+');
        }
      });

      it('keeps a session that started within its minimum on time before one that has waited longer', () => {
        const input = (runningSince: string): AllocationInput => ({
          blocks: quarters(1),
          nodes: [node('site', null, balanced(6))],
          connectors: [
            connector('waiting', 'site', { minCurrentA: 6, previous: { charging: false, since: at(-8) } }),
            connector('running', 'site', {
              minCurrentA: 6,
              previous: { charging: true, since: runningSince },
            }),
          ],
        });
        expect(limitsOf(input(at(-0.5)))).toEqual({ waiting: 0, running: 6 });
        expect(limitsOf(input(at(-4)))).toEqual({ waiting: 6, running: 0 });
      });
    });
  });

  describe('energy and departure', () => {
    const shared = (blockCount: number, overrides: Partial<ConnectorDemand>): AllocationInput => ({
      blocks: quarters(blockCount),
      nodes: [node('site', null, [20, 20, 20], blockCount)],
      connectors: [
        connector('bounded', 'site', { phases: 1, maxCurrentA: 16, ...overrides }),
        connector('other', 'site', { phases: 1, maxCurrentA: 16 }),
      ],
    });
    const rounded = (limits: number[]): number[] => limits.map((x) => Math.round(x * 1e9) / 1e9);

    it('lowers the cap to what completes the energy, then stops and gives the capacity to the others', () => {
      // At 230 W per ampere a quarter hour at 10 A is 575 Wh: three such blocks leave 115 Wh, i.e. 2 A.
      const plan = allocate(shared(5, { energyWantedWh: 1840 }));
      expect(plan.allocations.map((a) => rounded(a.limitsA))).toEqual([
        [10, 10, 10, 2, 0],
        [10, 10, 10, 16, 16],
      ]);
      expect(plan.explanations[0].reasons.map((r) => r.kind)).toEqual([
        'node-limit',
        'node-limit',
        'node-limit',
        'energy-need',
        'energy-met',
      ]);
    });

    it('never lowers the cap below the minimum', () => {
      const plan = allocate(shared(5, { energyWantedWh: 1840, minCurrentA: 6 }));
      expect(rounded(plan.allocations[0].limitsA)).toEqual([10, 10, 10, 6, 0]);
    });

    it('does not lower the cap in an open-ended block, which has no duration to spread the energy over', () => {
      const input = shared(2, { energyWantedWh: 3000 });
      input.blocks[1] = { start: input.blocks[1].start, end: null };
      expect(allocate(input).allocations[0].limitsA).toEqual([10, 10]);
    });

    it('gives nothing from the departure on', () => {
      const plan = allocate(shared(4, { departure: at(2) }));
      expect(plan.allocations.map((a) => a.limitsA)).toEqual([
        [10, 10, 0, 0],
        [10, 10, 16, 16],
      ]);
      expect(plan.explanations[0].reasons[2]).toEqual({ kind: 'departed' });
    });
  });

  describe('total power limit of a node (Σ over phases of V · I ≤ P)', () => {
    const VOLTS = 230;
    const withTotal = (id: string, limitsA: PerPhase, totalW: number): CapacityNode => ({
      ...node(id, null, limitsA),
      totalLimitW: [totalW],
      phaseVoltageV: VOLTS,
    });

    it('lets single-phase connectors on one phase use the whole total, not a third of it', () => {
      const input = {
        blocks: quarters(1),
        nodes: [withTotal('site', balanced(100), 48 * VOLTS)],
        connectors: ['a', 'b', 'c'].map((id) => connector(id, 'site', { phases: 1 })),
      };
      expect(limitsOf(input)).toEqual({ a: 16, b: 16, c: 16 });
      expect(allocate(input).nodeLoads[0].loadsA[0]).toEqual([48, 0, 0]);
    });

    it('counts a three-phase connector three times: the max-min share is exact on the sum', () => {
      const input = {
        blocks: quarters(1),
        nodes: [withTotal('site', balanced(100), 60 * VOLTS)],
        connectors: [connector('three', 'site'), connector('one', 'site', { phases: 1 })],
      };
      // 3 · x + 1 · x = 60 A summed over phases.
      expect(limitsOf(input)).toEqual({ three: 15, one: 15 });
    });

    it('gives what a capped connector leaves on the total to the others, within their phase limits', () => {
      const input = {
        blocks: quarters(1),
        nodes: [withTotal('site', [100, 20, 100], 60 * VOLTS)],
        connectors: [
          connector('l2', 'site', { phases: 1, phaseRotation: 'SRT' }),
          connector('l1', 'site', { phases: 1, maxCurrentA: 32 }),
          connector('l3', 'site', { phases: 1, phaseRotation: 'TRS' }),
        ],
      };
      // L2 stops at its phase limit of 20 A; L1 and L3 share the 40 A left on the total.
      expect(limitsOf(input)).toEqual({ l2: 20, l1: 20, l3: 20 });
      const plan = allocate(input);
      expect(plan.explanations.map((e) => e.reasons[0])).toEqual([
        { kind: 'node-limit', nodeId: 'site', phase: 'L2' },
        { kind: 'node-limit', nodeId: 'site', phase: 'total' },
        { kind: 'node-limit', nodeId: 'site', phase: 'total' },
      ]);
    });

    it('reserves an uncontrollable connector on the total with all of its phases', () => {
      const input = {
        blocks: quarters(1),
        nodes: [withTotal('site', balanced(100), 40 * VOLTS)],
        connectors: [
          connector('meter', 'site', { uncontrollable: true, maxCurrentA: 10 }),
          connector('one', 'site', { phases: 1 }),
        ],
      };
      expect(limitsOf(input)).toEqual({ meter: 10, one: 10 });
    });

    it('pauses a minimum that does not fit on the total, naming it', () => {
      const input = {
        blocks: quarters(1),
        nodes: [withTotal('site', balanced(100), 20 * VOLTS)],
        connectors: [
          connector('first', 'site', { minCurrentA: 6 }),
          connector('second', 'site', { minCurrentA: 6, precedence: 1 }),
        ],
      };
      const plan = allocate(input);
      expect(plan.allocations.map((a) => a.limitsA[0])).toEqual([20 / 3, 0]);
      expect(plan.explanations[1].reasons[0]).toEqual({
        kind: 'minimum-not-fitting',
        nodeId: 'site',
        phase: 'total',
      });
    });

    it('reads the total per block, Infinity as none, and 230 V by default', () => {
      const input = {
        blocks: quarters(2),
        nodes: [{ ...node('site', null, balanced(100), 2), totalLimitW: [23 * VOLTS, Infinity] }],
        connectors: [connector('one', 'site', { phases: 1 })],
      };
      expect(allocate(input).allocations[0].limitsA).toEqual([23, 32]);
    });

    it('refuses a total with the wrong number of blocks or a bad voltage', () => {
      const blocks = quarters(2);
      const connectors = [connector('one', 'site')];
      const site = node('site', null, balanced(100), 2);
      expect(() => allocate({ blocks, connectors, nodes: [{ ...site, totalLimitW: [1000] }] })).toThrow(
        'Node "site" has 1 totalLimitW entries for 2 blocks',
      );
      expect(() =>
        allocate({ blocks, connectors, nodes: [{ ...site, totalLimitW: [1000, 1000], phaseVoltageV: 0 }] }),
      ).toThrow('Node "site" phaseVoltageV must be a finite number > 0, got 0');
    });
  });

  describe('explanations', () => {
    it('says which node and phase bound a connector, or its own maximum, or the minimum that did not fit', () => {
      const input = {
        blocks: quarters(1),
        nodes: [node('site', null, [100, 100, 100]), node('feeder', 'site', [100, 16, 100])],
        connectors: [
          connector('capped', 'site', { maxCurrentA: 10 }),
          connector('bound', 'feeder', { phases: 1, phaseRotation: 'SRT', minCurrentA: 6 }),
          connector('shared', 'feeder', { phases: 1, phaseRotation: 'SRT', minCurrentA: 6 }),
          connector('paused', 'feeder', { phases: 1, phaseRotation: 'SRT', minCurrentA: 6, precedence: 1 }),
          connector('idle', 'site', { active: false }),
          connector('meter', 'site', { uncontrollable: true, maxCurrentA: 5 }),
        ],
      };
      const plan = allocate(input);
      expect(plan.allocations.map((a) => a.limitsA[0])).toEqual([10, 8, 8, 0, 0, 5]);
      expect(plan.explanations.map((e) => e.reasons[0])).toEqual([
        { kind: 'own-maximum' },
        { kind: 'node-limit', nodeId: 'feeder', phase: 'L2' },
        { kind: 'node-limit', nodeId: 'feeder', phase: 'L2' },
        { kind: 'minimum-not-fitting', nodeId: 'feeder', phase: 'L2' },
        { kind: 'no-session' },
        { kind: 'uncontrollable' },
      ]);
    });
  });
});

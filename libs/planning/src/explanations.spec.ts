import { allocate, transformerPhasorLimits } from '@gridflex/optimizer';
import { explainAllocations } from './explanations';
import type { AllocationInput } from '@gridflex/optimizer';

describe(explainAllocations.name, () => {
  const demand = (id: string, nodeId: string, overrides = {}) => ({
    id,
    nodeId,
    phases: 3 as const,
    maxCurrentA: 32,
    minCurrentA: 6,
    active: true,
    precedence: 0,
    ...overrides,
  });
  const names = new Map([
    ['s1', 'site "Depot"'],
    ['bay', 'circuit "Bay"'],
  ]);
  const firstReasons = (explained: Map<string, string[]>) =>
    Object.fromEntries([...explained].map(([id, reasons]) => [id, reasons[0]]));

  it("words the optimizer's reason for each limit", () => {
    const input: AllocationInput = {
      blocks: [{ start: '2026-03-01T10:00:00Z', end: null }],
      nodes: [
        { id: 'group', parentId: null, limitsA: [[100, 100, 100]] },
        { id: 's1', parentId: 'group', limitsA: [[40, 40, 40]] },
        { id: 'bay', parentId: 's1', limitsA: [[20, 20, 9]] },
      ],
      connectors: [
        demand('a', 'bay'),
        // Fed by grid L3 through its charger's rotation: the bay's L3, full after a, pauses it (its L1 would not).
        demand('b', 'bay', { phases: 1, phaseRotation: 'TRS' }),
        demand('c', 's1', { maxCurrentA: 10 }),
        demand('idle', 's1', { active: false }),
        demand('late', 'bay', { precedence: 9, minCurrentA: 10 }),
      ],
    };
    const plan = allocate(input);
    expect(plan.allocations.map((a) => a.limitsA[0])).toEqual([9, 0, 10, 0, 0]);
    expect(firstReasons(explainAllocations(input, plan, names))).toEqual({
      a: 'shares circuit "Bay"\'s L3 limit of 9 A',
      b: 'paused: its minimum of 6 A did not fit on circuit "Bay"\'s L3',
      c: 'at its maximum of 10 A',
      idle: 'no EV: held at 0 A',
      late: 'paused: its minimum of 10 A did not fit on circuit "Bay"\'s L3',
    });
  });

  it("names a transformer's phasor limit that holds or pauses a line-to-line session", () => {
    const input: AllocationInput = {
      blocks: [{ start: '2026-03-01T10:00:00Z', end: null }],
      nodes: [
        {
          id: 's1',
          parentId: null,
          limitsA: [[Infinity, Infinity, Infinity]],
          phasorLimits: transformerPhasorLimits({ name: 'tx', secondaryLimitsA: [20] }),
        },
      ],
      connectors: [
        // Line a carries both: 0.866 · (16 + 16) A of minimums is more than 20 A.
        demand('ab', 's1', { phases: 2, lineToLine: 'AB', minCurrentA: 16 }),
        demand('ca', 's1', { phases: 2, lineToLine: 'CA', precedence: 1, minCurrentA: 16 }),
      ],
    };
    const plan = allocate(input);
    expect(firstReasons(explainAllocations(input, plan, names))).toEqual({
      ab: 'shares site "Depot"\'s tx-secondary-a limit of 20 A',
      ca: 'paused: its minimum of 16 A did not fit on site "Depot"\'s tx-secondary-a',
    });
  });

  it('says when a departure or the energy wanted holds a session', () => {
    const input: AllocationInput = {
      blocks: [
        { start: '2026-03-01T10:00:00Z', end: '2026-03-01T11:00:00Z' },
        { start: '2026-03-01T11:00:00Z', end: null },
      ],
      nodes: [
        {
          id: 's1',
          parentId: null,
          limitsA: [
            [63, 63, 63],
            [63, 63, 63],
          ],
        },
      ],
      connectors: [
        demand('leaving', 's1', { departure: '2026-03-01T11:00:00Z' }),
        demand('topping-up', 's1', { energyWantedWh: 6900, wattsPerAmpere: 690 }),
      ],
    };
    const plan = allocate(input);
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [32, 0],
      [10, 0],
    ]);
    expect(Object.fromEntries(explainAllocations(input, plan, names))).toEqual({
      leaving: ['at its maximum of 32 A', 'departed: held at 0 A'],
      'topping-up': ['10 A: what the energy it still wants needs', 'energy wanted delivered: held at 0 A'],
    });
  });
});

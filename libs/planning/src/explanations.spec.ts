import { allocateEqualShare } from '@gridflex/optimizer';
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

  it('says which limit each connector got and why', () => {
    const input: AllocationInput = {
      blocks: [{ start: '2026-03-01T10:00:00Z', end: null }],
      nodes: [
        { id: 'group', parentId: null, limitsA: [[100, 100, 100]] },
        { id: 's1', parentId: 'group', limitsA: [[40, 40, 40]] },
        { id: 'bay', parentId: 's1', limitsA: [[20, 20, 9]] },
      ],
      connectors: [
        demand('a', 'bay'),
        demand('b', 'bay', { phases: 1 }),
        demand('c', 's1', { maxCurrentA: 10 }),
        demand('idle', 's1', { active: false }),
        demand('late', 'bay', { precedence: 9, minCurrentA: 10 }),
      ],
    };
    const names = new Map([
      ['s1', 'site "Depot"'],
      ['bay', 'circuit "Bay"'],
    ]);
    const { allocations } = allocateEqualShare(input);
    const explained = explainAllocations(input, allocations, names);
    expect(allocations.map((a) => a.limitsA[0])).toEqual([9, 11, 10, 0, 0]);
    expect(Object.fromEntries([...explained].map(([id, reasons]) => [id, reasons[0]]))).toEqual({
      a: 'shares circuit "Bay"\'s L3 limit of 9 A',
      b: 'shares circuit "Bay"\'s L1 limit of 20 A',
      c: 'at its maximum of 10 A',
      idle: 'no EV: held at 0 A',
      late: 'paused: its minimum of 10 A did not fit',
    });
  });
});

import { allocate } from './allocate.js';
import { loadedPhases } from './capacity-tree.js';
import { wattsPerAmpere } from './connection.js';
import type { AllocationInput, ConnectorDemand } from './model.js';

const QUARTER = { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:15:00Z' };

function connector(demand: Partial<ConnectorDemand>): ConnectorDemand {
  return {
    id: 'c',
    nodeId: 'site',
    phases: 1,
    maxCurrentA: 32,
    minCurrentA: 0,
    active: true,
    precedence: 0,
    ...demand,
  };
}

describe('wattsPerAmpere', () => {
  it('counts V_pn per phase loaded to neutral, two phases included', () => {
    expect([1, 2, 3].map((phases) => wattsPerAmpere({ phases: phases as 1 | 2 | 3 }))).toEqual([
      230, 460, 690,
    ]);
    expect(wattsPerAmpere({ phases: 1 }, { phaseToNeutralV: 120 })).toBe(120);
  });

  it('counts V_ll line to line: V_pn · √3 unless the site names it', () => {
    expect(wattsPerAmpere({ phases: 2, lineToLine: 'AB' }, { phaseToNeutralV: 120 })).toBeCloseTo(207.846, 3);
    expect(wattsPerAmpere({ phases: 2, lineToLine: 'CA' }, { phaseToNeutralV: 120, lineToLineV: 208 })).toBe(
      208,
    );
    expect(wattsPerAmpere({ phases: 2, lineToLine: 'BC' })).toBeCloseTo(398.37, 2);
  });
});

describe('line-to-line connectors in allocate', () => {
  const nodes = (limitsA: [number, number, number], totalLimitW?: number): AllocationInput['nodes'] => [
    { id: 'site', parentId: null, limitsA: [limitsA], ...(totalLimitW && { totalLimitW: [totalLimitW] }) },
  ];

  it('load both lines of their pair, whatever the rotation', () => {
    expect(loadedPhases(connector({ phases: 2, lineToLine: 'CA', phaseRotation: 'RST' }))).toEqual([2, 0]);
    const plan = allocate({
      blocks: [QUARTER],
      nodes: nodes([Infinity, 20, 10]),
      connectors: [connector({ id: 'bc', phases: 2, lineToLine: 'BC', phaseRotation: 'RST' })],
    });
    expect(plan.allocations[0].limitsA).toEqual([10]);
    expect(plan.explanations[0].reasons[0]).toEqual({ kind: 'node-limit', nodeId: 'site', phase: 'L3' });
  });

  it('count √3 per ampere on a total power limit, not two phases', () => {
    // 230 V · √3 · 10 A = 3984 W.
    const plan = allocate({
      blocks: [QUARTER],
      nodes: nodes([Infinity, Infinity, Infinity], 230 * Math.sqrt(3) * 10),
      connectors: [connector({ phases: 2, lineToLine: 'AB' })],
    });
    expect(plan.allocations[0].limitsA[0]).toBeCloseTo(10, 9);
  });

  it('count their energy at V_ll', () => {
    // 1 kWh at 208 W/A in a quarter-hour: 19.23 A.
    const plan = allocate({
      blocks: [QUARTER],
      nodes: nodes([Infinity, Infinity, Infinity]),
      connectors: [
        connector({
          phases: 2,
          lineToLine: 'AB',
          voltages: { phaseToNeutralV: 120, lineToLineV: 208 },
          energyWantedWh: 1000,
        }),
      ],
    });
    expect(plan.allocations[0].limitsA[0]).toBeCloseTo(1000 / (208 * 0.25), 9);
  });

  it.each([
    [{ lineToLine: 'AC' as 'AB' }, 'Connector "c" lineToLine must be AB, BC or CA, got "AC"'],
    [
      { lineToLine: 'AB' as const, phases: 1 as const },
      'Connector "c" is line-to-line on AB: phases must be 2',
    ],
    [
      { voltages: { phaseToNeutralV: 0 } },
      'Connector "c" voltages.phaseToNeutralV must be a finite number > 0, got 0',
    ],
  ])('rejects %j', (demand, message) => {
    const input = {
      blocks: [QUARTER],
      nodes: nodes([16, 16, 16]),
      connectors: [connector({ phases: 2, ...demand })],
    };
    expect(() => allocate(input)).toThrow(message);
  });
});

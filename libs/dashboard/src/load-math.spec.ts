import {
  connectionLabel,
  limitOnGrid,
  measuredOnGrid,
  planEdges,
  planLimitAt,
  transformerLinesA,
} from './load-math';

describe('load on the grid phases', () => {
  const threePhase = { phases: 3, phaseRotation: ['L2', 'L3', 'L1'] };
  const singlePhase = { phases: 1, phaseRotation: ['L3', 'L1', 'L2'] };

  it('moves a reading per charger phase onto the grid phases that feed them', () => {
    expect(measuredOnGrid(threePhase, [10, 11, 12])).toEqual([12, 10, 11]);
    expect(measuredOnGrid({ phases: 3, phaseRotation: null }, [1, null, 3])).toEqual([1, 0, 3]);
  });

  it('counts a single-phase connector on the grid phase wired to its L1 only', () => {
    expect(measuredOnGrid(singlePhase, [16, 0.4, 0.2])).toEqual([0, 0, 16]);
    expect(limitOnGrid(singlePhase, 16)).toEqual([0, 0, 16]);
    expect(limitOnGrid(threePhase, 16)).toEqual([16, 16, 16]);
  });

  it('puts a line-to-line connector on both lines of its pair, a 2-phase one on its first two phases', () => {
    const lineToLine = { phases: 2, lineToLine: 'CA', phaseRotation: ['L2', 'L3', 'L1'] };
    expect(limitOnGrid(lineToLine, 20)).toEqual([20, 0, 20]);
    expect(measuredOnGrid(lineToLine, [19, 19, null])).toEqual([19, 0, 19]);
    const twoPhase = { phases: 2, phaseRotation: ['L2', 'L3', 'L1'] };
    expect(limitOnGrid(twoPhase, 10)).toEqual([0, 10, 10]);
    expect(measuredOnGrid(twoPhase, [9, 8, 0.3])).toEqual([0, 9, 8]);
  });

  it("shows a transformer's line currents as phasor magnitudes, not per-phase sums", () => {
    const evse = (lineToLine: string) => ({
      connector: { phases: 2, lineToLine, phaseRotation: null },
      limitA: 30,
    });
    const lines = transformerLinesA(
      { secondaryLineLimitA: 60 },
      120,
      [evse('AB'), evse('BC'), evse('CA')],
      [0, 0, 0],
    );
    // Each line carries two EVSEs' 30 A at 60° apart: √3 × 30 = 52 A, where the per-phase sum is 60 A.
    expect(lines.map((l) => [l.line, Math.round(l.plannedA * 100) / 100, l.limitA])).toEqual([
      ['transformer-secondary-a', 51.96, 60],
      ['transformer-secondary-b', 51.96, 60],
      ['transformer-secondary-c', 51.96, 60],
    ]);
    const withBase = transformerLinesA({ secondaryLineLimitA: 60 }, 120, [], [10, 0, 0]);
    expect(withBase.map((l) => l.plannedA)).toEqual([10, 0, 0]);
  });

  it('names each connection with the voltage its energy is counted at', () => {
    const us = { nominalVoltageV: 120, lineToLineVoltageV: null };
    expect(connectionLabel({ phases: 2, lineToLine: 'AB', phaseRotation: null }, us)).toBe('L-L AB 208 V');
    expect(
      connectionLabel(
        { phases: 2, lineToLine: 'BC', phaseRotation: null },
        { ...us, lineToLineVoltageV: 240 },
      ),
    ).toBe('L-L BC 240 V');
    expect(
      connectionLabel({ phases: 3, phaseRotation: null }, { nominalVoltageV: 230, lineToLineVoltageV: null }),
    ).toBe('3-ph 230 V');
  });
});

describe('plans over time', () => {
  const periods = [
    { start: '2026-01-01T10:00:00.000Z', end: '2026-01-01T11:00:00.000Z', limitA: 16 },
    { start: '2026-01-01T11:00:00.000Z', end: null, limitA: 8 },
  ];

  it('gives the limit in force, 0 before the plan starts', () => {
    expect(planLimitAt(periods, new Date('2026-01-01T09:59:59Z'))).toBe(0);
    expect(planLimitAt(periods, new Date('2026-01-01T10:00:00Z'))).toBe(16);
    expect(planLimitAt(periods, new Date('2026-01-01T11:00:00Z'))).toBe(8);
    expect(planLimitAt(periods, new Date('2030-01-01T00:00:00Z'))).toBe(8);
  });

  it('lists the changes inside a window, open ends left out', () => {
    const from = new Date('2026-01-01T10:30:00Z');
    const to = new Date('2026-01-01T12:00:00Z');
    expect(planEdges([periods], from, to)).toEqual([
      Date.parse('2026-01-01T11:00:00Z'),
      Date.parse('2026-01-01T11:00:00Z'),
    ]);
  });
});

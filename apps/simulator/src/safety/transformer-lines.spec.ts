import { linePhasor, transformerLines, worstLineA } from './transformer-lines';

describe('transformer lines', () => {
  const [a, b, c, primaryA] = transformerLines(
    { secondaryLineLimitA: 100, primaryLineLimitA: 30, primaryVoltageV: 480 },
    120,
  );

  it('carry the loads to neutral and the pairs leaving and entering each line', () => {
    expect(a.factors).toEqual({ L1: 1, AB: 1, CA: -1 });
    expect(b.factors).toEqual({ L2: 1, BC: 1, AB: -1 });
    expect(c.factors).toEqual({ L3: 1, CA: 1, BC: -1 });
    expect(primaryA).toMatchObject({ name: 'transformer primary A', limitA: 30 });
    expect(primaryA.factors).toEqual({ L1: 0.25, AB: 0.25, CA: -0.5, L3: -0.25, BC: 0.25 });
  });

  it('take the worst of the EVs drawing anything up to their limits', () => {
    // Two pairs meet on line a at 60°: √3 × 10 A together; one alone only 10 A.
    const ab = { phasor: linePhasor(a, ['AB']), limitA: 10 };
    const ca = { phasor: linePhasor(a, ['CA']), limitA: 10 };
    expect(worstLineA([ab, ca])).toBeCloseTo(10 * Math.sqrt(3), 9);
    // A load to neutral on L1 at 0° and a pair current at 30° nearly add up.
    const l1 = { phasor: linePhasor(a, ['L1']), limitA: 10 };
    expect(worstLineA([l1, ab])).toBeCloseTo(Math.hypot(10 + 10 * Math.cos(Math.PI / 6), 5), 9);
  });
});

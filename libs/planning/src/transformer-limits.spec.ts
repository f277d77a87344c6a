import { reservedLineA, transformerLimits, transformerPhaseBoundA } from './transformer-limits';

describe('a declared transformer', () => {
  const transformer = { secondaryLineLimitA: 300, primaryLineLimitA: 50, primaryVoltageV: 480 };

  it("limits its secondary lines and, with the primary's voltage, its delta primary through the turns ratio", () => {
    const lines = transformerLimits(transformer, 120, 2);
    expect(lines.map((l) => [l.name, l.limitsA])).toEqual([
      ['transformer-secondary-a', [300, 300]],
      ['transformer-secondary-b', [300, 300]],
      ['transformer-secondary-c', [300, 300]],
      ['transformer-primary-A', [50, 50]],
      ['transformer-primary-B', [50, 50]],
      ['transformer-primary-C', [50, 50]],
    ]);
    // I_A = (I_a − I_c) / 4 with n = 480 V / 120 V.
    expect(lines[3].factors).toMatchObject({ L1: 0.25, L3: -0.25, AB: 0.25, BC: 0.25, CA: -0.5 });
    expect(transformerLimits({ secondaryLineLimitA: 80 }, 120, 1)).toHaveLength(3);
  });

  it('bounds per-phase shares so that no line can exceed its limit at any angle', () => {
    expect(transformerPhaseBoundA({ secondaryLineLimitA: 80 }, 120)).toBe(80);
    // (a + c) / n ≤ 50 A on the primary: 100 A per phase with n = 4.
    expect(transformerPhaseBoundA(transformer, 120)).toBe(100);
  });

  it('counts what unsteered per-phase loads may add to a line at most, whatever their angles', () => {
    const [secondaryA, , , primaryA] = transformerLimits(transformer, 120, 1);
    expect(reservedLineA(secondaryA, [10, 20, 30])).toBe(10);
    expect(reservedLineA(primaryA, [10, 20, 30])).toBe(10);
  });
});

import { allocate } from './allocate.js';
import type { AllocationInput, ConnectorDemand, LinePair, PhasorLimit } from './model.js';
import { PHASOR_POLYGON_SIDES, polygonSides, transformerPhasorLimits } from './phasor-limits.js';

const QUARTER = { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:15:00Z' };
const DEGREES = Math.PI / 180;
const polar = (magnitude: number, degrees: number): [number, number] => [
  magnitude * Math.cos(degrees * DEGREES),
  magnitude * Math.sin(degrees * DEGREES),
];

function evse(pair: LinePair, maxCurrentA = 32): ConnectorDemand {
  return {
    id: pair,
    nodeId: 'transformer',
    phases: 2,
    lineToLine: pair,
    maxCurrentA,
    minCurrentA: 0,
    active: true,
    precedence: 0,
  };
}

function site(phasorLimits: PhasorLimit[], connectors: ConnectorDemand[]): AllocationInput {
  return {
    blocks: [QUARTER],
    nodes: [{ id: 'transformer', parentId: null, limitsA: [[Infinity, Infinity, Infinity]], phasorLimits }],
    connectors,
  };
}

describe('transformerPhasorLimits', () => {
  it("builds a wye secondary's and a delta primary's line currents", () => {
    const limits = transformerPhasorLimits({
      secondaryLimitsA: [100],
      primary: { limitsA: [20], turnsRatio: 4 },
    });
    expect(limits.map((l) => l.name)).toEqual([
      'transformer-secondary-a',
      'transformer-secondary-b',
      'transformer-secondary-c',
      'transformer-primary-A',
      'transformer-primary-B',
      'transformer-primary-C',
    ]);
    expect(limits[0].factors).toEqual({ L1: 1, AB: 1, CA: -1 });
    expect(limits[1].factors).toEqual({ L2: 1, AB: -1, BC: 1 });
    expect(limits[2].factors).toEqual({ L3: 1, BC: -1, CA: 1 });
    // I_A = (I_a − I_c) / 4.
    expect(limits[3].factors).toEqual({ L1: 0.25, AB: 0.25, CA: -0.5, BC: 0.25, L3: -0.25 });
    expect(limits[3].limitsA).toEqual([20]);
  });

  it('rejects a turns ratio that is not a positive number', () => {
    expect(() =>
      transformerPhasorLimits({ secondaryLimitsA: [1], primary: { limitsA: [1], turnsRatio: 0 } }),
    ).toThrow('Transformer "transformer" turnsRatio must be a finite number > 0, got 0');
  });
});

describe('polygonSides', () => {
  it('keeps only the sides whose sector meets the cone of the phasors, all with positive coefficients', () => {
    // Line a of a secondary: AB at +30°, −CA at −30°, on a 32-gon.
    const sides = polygonSides([polar(1, 30), polar(1, -30)], 32);
    // In steps of 11.25° from the real axis: the normals within 30° + 5.625° of it.
    const steps = sides.map((s) => Math.round(((s.normalRad / DEGREES + 180) % 360) / 11.25) - 16);
    expect(steps.sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(sides.every((s) => s.coefficients.every((a) => a > 0))).toBe(true);
  });

  it('keeps every side when the phasors span a half-turn, clipping the negative projections', () => {
    const sides = polygonSides([polar(1, 0), polar(1, 180)]);
    expect(sides).toHaveLength(PHASOR_POLYGON_SIDES);
    expect(sides.every((s) => s.coefficients.every((a) => a >= 0))).toBe(true);
  });
});

describe('phasor limits in allocate', () => {
  it('gives three balanced line-to-line EVSEs what the secondary line carries, not the per-phase sum', () => {
    // I_a = r·e^{j30°} + r·e^{−j30°} = √3·r ≤ 50 A: r ≤ 28.87 A (a per-phase sum would allow 25 A).
    const limits = transformerPhasorLimits({ secondaryLimitsA: [50] });
    const plan = allocate(site(limits, [evse('AB'), evse('BC'), evse('CA')]));
    const exactA = 50 / Math.sqrt(3);
    for (const { limitsA } of plan.allocations) {
      expect(limitsA[0]).toBeLessThanOrEqual(exactA);
      expect(limitsA[0]).toBeGreaterThanOrEqual(Math.cos(Math.PI / PHASOR_POLYGON_SIDES) * exactA - 1e-9);
    }
    expect(plan.explanations[0].reasons[0]).toMatchObject({
      kind: 'node-limit',
      nodeId: 'transformer',
      phase: 'phasor',
      phasorLimit: expect.stringMatching(/^transformer-secondary-[abc]$/),
    });
  });

  it('lets a lone EVSE use more than a balanced share: its line current is its own', () => {
    const plan = allocate(site(transformerPhasorLimits({ secondaryLimitsA: [20] }), [evse('AB', 80)]));
    // I_a = I_ab: up to 20 A, less the polygon's margin.
    expect(plan.allocations[0].limitsA[0]).toBeGreaterThanOrEqual(20 * 0.995);
    expect(plan.allocations[0].limitsA[0]).toBeLessThanOrEqual(20);
  });

  it.each([
    [{ name: 'x', factors: { AN: 1 } as PhasorLimit['factors'], limitsA: [1] }, 'has unknown term "AN"'],
    [{ name: 'x', factors: { AB: 1 }, limitsA: [1, 2] }, 'has 2 limitsA entries for 1 blocks'],
    [{ name: 'x', factors: { AB: 1 }, limitsA: [-1] }, 'limitsA must be numbers >= 0'],
    [{ name: 'x', factors: { AB: NaN }, limitsA: [1] }, 'factor of AB must be a finite number'],
  ])('rejects %j', (limit, message) => {
    expect(() => allocate(site([limit], [evse('AB')]))).toThrow(
      `Node "transformer" phasor limit "x" ${message}`,
    );
  });

  it('rejects two limits of one name', () => {
    const limit = { name: 'x', factors: { AB: 1 }, limitsA: [1] };
    expect(() => allocate(site([limit, limit], [evse('AB')]))).toThrow('phasor limit "x" is named twice');
  });
});

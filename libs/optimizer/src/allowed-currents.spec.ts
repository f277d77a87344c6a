import { allocate } from './allocate.js';
import { optimizeHorizon } from './horizon.js';
import type { AllocationInput, ConnectorDemand, HorizonInput, PerPhase } from './model.js';
import { transformerPhasorLimits } from './phasor-limits.js';

const QUARTER_MS = 15 * 60 * 1000;
const EPOCH_MS = Date.UTC(2026, 0, 1);
const at = (block: number) => new Date(EPOCH_MS + block * QUARTER_MS).toISOString();
const WHOLE_AMPERES = Array.from({ length: 27 }, (_, k) => k + 6);
const PILOT_SET = [8, 16, 24, 32];

function blocks(count: number) {
  return Array.from({ length: count }, (_, b) => ({ start: at(b), end: at(b + 1) }));
}

/** One node of `limitA` per phase over `count` quarter-hours. */
function site(limitA: number, count = 1): Pick<AllocationInput, 'blocks' | 'nodes'> {
  const limits = Array.from({ length: count }, (): PerPhase => [limitA, limitA, limitA]);
  return { blocks: blocks(count), nodes: [{ id: 'site', parentId: null, limitsA: limits }] };
}

function ev(id: string, overrides: Partial<ConnectorDemand> = {}): ConnectorDemand {
  return {
    id,
    nodeId: 'site',
    phases: 3,
    maxCurrentA: 32,
    minCurrentA: 6,
    allowedCurrentsA: WHOLE_AMPERES,
    active: true,
    precedence: 0,
    ...overrides,
  };
}

function limitsOf(input: AllocationInput, block = 0): Record<string, number> {
  return Object.fromEntries(allocate(input).allocations.map((a) => [a.connectorId, a.limitsA[block]]));
}

describe('allowed currents', () => {
  it('rounds three EVs sharing 80 A to whole amperes without stranding the room: 27 + 27 + 26', () => {
    const input = { ...site(80), connectors: [ev('a'), ev('b'), ev('c')] };
    expect(limitsOf(input)).toEqual({ a: 27, b: 27, c: 26 });
  });

  it('takes a pilot set of 8 A steps: 32 + 24 + 24 of 80 A, not 24 three times', () => {
    const steps = { minCurrentA: 8, allowedCurrentsA: PILOT_SET };
    const input = { ...site(80), connectors: [ev('a', steps), ev('b', steps), ev('c', steps)] };
    expect(limitsOf(input)).toEqual({ a: 32, b: 24, c: 24 });
  });

  it('raises the higher priority first, even where it loses less to rounding', () => {
    // Shares 26.40, 26.40 and 27.19 A: floored to 26 + 26 + 27, the one ampere left goes to c.
    const input = { ...site(80), connectors: [ev('a'), ev('b'), ev('c', { priority: 1.03 })] };
    expect(limitsOf(input)).toEqual({ a: 26, b: 26, c: 28 });
  });

  it('rounds up the last part an EV wants rather than strand it (6.4 A that completes it gives 7 A)', () => {
    // 690 W per ampere on three phases at 230 V: 6.4 A over a quarter-hour is 1,104 Wh.
    const input = { ...site(80), connectors: [ev('a', { energyWantedWh: 6.4 * 690 * 0.25 })] };
    expect(limitsOf(input)).toEqual({ a: 7 });
  });

  it('rounds down where no limit has room to round up', () => {
    const steps = { minCurrentA: 8, allowedCurrentsA: [8, 16] };
    const input = { ...site(20), connectors: [ev('a', steps), ev('b', steps)] };
    expect(limitsOf(input)).toEqual({ a: 8, b: 8 });
  });

  it('leaves a connector without allowed currents its continuous share beside those with them', () => {
    const input = {
      ...site(80),
      connectors: [ev('a'), ev('b', { allowedCurrentsA: undefined }), ev('c')],
    };
    const limits = limitsOf(input);
    expect([limits.a, limits.c]).toEqual([27, 26]);
    expect(limits.b).toBeCloseTo(80 / 3, 9);
  });

  it('leaves an uncontrollable connector at its maximum whatever its steps', () => {
    const input = {
      ...site(80),
      connectors: [
        ev('a', { uncontrollable: true, maxCurrentA: 20.5, allowedCurrentsA: [6, 12, 20] }),
        ev('b'),
        ev('c'),
      ],
    };
    expect(limitsOf(input)).toEqual({ a: 20.5, b: 30, c: 29 });
  });

  it('makes every block of a horizon plan under phasor limits applicable and keeps the limits', () => {
    const count = 4;
    const pairs = ['AB', 'AB', 'BC', 'CA', 'CA'] as const;
    const input: HorizonInput = {
      blocks: blocks(count),
      nodes: [
        {
          id: 'site',
          parentId: null,
          limitsA: Array.from({ length: count }, (): PerPhase => [Infinity, Infinity, Infinity]),
          phasorLimits: transformerPhasorLimits({
            secondaryLimitsA: Array.from({ length: count }, () => 70),
          }),
        },
      ],
      connectors: pairs.map((pair, k) =>
        ev(`${pair}-${k}`, {
          phases: 2,
          lineToLine: pair,
          wattsPerAmpere: 208,
          departure: at(count),
          energyWantedWh: 30_000,
          ...(k % 2 === 0 ? { minCurrentA: 8, allowedCurrentsA: PILOT_SET } : {}),
        }),
      ),
    };
    const plan = optimizeHorizon(input);
    const unit = (degrees: number) => [
      Math.cos((degrees * Math.PI) / 180),
      Math.sin((degrees * Math.PI) / 180),
    ];
    const angle = { AB: 30, BC: -90, CA: 150 };
    for (let t = 0; t < count; t++) {
      const pairSums = { AB: 0, BC: 0, CA: 0 };
      plan.allocations.forEach((a, k) => {
        const allowed = input.connectors[k].allowedCurrentsA!;
        expect([0, ...allowed]).toContain(a.limitsA[t]);
        pairSums[pairs[k]] += a.limitsA[t];
      });
      // The secondary line currents, I_a = I_ab − I_ca and so on, exactly.
      for (const [plus, minus] of [
        ['AB', 'CA'],
        ['BC', 'AB'],
        ['CA', 'BC'],
      ] as const) {
        const [x1, y1] = unit(angle[plus]);
        const [x2, y2] = unit(angle[minus]);
        const re = pairSums[plus] * x1 - pairSums[minus] * x2;
        const im = pairSums[plus] * y1 - pairSums[minus] * y2;
        expect(Math.hypot(re, im)).toBeLessThanOrEqual(70 + 1e-6);
      }
    }
  });

  it('rejects allowed currents that are not ascending within the minimum and maximum', () => {
    const input = { ...site(80), connectors: [ev('a', { minCurrentA: 8, allowedCurrentsA: [16, 8] })] };
    expect(() => allocate(input)).toThrow(
      'Connector "a" allowedCurrentsA must be ascending currents within [minCurrentA, maxCurrentA], got [16, 8]',
    );
    const above = { ...site(80), connectors: [ev('a', { allowedCurrentsA: [6, 40] })] };
    expect(() => allocate(above)).toThrow('got [6, 40]');
  });
});

import { allocate, optimizeHorizon, type HorizonInput, type PerPhase } from '@gridflex/optimizer';
import { explainAllocations } from './explanations';
import { explainHorizonReasons } from './horizon-explanations';

const at = (quarter: number) => new Date(Date.UTC(2026, 2, 1, 10) + quarter * 900_000).toISOString();
const limits = (a: number): PerPhase[] => [0, 1, 2].map((): PerPhase => [a, a, a]);
const names = new Map([['group', 'group "g"']]);

describe(explainHorizonReasons.name, () => {
  const input = (overrides: Partial<HorizonInput>): HorizonInput => ({
    blocks: [0, 1, 2].map((q) => ({ start: at(q), end: at(q + 1) })),
    nodes: [{ id: 'group', parentId: null, limitsA: limits(32) }],
    connectors: [
      {
        id: 'ev',
        nodeId: 'group',
        phases: 1,
        maxCurrentA: 32,
        minCurrentA: 6,
        active: true,
        precedence: 0,
        energyWantedWh: 230 * 16 * 0.25,
        departure: at(3),
      },
    ],
    ...overrides,
  });
  const words = (horizonInput: HorizonInput) => {
    const plan = optimizeHorizon(horizonInput);
    return explainHorizonReasons(plan, explainAllocations(horizonInput, plan, names), names).get('ev');
  };

  it('says where the energy went when a tariff moved it', () => {
    expect(words(input({ pricesPerKwh: [0.3, 0.1, 0.3] }))).toEqual([
      'paused: its energy is planned in cheaper blocks',
      '16 A: what the energy it still wants needs',
      'energy wanted delivered: held at 0 A',
    ]);
  });

  it("names the DSO's OPTIMUM it keeps to", () => {
    const reasons = words(
      input({
        connectors: [{ ...input({}).connectors[0], energyWantedWh: 230 * 24 * 0.25 * 3 }],
        softLimits: [{ nodeId: 'group', limitsA: limits(24) }],
      }),
    );
    expect(reasons).toEqual([0, 1, 2].map(() => '24 A: keeps group "g"\'s L1 OPTIMUM'));
  });

  it('leaves the words of a plan of allocate as they are', () => {
    const plain = input({});
    const plan = allocate(plain);
    const explained = explainAllocations(plain, plan, names);
    expect(explainHorizonReasons(plan, new Map(explained), names)).toEqual(explained);
  });
});

import { assertValidSiteModel, InvalidSiteModelError, SiteModel, validateSiteModel } from './site-model';

const amps = (a: number) => [a, a, a] as const;

function model(overrides: Partial<SiteModel> = {}): SiteModel {
  return {
    gridLimitA: amps(100),
    circuits: [
      { id: 'main', name: 'Main', parentId: null, limitA: amps(80) },
      { id: 'sub', name: 'Sub', parentId: 'main', limitA: amps(40) },
    ],
    chargers: [
      {
        identity: 'CP-1',
        circuitId: 'sub',
        maxCurrentA: 32,
        phaseRotation: ['L2', 'L3', 'L1'],
        connectors: [{ connectorId: 1, maxCurrentA: 32, minCurrentA: 6 }],
      },
    ],
    ...overrides,
  };
}

describe(validateSiteModel.name, () => {
  it('accepts a consistent model with circuits nested to any depth', () => {
    const deep = Array.from({ length: 10 }, (_, i) => ({
      id: `c${i}`,
      name: `C${i}`,
      parentId: i === 0 ? null : `c${i - 1}`,
      limitA: amps(100 - i),
    }));
    expect(validateSiteModel(model({ circuits: deep, chargers: [] }))).toEqual({ errors: [], warnings: [] });
  });

  it('refuses a cycle of circuits, naming it once', () => {
    const circuits = [
      { id: 'a', name: 'A', parentId: 'c', limitA: amps(10) },
      { id: 'b', name: 'B', parentId: 'a', limitA: amps(10) },
      { id: 'c', name: 'C', parentId: 'b', limitA: amps(10) },
    ];
    expect(validateSiteModel(model({ circuits, chargers: [] })).errors).toEqual([
      'circuits form a cycle: "A" -> "C" -> "B" -> "A"',
    ]);
  });

  it('refuses a circuit that is its own parent', () => {
    const circuits = [{ id: 'a', name: 'A', parentId: 'a', limitA: amps(10) }];
    expect(validateSiteModel(model({ circuits, chargers: [] })).errors).toEqual([
      'circuits form a cycle: "A" -> "A"',
    ]);
  });

  it('refuses a circuit under an unknown parent and a charger on an unknown circuit', () => {
    const circuits = [{ id: 'a', name: 'A', parentId: 'ghost', limitA: amps(10) }];
    const chargers = [{ ...model().chargers[0], circuitId: 'nowhere' }];
    expect(validateSiteModel(model({ circuits, chargers })).errors).toEqual([
      'circuit "A" has an unknown parent circuit ghost',
      'charger "CP-1" is placed on an unknown circuit nowhere',
    ]);
  });

  it.each([
    [['L1', 'L1', 'L3'], 'L1, L1, L3'],
    [['L1', 'L2'], 'L1, L2'],
    [['L1', 'L2', 'L3', 'L1'], 'L1, L2, L3, L1'],
    [['R', 'S', 'T'], 'R, S, T'],
  ])('refuses the phase rotation %j, which is not a permutation', (phaseRotation, shown) => {
    const chargers = [{ ...model().chargers[0], phaseRotation }];
    expect(validateSiteModel(model({ chargers })).errors).toEqual([
      `charger "CP-1": phaseRotation must be a permutation of L1, L2, L3 (got ${shown})`,
    ]);
  });

  it('refuses a connector whose minimum is above its maximum', () => {
    const chargers = [
      { ...model().chargers[0], connectors: [{ connectorId: 2, maxCurrentA: 10, minCurrentA: 16 }] },
    ];
    expect(validateSiteModel(model({ chargers })).errors).toEqual([
      'charger "CP-1" connector 2: minCurrentA 16 is above maxCurrentA 10',
    ]);
  });

  it('refuses a line-to-line connector that is not on two phases', () => {
    const connector = { connectorId: 1, maxCurrentA: 32, minCurrentA: 6, lineToLine: 'AB' };
    const chargers = (phases: number) => [{ ...model().chargers[0], connectors: [{ ...connector, phases }] }];
    expect(validateSiteModel(model({ chargers: chargers(2) })).errors).toEqual([]);
    expect(validateSiteModel(model({ chargers: chargers(3) })).errors).toEqual([
      'charger "CP-1" connector 1: lineToLine AB needs phases 2 (got 3)',
    ]);
  });

  it('allows but flags a child above its parent, per phase', () => {
    const circuits = [
      { id: 'main', name: 'Main', parentId: null, limitA: [120, 80, 80] as const },
      { id: 'sub', name: 'Sub', parentId: 'main', limitA: [40, 90, 40] as const },
    ];
    const chargers = [
      {
        ...model().chargers[0],
        maxCurrentA: 50,
        connectors: [{ connectorId: 1, maxCurrentA: 63, minCurrentA: 6 }],
      },
    ];
    const findings = validateSiteModel(model({ circuits, chargers }));
    expect(findings.errors).toEqual([]);
    expect(findings.warnings).toEqual([
      'circuit "Main": L1 limit 120 A is above the grid connection\'s 100 A',
      'circuit "Sub": L2 limit 90 A is above its parent circuit "Main"\'s 80 A',
      'charger "CP-1": L1 limit 50 A is above its circuit "Sub"\'s 40 A',
      'charger "CP-1": L3 limit 50 A is above its circuit "Sub"\'s 40 A',
      'charger "CP-1" connector 1: maxCurrentA 63 A is above the charger\'s 50 A',
    ]);
  });

  it('throws every error at once from assertValidSiteModel, and returns the warnings otherwise', () => {
    const bad = model({ chargers: [{ ...model().chargers[0], circuitId: 'x', phaseRotation: ['L1'] }] });
    expect(() => assertValidSiteModel(bad)).toThrow(InvalidSiteModelError);
    expect(() => assertValidSiteModel(bad)).toThrow(
      /phaseRotation.*; charger "CP-1" is placed on an unknown circuit x/,
    );
    expect(assertValidSiteModel(model())).toEqual([]);
  });
});

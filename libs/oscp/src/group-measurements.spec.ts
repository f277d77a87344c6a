import {
  assetMeasurements,
  combinedAssetMeasurement,
  ConnectorReading,
  groupMeasurements,
  measurementStyle,
} from './group-measurements';

const NOW = new Date('2026-01-01T12:00:00Z');
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 11, minute));

const reading = (overrides: Partial<ConnectorReading>): ConnectorReading => ({
  assetId: 'CP-1/1',
  energyRegisterWh: null,
  powerW: null,
  measuredAt: null,
  session: null,
  ...overrides,
});

const common = { phase: 'ALL', unit: 'WH', direction: 'IMPORT', energy_type: 'FLEXIBLE' };

describe(measurementStyle.name, () => {
  it.each<[string[], string]>([
    [[], 'CONTINUOUS'],
    [['CONTINUOUS'], 'CONTINUOUS'],
    [['CONTINUOUS', 'INTERMITTENT'], 'CONTINUOUS'],
    [['INTERMITTENT'], 'INTERMITTENT'],
  ])('asked %j: %s', (asked, style) => {
    expect(measurementStyle(asked as never)).toBe(style);
  });
});

describe(groupMeasurements.name, () => {
  const readings = [
    reading({
      assetId: 'A/1',
      energyRegisterWh: 12_000,
      measuredAt: at(50),
      session: { meterStartWh: 10_000, startedAt: at(0) },
    }),
    reading({ assetId: 'B/1', energyRegisterWh: 5_500, measuredAt: at(55), session: null }),
    reading({ assetId: 'C/1', energyRegisterWh: null }),
  ];

  it('CONTINUOUS: sums the registers, at the latest meter time', () => {
    expect(groupMeasurements(readings, 'CONTINUOUS', NOW)).toEqual([
      { ...common, value: 17_500, measure_time: at(55).toISOString() },
    ]);
  });

  it('INTERMITTENT: the energy of each open session since its start', () => {
    expect(groupMeasurements(readings, 'INTERMITTENT', NOW)).toEqual([
      {
        ...common,
        value: 2_000,
        measure_time: at(50).toISOString(),
        initial_measure_time: at(0).toISOString(),
      },
    ]);
  });

  it.each(['CONTINUOUS', 'INTERMITTENT'] as const)(
    '%s: one zero reading when nothing was measured',
    (style) => {
      const [only, ...rest] = groupMeasurements([reading({})], style, NOW);
      expect(rest).toEqual([]);
      expect(only).toMatchObject({ ...common, value: 0, measure_time: NOW.toISOString() });
    },
  );
});

describe(assetMeasurements.name, () => {
  it('reports each connector as a CHARGING asset with its register and power', () => {
    expect(
      assetMeasurements(
        [
          reading({ assetId: 'A/1', energyRegisterWh: 100, powerW: 7_000, measuredAt: at(1) }),
          reading({ assetId: 'A/2' }),
        ],
        NOW,
      ),
    ).toEqual([
      {
        asset_id: 'A/1',
        asset_category: 'CHARGING',
        energy_measurement: { ...common, value: 100, measure_time: at(1).toISOString() },
        instantaneous_measurement: {
          value: 7_000,
          phase: 'ALL',
          unit: 'W',
          measure_time: at(1).toISOString(),
        },
      },
      { asset_id: 'A/2', asset_category: 'CHARGING' },
    ]);
  });
});

describe(combinedAssetMeasurement.name, () => {
  it('reports the group as one CHARGING asset: the sum of registers and of power at the latest reading', () => {
    expect(
      combinedAssetMeasurement(
        [
          reading({ assetId: 'A/1', energyRegisterWh: 100, powerW: 7_000, measuredAt: at(1) }),
          reading({ assetId: 'A/2', energyRegisterWh: 2_400, powerW: null, measuredAt: at(3) }),
          reading({ assetId: 'B/1', energyRegisterWh: null, powerW: 3_600, measuredAt: at(2) }),
        ],
        'depot',
        NOW,
      ),
    ).toEqual([
      {
        asset_id: 'depot',
        asset_category: 'CHARGING',
        energy_measurement: { ...common, value: 2_500, measure_time: at(3).toISOString() },
        instantaneous_measurement: {
          value: 10_600,
          phase: 'ALL',
          unit: 'W',
          measure_time: at(3).toISOString(),
        },
      },
    ]);
  });

  it('leaves out what nothing measured', () => {
    expect(combinedAssetMeasurement([reading({})], 'depot', NOW)).toEqual([
      { asset_id: 'depot', asset_category: 'CHARGING' },
    ]);
  });
});

describe('registers that reset', () => {
  it('reports the counted register, which carries on across a reset, where the meter went back', () => {
    const afterReset = [
      reading({ assetId: 'A/1', energyRegisterWh: 121, countedEnergyWh: 3_864, measuredAt: at(50) }),
      reading({ assetId: 'B/1', energyRegisterWh: 500, measuredAt: at(40) }),
    ];
    expect(groupMeasurements(afterReset, 'CONTINUOUS', NOW)[0].value).toBe(4_364);
    expect(assetMeasurements(afterReset, NOW)[0].energy_measurement?.value).toBe(3_864);
    expect(combinedAssetMeasurement(afterReset, 'SITE', NOW)[0].energy_measurement?.value).toBe(4_364);
  });
});

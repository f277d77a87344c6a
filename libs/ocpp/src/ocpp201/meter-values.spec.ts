import { parseMeterValues201 } from './meter-values';

describe('parseMeterValues201', () => {
  it('reads numbers with unitOfMeasure and multiplier from the latest sample', () => {
    const measurement = parseMeterValues201([
      { timestamp: '2026-03-01T11:59:00Z', sampledValue: [{ value: 99, measurand: 'Power.Active.Import' }] },
      {
        timestamp: '2026-03-01T12:00:00Z',
        sampledValue: [
          { value: 15.5, measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'A' } },
          { value: 16, measurand: 'Current.Import', phase: 'L2-N' },
          { value: 11, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'kW' } },
          { value: 12.345, unitOfMeasure: { unit: 'kWh', multiplier: 1 } },
          { value: 80, measurand: 'SoC', unitOfMeasure: { unit: 'Percent' } },
        ],
      },
    ]);
    expect(measurement).toEqual({
      measuredAt: new Date('2026-03-01T12:00:00Z'),
      currentA: [15.5, 16, null],
      powerW: 11_000,
      energyWh: 123_450,
      socPercent: 80,
      offeredCurrentA: null,
      phasesInUse: null,
    });
  });

  it('reads the offered current and learns a single-phase EV from its per-phase currents', () => {
    const measurement = parseMeterValues201([
      {
        timestamp: '2026-03-01T12:00:00Z',
        sampledValue: [
          { value: 0, measurand: 'Current.Import', phase: 'L1' },
          { value: 15.9, measurand: 'Current.Import', phase: 'L2' },
          { value: 0.2, measurand: 'Current.Import', phase: 'L3' },
          { value: 16, measurand: 'Current.Offered', unitOfMeasure: { unit: 'A' } },
        ],
      },
    ]);
    expect(measurement).toMatchObject({
      offeredCurrentA: 16,
      phasesInUse: { count: 1, mask: [false, true, false] },
    });
  });

  it('ignores unknown units, per-phase power and measurands we do not keep', () => {
    expect(
      parseMeterValues201([
        {
          timestamp: '2026-03-01T12:00:00Z',
          sampledValue: [
            { value: 5, measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'mA' } },
            { value: 3000, measurand: 'Power.Active.Import', phase: 'L1' },
            { value: 230, measurand: 'Voltage', phase: 'L1-N', unitOfMeasure: { unit: 'V' } },
            { value: 80, measurand: 'SoC', unitOfMeasure: { unit: 'Wh' } },
          ],
        },
      ]),
    ).toBeNull();
  });
});

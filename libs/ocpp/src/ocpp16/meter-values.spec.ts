import type { SampledValue16 } from './messages';
import { parseMeterValues16 } from './meter-values';

const AT = '2026-03-01T12:00:00.000Z';
const sample = (...sampledValue: SampledValue16[]) => [{ timestamp: AT, sampledValue }];
const NOTHING = {
  currentA: null,
  powerW: null,
  energyWh: null,
  socPercent: null,
  offeredCurrentA: null,
  phasesInUse: null,
};

describe('parseMeterValues16', () => {
  it('reads per-phase current, power and energy in base units', () => {
    const measurement = parseMeterValues16(
      sample(
        { value: '15.5', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
        { value: '15.2', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
        { value: '14.9', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
        { value: '10500', measurand: 'Power.Active.Import', unit: 'W' },
        { value: '123456', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
      ),
    );
    expect(measurement).toEqual({
      ...NOTHING,
      measuredAt: new Date(AT),
      currentA: [15.5, 15.2, 14.9],
      powerW: 10500,
      energyWh: 123456,
      phasesInUse: { count: 3, mask: [true, true, true] },
    });
  });

  it('multiplies kW to W and kWh to Wh', () => {
    const measurement = parseMeterValues16(
      sample(
        { value: '7.4', measurand: 'Power.Active.Import', unit: 'kW' },
        { value: '12.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' },
      ),
    );
    expect(measurement?.powerW).toBeCloseTo(7400, 9);
    expect(measurement?.energyWh).toBeCloseTo(12500, 9);
  });

  it('takes a sample without measurand as the energy register, in Wh when no unit is given', () => {
    expect(parseMeterValues16(sample({ value: '4200' }))).toEqual({
      ...NOTHING,
      measuredAt: new Date(AT),
      energyWh: 4200,
    });
    expect(parseMeterValues16(sample({ value: '4.2', unit: 'kWh' }))?.energyWh).toBeCloseTo(4200, 9);
  });

  it('leaves unreported phases null and accepts the L1-N form', () => {
    const measurement = parseMeterValues16(
      sample(
        { value: '16', measurand: 'Current.Import', phase: 'L1-N', unit: 'A' },
        { value: '8', measurand: 'Current.Import', phase: 'L3-N' },
      ),
    );
    expect(measurement?.currentA).toEqual([16, null, 8]);
    expect(measurement?.powerW).toBeNull();
  });

  it('ignores currents without a line phase, phased powers, other measurands and units', () => {
    const measurement = parseMeterValues16(
      sample(
        { value: '30', measurand: 'Current.Import', unit: 'A' },
        { value: '2', measurand: 'Current.Import', phase: 'N', unit: 'A' },
        { value: '3000', measurand: 'Power.Active.Import', phase: 'L1', unit: 'W' },
        { value: '32', measurand: 'Current.Offered', phase: 'L1', unit: 'W' },
        { value: '80', measurand: 'SoC', unit: 'Wh' },
        { value: '230', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
        { value: '5', measurand: 'Current.Import', phase: 'L2', unit: 'W' },
        { value: '1000', measurand: 'Power.Active.Import', unit: 'VA' },
      ),
    );
    expect(measurement).toBeNull();
  });

  it('ignores unparsable values and signed data', () => {
    expect(
      parseMeterValues16(
        sample(
          { value: '', measurand: 'Power.Active.Import' },
          { value: 'abc', measurand: 'Power.Active.Import' },
          { value: 'U0lHTkVE', format: 'SignedData' },
        ),
      ),
    ).toBeNull();
  });

  it('keeps the most recent sample and merges entries that share its timestamp', () => {
    const measurement = parseMeterValues16([
      {
        timestamp: '2026-03-01T12:01:00Z',
        sampledValue: [{ value: '2000', measurand: 'Power.Active.Import' }],
      },
      {
        timestamp: '2026-03-01T12:00:00Z',
        sampledValue: [{ value: '1000', measurand: 'Power.Active.Import' }],
      },
      { timestamp: '2026-03-01T12:01:00Z', sampledValue: [{ value: '500' }] },
    ]);
    expect(measurement).toEqual({
      ...NOTHING,
      measuredAt: new Date('2026-03-01T12:01:00Z'),
      powerW: 2000,
      energyWh: 500,
    });
  });

  it('reads SoC and the offered current, the highest phase when given per phase', () => {
    expect(
      parseMeterValues16(
        sample(
          { value: '57', measurand: 'SoC', unit: 'Percent' },
          { value: '16', measurand: 'Current.Offered', phase: 'L1', unit: 'A' },
          { value: '16.5', measurand: 'Current.Offered', phase: 'L2' },
        ),
      ),
    ).toEqual({ ...NOTHING, measuredAt: new Date(AT), socPercent: 57, offeredCurrentA: 16.5 });
    expect(parseMeterValues16(sample({ value: '10', measurand: 'Current.Offered' }))?.offeredCurrentA).toBe(
      10,
    );
  });

  it('learns the phases an EV draws on from currents above 1 A on all three reported phases', () => {
    const currents = (l1: string, l2: string, l3?: string) =>
      parseMeterValues16(
        sample(
          { value: l1, measurand: 'Current.Import', phase: 'L1', unit: 'A' },
          { value: l2, measurand: 'Current.Import', phase: 'L2', unit: 'A' },
          ...(l3 === undefined ? [] : [{ value: l3, measurand: 'Current.Import', phase: 'L3', unit: 'A' }]),
        ),
      )?.phasesInUse;
    expect(currents('15.8', '0.3', '0')).toEqual({ count: 1, mask: [true, false, false] });
    expect(currents('0', '0.2', '12')).toEqual({ count: 1, mask: [false, false, true] });
    expect(currents('10', '10', '0.9')).toEqual({ count: 2, mask: [true, true, false] });
    // Nothing drawn (paused, full) or a phase not reported: the reading tells nothing about the phases.
    expect(currents('0.4', '0', '0')).toBeNull();
    expect(currents('16', '0')).toBeNull();
  });

  it('returns null for an empty request', () => {
    expect(parseMeterValues16([])).toBeNull();
    expect(parseMeterValues16([{ timestamp: AT, sampledValue: [] }])).toBeNull();
  });
});

import fc from 'fast-check';
import { countedEnergyWh, CountedRegister } from './energy-register';

const T0 = new Date('2026-12-01T10:00:00Z');
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);
/** 32 A on three phases at 230 V. */
const MAX_W = 32 * 3 * 230;

/** Feeds readings one after the other, as the repository does, and returns every count. */
function countAll(readings: { wh: number; minute: number }[], maxPowerW = MAX_W): number[] {
  let state: CountedRegister = { registerWh: null, countedWh: null, at: null };
  return readings.map(({ wh, minute }) => {
    const countedWh = countedEnergyWh(state, wh, minutes(minute), maxPowerW);
    state = { registerWh: wh, countedWh, at: minutes(minute) };
    return countedWh;
  });
}

describe(countedEnergyWh.name, () => {
  it('follows the meter while it counts up plausibly', () => {
    expect(
      countAll([
        { wh: 3_000, minute: 0 },
        { wh: 3_300, minute: 1 },
        { wh: 3_743, minute: 2 },
      ]),
    ).toEqual([3_000, 3_300, 3_743]);
  });

  it('carries on from where it was when the charger restarts with its register at 0', () => {
    expect(
      countAll([
        { wh: 3_743, minute: 0 },
        { wh: 0, minute: 1 },
        { wh: 121, minute: 2 },
        { wh: 400, minute: 3 },
      ]),
    ).toEqual([3_743, 3_743, 3_864, 4_143]);
  });

  it('counts a new meter from its first reading on, whatever it starts at', () => {
    expect(
      countAll([
        { wh: 10_000, minute: 0 },
        { wh: 2_500, minute: 1 },
        { wh: 2_700, minute: 2 },
      ]),
    ).toEqual([10_000, 10_000, 10_200]);
  });

  it('does not count a jump up beyond what the connector could deliver, and follows from there', () => {
    expect(
      countAll([
        { wh: 1_000, minute: 0 },
        { wh: 90_000, minute: 1 },
        { wh: 90_300, minute: 2 },
      ]),
    ).toEqual([1_000, 1_000, 1_300]);
  });

  it('starts from the register for a connector whose register was stored before counting began', () => {
    const before: CountedRegister = { registerWh: 5_000, countedWh: null, at: T0 };
    expect(countedEnergyWh(before, 5_200, minutes(1), MAX_W)).toBe(5_200);
    expect(countedEnergyWh(before, 100, minutes(1), MAX_W)).toBe(5_000);
  });

  it('ignores a reading that is no number', () => {
    const before: CountedRegister = { registerWh: 5_000, countedWh: 6_000, at: T0 };
    expect(countedEnergyWh(before, Number.NaN, minutes(1), MAX_W)).toBe(6_000);
  });

  it('never decreases, and never grows faster than the connector can deliver, whatever the meter says', () => {
    const reading = fc.record({
      wh: fc.oneof(fc.double({ min: -1e6, max: 1e7, noNaN: true }), fc.constant(0)),
      gapMinutes: fc.integer({ min: 0, max: 120 }),
    });
    fc.assert(
      fc.property(fc.array(reading, { minLength: 1, maxLength: 60 }), (steps) => {
        let minute = 0;
        const readings = steps.map(({ wh, gapMinutes }) => ({ wh, minute: (minute += gapMinutes) }));
        const counts = countAll(readings);
        for (let i = 1; i < counts.length; i++) {
          expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
          const hours = (readings[i].minute - readings[i - 1].minute) / 60;
          expect(counts[i] - counts[i - 1]).toBeLessThanOrEqual(MAX_W * hours * 1.25 + 50 + 1e-6);
        }
      }),
    );
  });
});

import fc from 'fast-check';
import { evPhasesAt, noisyCurrents, SimulatedEv } from './simulated-charger';

describe('what a simulated meter reads of an EV', () => {
  it('reads noisy currents: near the drawn current on the phases used, a little on the idle ones', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 6, max: 32, noNaN: true }),
        fc.integer({ min: 1, max: 1_000 }),
        (amps, seed) => {
          let state = seed;
          const random = () => ((state = (state * 16807) % 2_147_483_647) - 1) / 2_147_483_646;
          const read = noisyCurrents([amps, 0, amps], { amplitudeA: 0.5, random });
          expect(Math.abs(read[0] - amps)).toBeLessThanOrEqual(0.51);
          expect(read[1]).toBeGreaterThanOrEqual(0);
          expect(read[1]).toBeLessThanOrEqual(0.5);
          expect(Math.abs(read[2] - amps)).toBeLessThanOrEqual(0.51);
        },
      ),
    );
  });

  it('lets a phase in use read below 1 A now and then, when its sensor glitches', () => {
    const draws = [0.0, 0.5, 0.9, 0.2];
    const random = () => draws.shift() ?? 0.5;
    // The first phase glitches (0.0 < 0.1), reading 0.5 × 0.9 A; the second reads 16 + (2 × 0.2 − 1) × 0.5.
    expect(noisyCurrents([16, 16, 0], { amplitudeA: 0.5, dropoutProbability: 0.1, random })).toEqual([
      0.45, 15.7, 0.25,
    ]);
  });

  it('follows the EV through its phase switches', () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute));
    const ev: SimulatedEv = {
      maxCurrentA: 32,
      phases: [false, false, true],
      phaseSwitches: [
        { at: at(10), phases: [true, true, true] },
        { at: at(20), phases: [false, true, false] },
      ],
    };
    expect([at(0), at(10), at(15), at(25)].map((t) => evPhasesAt(ev, t))).toEqual([
      [false, false, true],
      [true, true, true],
      [true, true, true],
      [false, true, false],
    ]);
  });
});

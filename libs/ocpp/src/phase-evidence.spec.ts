import fc from 'fast-check';
import { PhaseCurrents, PhaseMask, phasesInUseOf } from './measurement';
import {
  learnPhases,
  PHASE_EVIDENCE_MIN_SPAN_MS,
  PHASE_EVIDENCE_READINGS,
  PhaseLearning,
  plannedPhaseCount,
} from './phase-evidence';

const START = Date.parse('2026-03-01T10:00:00Z');
const NOTHING: PhaseLearning = { learned: null, evidence: null };

/** Folds readings taken `stepMs` apart into what is learnt, keeping every intermediate state. */
function learnAll(readings: PhaseCurrents[], stepMs = 30_000, connectorPhases = 3): PhaseLearning[] {
  const states: PhaseLearning[] = [];
  let state = NOTHING;
  readings.forEach((currentA, i) => {
    state = learnPhases(state, phasesInUseOf(currentA), new Date(START + i * stepMs), connectorPhases);
    states.push(state);
  });
  return states;
}

const planned = (state: PhaseLearning) => plannedPhaseCount(state.learned, 3);

describe('one reading: the phases that carry current', () => {
  it('counts a phase well above noise relative to the others, wherever it is', () => {
    expect(phasesInUseOf([0.2, 0.1, 16])).toEqual({ count: 1, mask: [false, false, true] });
    expect(phasesInUseOf([16, 0.4, 15.8])).toEqual({ count: 2, mask: [true, false, true] });
    // 2.5 A beside 32 A is crosstalk, not a phase the EV draws on (20 % of the largest).
    expect(phasesInUseOf([32, 2.5, 31])).toEqual({ count: 2, mask: [true, false, true] });
    expect(phasesInUseOf([0.3, 0.2, 0.1])).toBeNull();
    expect(phasesInUseOf([16, null, 16])).toBeNull();
  });
});

describe('learnPhases', () => {
  it('never flips on noise: a single low phase among three is forgotten at the next reading', () => {
    const states = learnAll([
      [16, 16, 16],
      [16, 0.5, 16],
      [16, 16, 16],
      [0.4, 16, 16],
      [16, 16, 16],
      [16, 16, 0.9],
    ]);
    expect(states.map(planned)).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it('learns fewer phases from consecutive readings of the same phases over a minute, with their mask', () => {
    const states = learnAll([
      [0, 0.2, 16],
      [0.1, 0, 16],
      [0, 0.3, 15.9],
    ]);
    expect(states.map(planned)).toEqual([3, 3, 1]);
    expect(states[2].learned).toEqual({ count: 1, mask: [false, false, true] });
  });

  it('needs the readings to span a minute, and counts a repeated instant once', () => {
    const burst = learnAll(
      Array.from({ length: 5 }, () => [16, 0, 0] as PhaseCurrents),
      1_000,
    );
    expect(burst.map(planned)).toEqual([3, 3, 3, 3, 3]);
    let state = NOTHING;
    const at = new Date(START);
    const onL1 = phasesInUseOf([16, 0, 0]);
    for (let i = 0; i < 5; i++) state = learnPhases(state, onL1, at, 3);
    expect(state.evidence?.readings).toBe(1);
  });

  it('goes back to all phases at the first reading showing more, or another phase', () => {
    const onL1: PhaseCurrents = [16, 0, 0];
    const states = learnAll([onL1, onL1, onL1, [16, 16, 0], onL1, onL1, onL1, [0, 16, 0]]);
    expect(states.map(planned)).toEqual([3, 3, 1, 3, 3, 3, 1, 3]);
    expect(states[3].learned).toEqual({ count: 3, mask: null });
    expect(states[3].evidence).toMatchObject({ count: 2, mask: [true, true, false], readings: 1 });
  });

  it('starts the run again when the candidate set changes', () => {
    const states = learnAll([
      [16, 0, 0],
      [16, 0, 0],
      [16, 16, 0],
      [16, 16, 0],
      [16, 16, 0],
    ]);
    expect(states.map(planned)).toEqual([3, 3, 3, 3, 2]);
    expect(states[4].learned?.mask).toEqual([true, true, false]);
  });

  it('takes counts without a mask (2.0.1 numberOfPhasesUsed) as evidence too', () => {
    let state = NOTHING;
    for (let i = 0; i < PHASE_EVIDENCE_READINGS; i++) {
      state = learnPhases(state, { count: 1, mask: null }, new Date(START + i * 30_000), 3);
    }
    expect(state.learned).toEqual({ count: 1, mask: null });
    state = learnPhases(state, { count: 3, mask: null }, new Date(START + 100_000), 3);
    expect(planned(state)).toBe(3);
  });

  it('never counts more phases than the connector has', () => {
    const states = learnAll([[16, 1.5, 14]], 30_000, 1);
    expect(states[0].learned).toEqual({ count: 1, mask: null });
    expect(plannedPhaseCount(states[0].learned, 1)).toBe(1);
  });

  it('keeps the learnt phases of a three-phase EV at 3 but for the evidence window, whatever the noise', () => {
    const noisyPhase = fc.oneof(
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      fc.double({ min: 6, max: 32, noNaN: true }),
    );
    const reading = fc.tuple(noisyPhase, noisyPhase, noisyPhase) as fc.Arbitrary<PhaseCurrents>;
    const stepMs = fc.integer({ min: 1_000, max: 120_000 });
    fc.assert(
      fc.property(fc.array(fc.tuple(reading, stepMs), { minLength: 1, maxLength: 60 }), (samples) => {
        let state = NOTHING;
        let at = START;
        let fewerSince: number | null = null;
        let fewerReadings = 0;
        for (const [currentA, step] of samples) {
          at += step;
          const observed = phasesInUseOf(currentA);
          state = learnPhases(state, observed, new Date(at), 3);
          if (observed === null) continue;
          const allThree = observed.count === 3;
          fewerSince = allThree ? null : (fewerSince ?? at);
          fewerReadings = allThree ? 0 : fewerReadings + 1;
          // Fewer than 3 only while the last readings have all shown fewer for the whole evidence window.
          if (planned(state) < 3) {
            expect(fewerSince).not.toBeNull();
            expect(fewerReadings).toBeGreaterThanOrEqual(PHASE_EVIDENCE_READINGS);
            expect(at - fewerSince!).toBeGreaterThanOrEqual(PHASE_EVIDENCE_MIN_SPAN_MS);
          }
          if (allThree) expect(planned(state)).toBe(3);
        }
      }),
    );
  });

  it('learns a steady single-phase EV on any phase within the evidence window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.double({ min: 6, max: 32, noNaN: true }),
        (phase, amps) => {
          const currentA = [0.3, 0.3, 0.3] as PhaseCurrents;
          currentA[phase] = amps;
          const states = learnAll([currentA, currentA, currentA]);
          const mask = [false, false, false] as PhaseMask;
          mask[phase] = true;
          expect(states[2].learned).toEqual({ count: 1, mask });
        },
      ),
    );
  });
});

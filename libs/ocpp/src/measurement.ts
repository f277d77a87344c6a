/** Current per phase in A, as [L1, L2, L3]; null for a phase the charger did not report. */
export type PhaseCurrents = [number | null, number | null, number | null];

export interface ConnectorMeasurement {
  measuredAt: Date;
  /** Null when the sample holds no per-phase current at all. */
  currentA: PhaseCurrents | null;
  powerW: number | null;
  energyWh: number | null;
  /** `SoC` in %, when the EV reported it. */
  socPercent: number | null;
  /** `Current.Offered`, A per phase (the highest phase when given per phase). */
  offeredCurrentA: number | null;
  /** The phases the EV draws on, when this sample tells; see `phasesInUseOf`. */
  phasesInUse: PhasesInUse | null;
}

/** Per charger phase L1..L3, whether it carries the EV's current. */
export type PhaseMask = [boolean, boolean, boolean];

/** How many phases an EV draws on, and which of the charger's L1..L3 (unknown when a station only counted them). */
export interface PhasesInUse {
  count: 1 | 2 | 3;
  mask: PhaseMask | null;
}

/**
 * A phase carries the EV's current when it draws more than this: an idle phase reads 0 or a few tenths of an
 * ampere of noise, while an EV draws at least the 6 A it can be signalled.
 */
export const PHASE_IN_USE_THRESHOLD_A = 1;

/**
 * ...and more than this share of the most loaded phase: an idle phase picks up a little of the others'
 * current (induction, meter offset), more as they carry more.
 */
export const PHASE_IN_USE_SHARE_OF_LARGEST = 0.2;

/** A sampled value in the version-neutral form: `value` already in A, W or Wh, or null when unusable. */
export interface NormalizedSample {
  measurand: string;
  phase?: string;
  value: number | null;
}

/** The measurands we keep, each with the multiplier of every unit the OCPP schemas allow for it. */
export const MEASURAND_UNITS: Record<string, { defaultUnit: string; units: Record<string, number> }> = {
  'Current.Import': { defaultUnit: 'A', units: { A: 1 } },
  'Power.Active.Import': { defaultUnit: 'W', units: { W: 1, kW: 1000 } },
  'Energy.Active.Import.Register': { defaultUnit: 'Wh', units: { Wh: 1, kWh: 1000 } },
  'Current.Offered': { defaultUnit: 'A', units: { A: 1 } },
  SoC: { defaultUnit: 'Percent', units: { Percent: 1 } },
};

/** Both versions: a sampled value without measurand is the import energy register. */
export const DEFAULT_MEASURAND = 'Energy.Active.Import.Register';

const PHASE_INDEX: Record<string, 0 | 1 | 2> = { L1: 0, 'L1-N': 0, L2: 1, 'L2-N': 1, L3: 2, 'L3-N': 2 };

/**
 * The entries of a MeterValues list that carry its most recent timestamp; older entries describe the past.
 */
export function latestEntries<T extends { timestamp: string }>(meterValues: readonly T[]): T[] {
  const times = meterValues.map((entry) => Date.parse(entry.timestamp)).filter(Number.isFinite);
  if (times.length === 0) return [];
  const newest = Math.max(...times);
  return meterValues.filter((entry) => Date.parse(entry.timestamp) === newest);
}

/** Merges the samples of one instant into a measurement; null when none of them is one we use. */
export function measurementOf(
  measuredAt: Date,
  samples: readonly NormalizedSample[],
): ConnectorMeasurement | null {
  const measurement: ConnectorMeasurement = {
    measuredAt,
    currentA: null,
    powerW: null,
    energyWh: null,
    socPercent: null,
    offeredCurrentA: null,
    phasesInUse: null,
  };
  for (const sample of samples) applySample(measurement, sample);
  measurement.phasesInUse = phasesInUseOf(measurement.currentA);
  const { currentA, powerW, energyWh, socPercent, offeredCurrentA } = measurement;
  const values = [currentA, powerW, energyWh, socPercent, offeredCurrentA];
  return values.every((value) => value === null) ? null : measurement;
}

/**
 * The phases this one reading shows carrying current (above `PHASE_IN_USE_THRESHOLD_A` and
 * `PHASE_IN_USE_SHARE_OF_LARGEST` of the largest), when it tells: all three phases must be reported (a charger
 * reporting only L1 says nothing about L2 and L3), and at least one must carry current (an EV that draws
 * nothing, paused or full, says nothing about its phases). One reading is only evidence: see `learnPhases`.
 */
export function phasesInUseOf(currentA: PhaseCurrents | null): PhasesInUse | null {
  if (currentA === null || currentA.some((amps) => amps === null)) return null;
  const largest = Math.max(...currentA.map((amps) => amps ?? 0));
  const threshold = Math.max(PHASE_IN_USE_THRESHOLD_A, PHASE_IN_USE_SHARE_OF_LARGEST * largest);
  const mask = currentA.map((amps) => (amps ?? 0) > threshold) as PhaseMask;
  const count = mask.filter(Boolean).length;
  return count === 0 ? null : { count: count as 1 | 2 | 3, mask };
}

function applySample(measurement: ConnectorMeasurement, { measurand, phase, value }: NormalizedSample): void {
  if (value === null || !(measurand in MEASURAND_UNITS)) return;
  if (measurand === 'Current.Offered') {
    measurement.offeredCurrentA = Math.max(measurement.offeredCurrentA ?? value, value);
    return;
  }
  if (measurand === 'Current.Import') {
    const index = phase === undefined ? undefined : PHASE_INDEX[phase];
    // A current without a line phase cannot be attributed to a grid phase.
    if (index === undefined) return;
    measurement.currentA ??= [null, null, null];
    measurement.currentA[index] = value;
    return;
  }
  // A per-phase power or energy value is only part of the connector total we store.
  if (phase !== undefined) return;
  if (measurand === 'Power.Active.Import') measurement.powerW = value;
  else if (measurand === 'SoC') measurement.socPercent = value;
  else measurement.energyWh = value;
}

import type { MeterValue16, SampledValue16 } from './messages';

/** Current per phase in A, as [L1, L2, L3]; null for a phase the charger did not report. */
export type PhaseCurrents = [number | null, number | null, number | null];

export interface ConnectorMeasurement {
  measuredAt: Date;
  /** Null when the sample holds no per-phase current at all. */
  currentA: PhaseCurrents | null;
  powerW: number | null;
  energyWh: number | null;
}

/** OCPP 1.6 §7.31: a sampled value without measurand is the import energy register. */
const DEFAULT_MEASURAND = 'Energy.Active.Import.Register';

/**
 * The measurands we keep, with the multiplier of each unit the schema allows for them. A missing unit means
 * Wh in 1.6, yet chargers routinely omit it on currents and powers, so each measurand has its own default.
 */
const MEASURANDS: Record<string, { defaultUnit: string; units: Record<string, number> }> = {
  'Current.Import': { defaultUnit: 'A', units: { A: 1 } },
  'Power.Active.Import': { defaultUnit: 'W', units: { W: 1, kW: 1000 } },
  'Energy.Active.Import.Register': { defaultUnit: 'Wh', units: { Wh: 1, kWh: 1000 } },
};

const PHASE_INDEX: Record<string, 0 | 1 | 2> = { L1: 0, 'L1-N': 0, L2: 1, 'L2-N': 1, L3: 2, 'L3-N': 2 };

/**
 * The readings of the most recent sample in a 1.6 MeterValues request (entries sharing that timestamp are
 * merged), or null when it holds nothing we use. Older entries are dropped: they describe the past.
 */
export function parseMeterValues16(meterValues: readonly MeterValue16[]): ConnectorMeasurement | null {
  const latest = latestEntries(meterValues);
  if (latest.length === 0) return null;
  const measurement: ConnectorMeasurement = {
    measuredAt: new Date(latest[0].timestamp),
    currentA: null,
    powerW: null,
    energyWh: null,
  };
  for (const sample of latest.flatMap((entry) => entry.sampledValue)) applySample(measurement, sample);
  const empty = measurement.currentA === null && measurement.powerW === null && measurement.energyWh === null;
  return empty ? null : measurement;
}

function latestEntries(meterValues: readonly MeterValue16[]): MeterValue16[] {
  const times = meterValues.map((entry) => Date.parse(entry.timestamp)).filter(Number.isFinite);
  if (times.length === 0) return [];
  const newest = Math.max(...times);
  return meterValues.filter((entry) => Date.parse(entry.timestamp) === newest);
}

function applySample(measurement: ConnectorMeasurement, sample: SampledValue16): void {
  const measurand = sample.measurand ?? DEFAULT_MEASURAND;
  const value = scaledValue(measurand, sample);
  if (value === null) return;
  if (measurand === 'Current.Import') {
    const phase = sample.phase === undefined ? undefined : PHASE_INDEX[sample.phase];
    // A current without a line phase cannot be attributed to a grid phase.
    if (phase === undefined) return;
    measurement.currentA ??= [null, null, null];
    measurement.currentA[phase] = value;
    return;
  }
  // A per-phase power or energy value is only part of the connector total we store.
  if (sample.phase !== undefined) return;
  if (measurand === 'Power.Active.Import') measurement.powerW = value;
  else measurement.energyWh = value;
}

/** The value in A, W or Wh; null for signed data, unparsable values, and measurands or units we ignore. */
function scaledValue(measurand: string, sample: SampledValue16): number | null {
  const spec = MEASURANDS[measurand];
  if (!spec || sample.format === 'SignedData') return null;
  const multiplier = spec.units[sample.unit ?? spec.defaultUnit];
  const text = sample.value.trim();
  const value = Number(text);
  if (multiplier === undefined || text === '' || !Number.isFinite(value)) return null;
  return value * multiplier;
}

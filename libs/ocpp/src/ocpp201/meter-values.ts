import {
  ConnectorMeasurement,
  DEFAULT_MEASURAND,
  latestEntries,
  MEASURAND_UNITS,
  measurementOf,
  NormalizedSample,
} from '../measurement';
import type { MeterValue201, SampledValue201 } from './messages';

/**
 * The readings of the most recent sample in 2.0.1 meter values (MeterValues or a TransactionEvent), entries
 * sharing that timestamp merged; null when it holds nothing we use.
 */
export function parseMeterValues201(meterValues: readonly MeterValue201[]): ConnectorMeasurement | null {
  const latest = latestEntries(meterValues);
  if (latest.length === 0) return null;
  const samples = latest.flatMap((entry) => entry.sampledValue).map(normalize);
  return measurementOf(new Date(latest[0].timestamp), samples);
}

function normalize(sample: SampledValue201): NormalizedSample {
  const measurand = sample.measurand ?? DEFAULT_MEASURAND;
  return { measurand, phase: sample.phase, value: scaledValue(measurand, sample) };
}

/**
 * The value in A, W or Wh; null for measurands or units we ignore. 2.0.1 values are numbers with a unit and
 * a power-of-ten multiplier (default 0); a missing unit is read as the measurand's usual one, as in 1.6.
 */
function scaledValue(measurand: string, sample: SampledValue201): number | null {
  const spec = MEASURAND_UNITS[measurand];
  if (!spec) return null;
  const unitMultiplier = spec.units[sample.unitOfMeasure?.unit ?? spec.defaultUnit];
  if (unitMultiplier === undefined || !Number.isFinite(sample.value)) return null;
  return sample.value * unitMultiplier * 10 ** (sample.unitOfMeasure?.multiplier ?? 0);
}

import {
  ConnectorMeasurement,
  DEFAULT_MEASURAND,
  latestEntries,
  MEASURAND_UNITS,
  measurementOf,
  NormalizedSample,
} from '../measurement';
import type { MeterValue16, SampledValue16 } from './messages';

/**
 * The readings of the most recent sample in a 1.6 MeterValues request (entries sharing that timestamp are
 * merged), or null when it holds nothing we use.
 */
export function parseMeterValues16(meterValues: readonly MeterValue16[]): ConnectorMeasurement | null {
  const latest = latestEntries(meterValues);
  if (latest.length === 0) return null;
  const samples = latest.flatMap((entry) => entry.sampledValue).map(normalize);
  return measurementOf(new Date(latest[0].timestamp), samples);
}

function normalize(sample: SampledValue16): NormalizedSample {
  const measurand = sample.measurand ?? DEFAULT_MEASURAND;
  return { measurand, phase: sample.phase, value: scaledValue(measurand, sample) };
}

/**
 * The value in A, W or Wh; null for signed data, unparsable values, and measurands or units we ignore. A
 * missing unit means Wh in 1.6, yet chargers routinely omit it on currents and powers, so each measurand
 * has its own default.
 */
function scaledValue(measurand: string, sample: SampledValue16): number | null {
  const spec = MEASURAND_UNITS[measurand];
  if (!spec || sample.format === 'SignedData') return null;
  const multiplier = spec.units[sample.unit ?? spec.defaultUnit];
  const text = sample.value.trim();
  const value = Number(text);
  if (multiplier === undefined || text === '' || !Number.isFinite(value)) return null;
  return value * multiplier;
}

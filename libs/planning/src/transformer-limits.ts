import { DEFAULT_PHASE_VOLTAGE_V, transformerPhasorLimits, type PhasorLimit } from '@gridflex/optimizer';
import type { schema } from '@gridflex/persistence';

type Transformer = schema.TransformerColumn;

/**
 * A declared transformer as the optimizer's phasor limits, the same in every block: its wye secondary's
 * line currents, and its delta primary's when given, with the winding turns ratio n = the primary's
 * line-to-line voltage over the secondary's phase-to-neutral voltage (480 V Δ – 208Y/120 V: n = 4).
 */
export function transformerLimits(
  transformer: Transformer,
  phaseToNeutralV: number = DEFAULT_PHASE_VOLTAGE_V,
  blockCount: number,
): PhasorLimit[] {
  const every = (limitA: number) => Array.from({ length: blockCount }, () => limitA);
  const { secondaryLineLimitA, primaryLineLimitA, primaryVoltageV } = transformer;
  const primary =
    primaryLineLimitA !== undefined && primaryVoltageV !== undefined
      ? { limitsA: every(primaryLineLimitA), turnsRatio: primaryVoltageV / phaseToNeutralV }
      : undefined;
  return transformerPhasorLimits({
    secondaryLimitsA: every(secondaryLineLimitA),
    ...(primary && { primary }),
  });
}

/**
 * Per-phase currents that keep every line of the transformer within its limits whatever their phase
 * angles (a line's magnitude is at most the sum of the currents on the phases it touches): a per-phase
 * bound for what has no phasor model, e.g. the chargers' fail-safe shares. The secondary line a carries
 * at most phase a's currents; the primary line A at most (a + c) / n.
 */
export function transformerPhaseBoundA(
  transformer: Transformer,
  phaseToNeutralV: number = DEFAULT_PHASE_VOLTAGE_V,
): number {
  const { secondaryLineLimitA, primaryLineLimitA, primaryVoltageV } = transformer;
  if (primaryLineLimitA === undefined || primaryVoltageV === undefined) return secondaryLineLimitA;
  return Math.min(secondaryLineLimitA, (primaryLineLimitA * (primaryVoltageV / phaseToNeutralV)) / 2);
}

/**
 * What per-phase loads we do not steer (base load, excluded chargers, at unknown angles) can add to
 * the magnitude of a limit's line at most: Σ |factor| · load over the phases. Lowering the limit by it
 * keeps the line safe whatever their angles (triangle inequality).
 */
export function reservedLineA(limit: PhasorLimit, reservedA: readonly number[]): number {
  const factors = [limit.factors.L1, limit.factors.L2, limit.factors.L3];
  return factors.reduce<number>((sum, factor, phase) => sum + Math.abs(factor ?? 0) * reservedA[phase], 0);
}

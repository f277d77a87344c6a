import type { ConstraintSystem } from './constraint-system';

/** Room left for rounding when checking that minimums fit. */
const FIT_TOLERANCE_A = 1e-9;

/** admitted[i] when connector i may charge in the block; blockedBy[i] the constraint its minimum missed. */
export interface Admission {
  admitted: Uint8Array;
  blockedBy: Int32Array;
}

/**
 * Greedy admission along `order`: a connector is admitted when its minimum still fits on every
 * constraint it loads, given the reservations and the minimums admitted before it. A connector whose
 * minimum is 0 always fits. Reservations are the currents of the connectors that cannot be steered.
 */
export function admitInOrder(
  system: ConstraintSystem,
  limitsA: Float64Array,
  reservedA: Float64Array,
  minimumsA: Float64Array,
  order: ArrayLike<number>,
  out: Admission,
): void {
  const used = reservedA.slice();
  const { unitCoefficients, coefficientsOf } = system;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const minimum = minimumsA[i];
    const blocked = minimum > 0 ? firstFullConstraint(system, i, minimum, limitsA, used) : -1;
    out.blockedBy[i] = blocked;
    if (blocked >= 0) continue;
    out.admitted[i] = 1;
    for (let j = system.constraintStart[i]; j < system.constraintStart[i + 1]; j++) {
      used[system.constraintsOf[j]] += unitCoefficients ? minimum : coefficientsOf[j] * minimum;
    }
  }
}

/** Whether every candidate's minimum fits at once, so that no order needs to be computed. */
export function allMinimumsFit(
  system: ConstraintSystem,
  limitsA: Float64Array,
  reservedA: Float64Array,
  minimumsA: Float64Array,
  candidates: ArrayLike<number>,
): boolean {
  const used = reservedA.slice();
  const { unitCoefficients, coefficientsOf } = system;
  for (let k = 0; k < candidates.length; k++) {
    const i = candidates[k];
    const minimum = minimumsA[i];
    for (let j = system.constraintStart[i]; j < system.constraintStart[i + 1]; j++) {
      used[system.constraintsOf[j]] += unitCoefficients ? minimum : coefficientsOf[j] * minimum;
    }
  }
  for (let c = 0; c < system.constraintCount; c++) {
    if (used[c] > 0 && used[c] > limitsA[c] + FIT_TOLERANCE_A) return false;
  }
  return true;
}

function firstFullConstraint(
  system: ConstraintSystem,
  i: number,
  minimumA: number,
  limitsA: Float64Array,
  used: Float64Array,
): number {
  const { unitCoefficients, coefficientsOf } = system;
  for (let j = system.constraintStart[i]; j < system.constraintStart[i + 1]; j++) {
    const c = system.constraintsOf[j];
    const loadA = unitCoefficients ? minimumA : coefficientsOf[j] * minimumA;
    if (used[c] + loadA > limitsA[c] + FIT_TOLERANCE_A) return c;
  }
  return -1;
}

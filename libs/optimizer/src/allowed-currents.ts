import type { ConstraintSystem } from './constraint-system.js';
import type { ConnectorDemand } from './model.js';

const TOLERANCE_A = 1e-9;

/** Per connector, its `allowedCurrentsA`; undefined when none has any (the common case, skipped). */
export function allowedCurrentsOf(
  connectors: readonly ConnectorDemand[],
): (readonly number[] | undefined)[] | undefined {
  return connectors.some((c) => c.allowedCurrentsA !== undefined)
    ? connectors.map((c) => c.allowedCurrentsA)
    : undefined;
}

/** One block's currents and what they load, both changed in place by `roundToAllowedCurrents`. */
export interface BlockCurrents {
  /** Per connector. */
  currentsA: Float64Array;
  /** Per constraint of the system: Σ coefficient · current over its members. */
  loadsA: Float64Array;
  /** The constraint's limit in this block. */
  limitA(c: number): number;
  /** Priority of connector i (higher is raised first). */
  priority(i: number): number;
  /** The last tie-break, lower raised first (precedence). */
  precedence(i: number): number;
}

/**
 * Makes one block's continuous currents ones the chargers can apply: each current between two allowed
 * values is first lowered to the one below (0 below the least), which keeps every limit; then the
 * freed room is given back by raising, higher priority first and then the largest rounding loss, each
 * to the allowed value above its continuous current wherever every constraint it loads still has room.
 * Flooring alone would strand the room of every group (three EVs sharing 80 A get 26 A each, not
 * 27 + 27 + 26) and the last part of an EV's energy (a cap of 6.4 A that completes it becomes 6 A).
 */
export function roundToAllowedCurrents(
  system: ConstraintSystem,
  allowed: readonly (readonly number[] | undefined)[],
  block: BlockCurrents,
): void {
  const { currentsA } = block;
  const raises: { i: number; upA: number; lossA: number }[] = [];
  for (let i = 0; i < currentsA.length; i++) {
    const steps = allowed[i];
    const x = currentsA[i];
    if (steps === undefined || x <= TOLERANCE_A) continue;
    // A solver's rounding dust (31.999999999999915 A) is the allowed value it stands for.
    const exact = steps.find((a) => Math.abs(a - x) <= TOLERANCE_A);
    if (exact !== undefined) {
      change(system, block, i, exact);
      continue;
    }
    const down = below(steps, x);
    change(system, block, i, down);
    const up = steps.find((a) => a > x);
    if (up !== undefined) raises.push({ i, upA: up, lossA: x - down });
  }
  raises.sort(
    (a, b) =>
      block.priority(b.i) - block.priority(a.i) ||
      b.lossA - a.lossA ||
      block.precedence(a.i) - block.precedence(b.i) ||
      a.i - b.i,
  );
  for (const { i, upA } of raises) {
    if (fits(system, block, i, upA - currentsA[i])) change(system, block, i, upA);
  }
}

/** The highest allowed current at or below x, or 0. */
function below(steps: readonly number[], x: number): number {
  let down = 0;
  for (const a of steps) if (a <= x + TOLERANCE_A) down = a;
  return down;
}

function fits(system: ConstraintSystem, block: BlockCurrents, i: number, extraA: number): boolean {
  for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
    const c = system.constraintsOf[k];
    if (block.loadsA[c] + system.coefficientsOf[k] * extraA > block.limitA(c) + TOLERANCE_A) return false;
  }
  return true;
}

function change(system: ConstraintSystem, block: BlockCurrents, i: number, currentA: number): void {
  const delta = currentA - block.currentsA[i];
  block.currentsA[i] = currentA;
  for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
    block.loadsA[system.constraintsOf[k]] += system.coefficientsOf[k] * delta;
  }
}

/** A linear capacity constraint: the sum of the members' currents must stay at or below limitA. */
export interface FillConstraint {
  limitA: number;
  /** Indices into the caps passed to progressiveFill. */
  members: readonly number[];
}

/**
 * Exact max-min fair (water-filling) currents: one common level rises for every unfrozen index; an
 * index freezes at its cap, and all unfrozen members of a constraint freeze when it becomes tight.
 * Instead of stepping the level, each round jumps straight to the next freezing event, so there are at
 * most caps.length rounds. A cap of 0 takes an index out of the sharing without changing the indexing.
 * Caps must be finite and non-negative; a constraint already violated at level 0 (limit < 0) pins its
 * members at 0, since currents are never negative.
 */
export function progressiveFill(capsA: readonly number[], constraints: readonly FillConstraint[]): number[] {
  const currents = new Array<number>(capsA.length).fill(0);
  const frozen = new Array<boolean>(capsA.length).fill(false);
  let unfrozenCount = capsA.length;
  let level = 0;

  while (unfrozenCount > 0) {
    const tightAt = constraints.map((constraint) => saturationLevel(constraint, currents, frozen));
    level = Math.max(level, Math.min(lowestUnfrozenCap(capsA, frozen), minimum(tightAt)));

    const freeze = (index: number): void => {
      if (frozen[index]) return;
      frozen[index] = true;
      currents[index] = level;
      unfrozenCount--;
    };
    constraints.forEach((constraint, c) => {
      if (tightAt[c] <= level) constraint.members.forEach(freeze);
    });
    capsA.forEach((cap, index) => {
      if (cap <= level) freeze(index);
    });
  }
  return currents;
}

/** The common level at which the constraint's unfrozen members would fill it; Infinity if none are left. */
function saturationLevel(constraint: FillConstraint, currents: number[], frozen: boolean[]): number {
  let frozenSum = 0;
  let open = 0;
  for (const index of constraint.members) {
    if (frozen[index]) frozenSum += currents[index];
    else open++;
  }
  return open === 0 ? Infinity : (constraint.limitA - frozenSum) / open;
}

function lowestUnfrozenCap(capsA: readonly number[], frozen: boolean[]): number {
  return minimum(capsA.filter((_, index) => !frozen[index]));
}

/** Math.min without spreading, which overflows the call stack on large arrays. */
function minimum(values: readonly number[]): number {
  let result = Infinity;
  for (const value of values) if (value < result) result = value;
  return result;
}

import { seededRandom, type Random } from '@gridflex/simulator';

export type { Random };

/** mulberry32 (the simulator's seeded PRNG), so every run of a benchmark measures the same instances. */
export const fixedSeedRandom = seededRandom;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

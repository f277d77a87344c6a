/** One sort key: per index a rank in [0, count). */
export interface RankKey {
  ranks: ArrayLike<number>;
  count: number;
}

/**
 * Orders indices by several keys of small integer ranks, ties kept in the given order: one stable
 * counting-sort pass per key, least significant first, so O(keys · (n + count)) without comparisons,
 * hashing or allocations per call. The admission order of every contended block is computed this way.
 */
export class RankSorter {
  private from: Int32Array;
  private to: Int32Array;
  private counts = new Int32Array(16);

  constructor(capacity: number) {
    this.from = new Int32Array(capacity);
    this.to = new Int32Array(capacity);
  }

  /**
   * `indices` by keys[0], then keys[1], and so on, then their given order. The result is a view of
   * scratch space: valid until the next call.
   */
  order(indices: ArrayLike<number>, keys: readonly RankKey[]): Int32Array {
    const n = indices.length;
    let sorted = this.from.subarray(0, n);
    let spare = this.to.subarray(0, n);
    for (let k = 0; k < n; k++) sorted[k] = indices[k];
    for (let key = keys.length - 1; key >= 0; key--) {
      if (this.sortPass(sorted, spare, keys[key])) [sorted, spare] = [spare, sorted];
    }
    return sorted;
  }

  /** Stable by one key from `source` into `target`; false (and nothing written) when all ranks are equal. */
  private sortPass(source: Int32Array, target: Int32Array, { ranks, count }: RankKey): boolean {
    if (this.counts.length < count + 1) this.counts = new Int32Array(2 * count + 1);
    const { counts } = this;
    counts.fill(0, 0, count + 1);
    for (let k = 0; k < source.length; k++) counts[ranks[source[k]] + 1]++;
    for (let r = 0; r < count; r++) {
      if (counts[r + 1] === source.length) return false;
      counts[r + 1] += counts[r];
    }
    for (let k = 0; k < source.length; k++) {
      const i = source[k];
      target[counts[ranks[i]]++] = i;
    }
    return true;
  }
}

/**
 * Dense ranks of the values: 0 for the smallest, 1 for the next distinct one, and so on (-0 and 0
 * are one value). By a numeric sort and binary searches, so that no number is hashed.
 */
export function denseRanks(values: Float64Array): RankKey & { ranks: Int32Array } {
  const sorted = values.slice().sort();
  let count = 0;
  for (let k = 0; k < sorted.length; k++) {
    if (k === 0 || sorted[k] !== sorted[count - 1]) sorted[count++] = sorted[k];
  }
  const ranks = new Int32Array(values.length);
  for (let k = 0; k < values.length; k++) ranks[k] = firstNotBelow(sorted, count, values[k]);
  return { ranks, count };
}

function firstNotBelow(sorted: Float64Array, length: number, value: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

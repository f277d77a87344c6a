/**
 * The indices ordered by (primary, secondary), ties kept in the given order. Both keys take few
 * distinct values in practice (priorities, on/off instants that are block starts), so the indices are
 * dropped into buckets in one pass and only the distinct keys are sorted: O(n + k log k) instead of a
 * comparator sort's n log n calls.
 */
export function orderByBuckets(
  indices: ArrayLike<number>,
  primary: Float64Array,
  secondary: Float64Array,
): Int32Array {
  const buckets = new Map<number, Map<number, number[]>>();
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    let inner = buckets.get(primary[i]);
    if (!inner) buckets.set(primary[i], (inner = new Map<number, number[]>()));
    const bucket = inner.get(secondary[i]);
    if (bucket) bucket.push(i);
    else inner.set(secondary[i], [i]);
  }
  const ordered = new Int32Array(indices.length);
  let next = 0;
  for (const p of sortedKeys(buckets)) {
    const inner = buckets.get(p) ?? new Map<number, number[]>();
    for (const s of sortedKeys(inner)) for (const i of inner.get(s) ?? []) ordered[next++] = i;
  }
  return ordered;
}

function sortedKeys(map: ReadonlyMap<number, unknown>): number[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

import fc from 'fast-check';
import { orderByBuckets } from './bucket-order';

describe(orderByBuckets.name, () => {
  it('orders like a comparator sort on (primary, secondary), ties in the given order', () => {
    const keys = fc.integer({ min: 0, max: 4 }).map((k) => k * 1e12);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keys, fc.oneof(keys, fc.constant(-1e13))), { maxLength: 40 }),
        (pairs) => {
          const primary = Float64Array.from(pairs, ([p]) => p);
          const secondary = Float64Array.from(pairs, ([, s]) => s);
          const given = Array.from(pairs.keys()).reverse();
          const expected = given
            .slice()
            .sort((a, b) => primary[a] - primary[b] || secondary[a] - secondary[b] || b - a);
          expect(Array.from(orderByBuckets(given, primary, secondary))).toEqual(expected);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

import fc from 'fast-check';
import { denseRanks, RankSorter } from './bucket-order.js';

describe(RankSorter.name, () => {
  it('orders like a comparator sort on the keys in turn, ties in the given order', () => {
    const sorter = new RankSorter(40);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 5 }), fc.nat({ max: 1 })), { maxLength: 40 }),
        (triples) => {
          const keys = [0, 1, 2].map((k) => ({
            ranks: Int32Array.from(triples, (t) => t[k]),
            count: [4, 6, 2][k],
          }));
          const given = Array.from(triples.keys()).reverse();
          const expected = given
            .slice()
            .sort(
              (a, b) =>
                triples[a][0] - triples[b][0] ||
                triples[a][1] - triples[b][1] ||
                triples[a][2] - triples[b][2] ||
                b - a,
            );
          expect(Array.from(sorter.order(given, keys))).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('orders a subset of the indices', () => {
    const ranks = Int32Array.from([2, 0, 1, 0, 2]);
    expect(Array.from(new RankSorter(5).order([4, 3, 0, 1], [{ ranks, count: 3 }]))).toEqual([3, 1, 4, 0]);
  });
});

describe(denseRanks.name, () => {
  it('ranks distinct values densely in ascending order, -0 and 0 as one', () => {
    const { ranks, count } = denseRanks(Float64Array.from([3, -0, Infinity, 0, -2, 3]));
    expect(Array.from(ranks)).toEqual([2, 1, 3, 1, 0, 2]);
    expect(count).toBe(4);
  });
});

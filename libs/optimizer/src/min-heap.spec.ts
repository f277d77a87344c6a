import fc from 'fast-check';
import { MinHeap } from './min-heap.js';

describe(MinHeap.name, () => {
  it('pops keys in ascending order, duplicates included, growing past its first capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 100 }), (keys) => {
        const heap = new MinHeap();
        keys.forEach((key, id) => heap.push(key, id));
        const popped: number[] = [];
        while (heap.size > 0) {
          expect(keys[heap.topId()]).toBe(heap.topKey());
          popped.push(heap.topKey());
          heap.pop();
        }
        expect(popped).toEqual(keys.slice().sort((a, b) => a - b));
      }),
      { numRuns: 200, seed: 8 },
    );
  });
});

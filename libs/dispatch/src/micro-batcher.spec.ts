import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('runs the calls of one turn of the event loop as one batch, in order', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher((items: number[]) => {
      batches.push(items);
      return Promise.resolve(items.map((item) => item * 10));
    });
    await expect(Promise.all([1, 2, 3].map((item) => batcher.call(item)))).resolves.toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('gathers the calls made while a batch runs into the next one', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher(async (items: string[]) => {
      batches.push(items);
      if (batches.length === 1) await firstBatchHeld;
      return items.map((item) => item.toUpperCase());
    });
    const first = batcher.call('a');
    await new Promise((resolve) => setImmediate(resolve));
    const later = ['b', 'c'].map((item) => batcher.call(item));
    release();
    await expect(Promise.all([first, ...later])).resolves.toEqual(['A', 'B', 'C']);
    expect(batches).toEqual([['a'], ['b', 'c']]);
  });

  it('splits what exceeds the batch size over several batches', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher((items: number[]) => {
      sizes.push(items.length);
      return Promise.resolve(items);
    }, 2);
    await expect(Promise.all([1, 2, 3, 4, 5].map((item) => batcher.call(item)))).resolves.toEqual([
      1, 2, 3, 4, 5,
    ]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails every call of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const batcher = new MicroBatcher((items: number[]) =>
      fail ? Promise.reject(new Error('database gone')) : Promise.resolve(items),
    );
    const failed = [1, 2].map((item) => batcher.call(item));
    await expect(
      Promise.all(failed.map((call) => call.catch((error: Error) => error.message))),
    ).resolves.toEqual(['database gone', 'database gone']);
    fail = false;
    await expect(batcher.call(3)).resolves.toBe(3);
  });

  describe('with a least interval between batches', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('runs a lone call at once, and gathers what follows until the interval has passed', async () => {
      const batches: number[][] = [];
      const batcher = new MicroBatcher(
        (items: number[]) => {
          batches.push(items);
          return Promise.resolve(items);
        },
        500,
        5,
      );
      const first = batcher.call(1);
      await jest.advanceTimersByTimeAsync(0);
      await expect(first).resolves.toBe(1);
      const later = [2, 3].map((item) => batcher.call(item));
      await jest.advanceTimersByTimeAsync(4);
      expect(batches).toEqual([[1]]);
      await jest.advanceTimersByTimeAsync(1);
      await expect(Promise.all(later)).resolves.toEqual([2, 3]);
      expect(batches).toEqual([[1], [2, 3]]);
    });
  });
});

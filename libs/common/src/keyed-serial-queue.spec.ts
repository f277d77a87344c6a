import { KeyedSerialQueue } from './keyed-serial-queue';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedSerialQueue', () => {
  it('runs the tasks of one key in order, each after the previous settled', async () => {
    const queue = new KeyedSerialQueue();
    const gate = deferred();
    const order: string[] = [];
    const first = queue.run('a', async () => {
      await gate.promise;
      order.push('first');
    });
    const second = queue.run('a', () => Promise.resolve(void order.push('second')));
    const other = queue.run('b', () => Promise.resolve(void order.push('other key')));
    await other;
    expect(order).toEqual(['other key']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['other key', 'first', 'second']);
  });

  it('goes on after a failed task and reports the failure to its caller', async () => {
    const queue = new KeyedSerialQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('boom')));
    const next = queue.run('a', () => Promise.resolve());
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBeUndefined();
  });

  it('drains every queued task', async () => {
    const queue = new KeyedSerialQueue();
    const done: number[] = [];
    void queue.run('a', () => Promise.resolve(void done.push(1)));
    void queue.run('b', () => Promise.resolve(void done.push(2)));
    await queue.drain();
    expect(done.sort()).toEqual([1, 2]);
  });
});

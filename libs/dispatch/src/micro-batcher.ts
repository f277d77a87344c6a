interface Waiter<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent calls into batches run one at a time: the calls made while a batch is in flight form
 * the next one, which starts no sooner than `minIntervalMs` after the previous one started. An idle batcher
 * runs a call on the next turn of the event loop, so a lone push waits for nothing; under load one database
 * round trip serves as many pushes as came in meanwhile, and the round trips per second stay bounded
 * (each costs the controller a socket write and a wake-up whatever its size).
 */
export class MicroBatcher<I, R> {
  private waiting: Waiter<I, R>[] = [];
  private running = false;
  private scheduled = false;
  private lastStart = -Infinity;

  /**
   * @param run runs one batch; resolves with one result per item, in the items' order
   * @param maxBatch the most items one batch takes; the rest go into the next
   * @param minIntervalMs the least time between the starts of two batches
   */
  constructor(
    private readonly run: (items: I[]) => Promise<R[]>,
    private readonly maxBatch = 500,
    private readonly minIntervalMs = 0,
  ) {}

  call(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    const start = () => {
      this.scheduled = false;
      void this.next();
    };
    const wait = this.lastStart + this.minIntervalMs - performance.now();
    // setImmediate rather than a microtask: the calls of the same I/O phase (job replies read from one
    // Redis packet, answers from many sockets) join the same batch.
    if (wait > 0) setTimeout(start, wait);
    else setImmediate(start);
  }

  private async next(): Promise<void> {
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    this.lastStart = performance.now();
    const batch = this.waiting.splice(0, this.maxBatch);
    try {
      const results = await this.run(batch.map((waiter) => waiter.item));
      batch.forEach((waiter, i) => waiter.resolve(results[i]));
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}

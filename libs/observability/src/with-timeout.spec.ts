import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  afterEach(() => jest.useRealTimers());

  it('passes the answer through when it comes in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 1000, 'x')).resolves.toBe(42);
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
  });

  it('rejects, naming what did not answer, once the time is up', async () => {
    jest.useFakeTimers();
    const pending = withTimeout(new Promise<never>(() => undefined), 1500, 'The database');
    jest.advanceTimersByTime(1500);
    await expect(pending).rejects.toThrow('The database did not answer within 1500 ms');
  });
});

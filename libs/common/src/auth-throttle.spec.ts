import { AuthThrottle } from './auth-throttle';

const SETTINGS = { maxFailures: 3, windowMs: 60_000, maxBlockMs: 300_000 };

describe(AuthThrottle.name, () => {
  let now: number;
  let lines: string[];
  let throttle: AuthThrottle;

  beforeEach(() => {
    now = 0;
    lines = [];
    throttle = new AuthThrottle(
      SETTINGS,
      (line) => lines.push(line),
      () => now,
    );
  });

  const fail = (key: string, times: number) => {
    for (let i = 0; i < times; i++) throttle.recordFailure(key, 'wrong key');
  };

  it('blocks a key after too many failures in the window, for the window, and no other key', () => {
    fail('10.0.0.1', 2);
    expect(throttle.retryAfterS('10.0.0.1')).toBeUndefined();
    fail('10.0.0.1', 1);
    expect(throttle.retryAfterS('10.0.0.1')).toBe(60);
    expect(throttle.retryAfterS('10.0.0.2')).toBeUndefined();
    now = 59_001;
    expect(throttle.retryAfterS('10.0.0.1')).toBe(1);
    now = 60_000;
    expect(throttle.retryAfterS('10.0.0.1')).toBeUndefined();
  });

  it('forgets failures older than the window', () => {
    fail('k', 2);
    now = 60_000;
    fail('k', 2);
    expect(throttle.retryAfterS('k')).toBeUndefined();
  });

  it('doubles each further block up to the cap, and starts afresh after a success', () => {
    const blocks: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      fail('k', 3);
      blocks.push(throttle.retryAfterS('k'));
      now += (blocks[i] ?? 0) * 1000;
    }
    expect(blocks).toEqual([60, 120, 240, 300, 300]);
    throttle.recordSuccess('k');
    fail('k', 3);
    expect(throttle.retryAfterS('k')).toBe(60);
  });

  it('starts afresh once the key has been quiet for the longest block', () => {
    fail('k', 3);
    now += 60_000;
    fail('k', 3);
    expect(throttle.retryAfterS('k')).toBe(120);
    now += 120_000 + 300_001;
    fail('k', 3);
    expect(throttle.retryAfterS('k')).toBe(60);
  });

  it('takes a larger limit for a key many clients share', () => {
    for (let i = 0; i < 5; i++) throttle.recordFailure('shared', 'wrong key', 6);
    expect(throttle.retryAfterS('shared')).toBeUndefined();
    throttle.recordFailure('shared', 'wrong key', 6);
    expect(throttle.retryAfterS('shared')).toBe(60);
  });

  it('reports at most one line per key and window: the first failure, then the block with its count', () => {
    const many = { ...SETTINGS, maxFailures: 1000 };
    throttle = new AuthThrottle(
      many,
      (line) => lines.push(line),
      () => now,
    );
    fail('k', 500);
    expect(lines).toEqual(['k: wrong key (1 failure(s) since the last report)']);
    now = 60_000;
    fail('k', 1);
    expect(lines[1]).toBe('k: wrong key (500 failure(s) since the last report)');
    fail('k', 3);
    throttle = new AuthThrottle(
      SETTINGS,
      (line) => lines.push(line),
      () => now,
    );
    fail('other', 3);
    expect(lines.slice(2)).toEqual([
      'other: wrong key (1 failure(s) since the last report)',
      'other: wrong key, blocked for 60 s (2 failure(s) since the last report)',
    ]);
  });
});

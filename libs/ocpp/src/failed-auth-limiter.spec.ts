import { FailedAuthLimiter } from './failed-auth-limiter';

describe('FailedAuthLimiter', () => {
  it('blocks an address after too many failures in the window, and lets it in again later', () => {
    let now = 0;
    const limiter = new FailedAuthLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.isBlocked('10.0.0.1')).toBe(false);
      limiter.recordFailure('10.0.0.1');
      now += 1_000;
    }
    expect(limiter.isBlocked('10.0.0.1')).toBe(true);
    expect(limiter.isBlocked('10.0.0.2')).toBe(false);

    now = 60_001;
    expect(limiter.isBlocked('10.0.0.1')).toBe(false);
  });
});

import { DISCOVERY_ATTEMPTS, discoveryRetryDelayMs } from './discovery-retry';

describe('discoveryRetryDelayMs', () => {
  it('waits 2 s after the first failure and doubles the wait up to a minute', () => {
    expect([1, 2, 3, 4, 5].map(discoveryRetryDelayMs)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
  });

  it('gives up once the attempts are used up', () => {
    expect(DISCOVERY_ATTEMPTS).toBe(6);
    expect(discoveryRetryDelayMs(DISCOVERY_ATTEMPTS)).toBeNull();
    expect(discoveryRetryDelayMs(DISCOVERY_ATTEMPTS + 1)).toBeNull();
  });

  it('refuses an attempt number that is not a positive integer', () => {
    expect(() => discoveryRetryDelayMs(0)).toThrow('Invalid discovery attempt 0');
    expect(() => discoveryRetryDelayMs(1.5)).toThrow('Invalid discovery attempt 1.5');
  });
});

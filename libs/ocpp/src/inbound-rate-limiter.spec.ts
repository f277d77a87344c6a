import { InboundRateLimiter } from './inbound-rate-limiter';

describe(InboundRateLimiter.name, () => {
  let now = 0;
  const limiter = () => new InboundRateLimiter(10, 5, 3, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets a burst through at once, then paces, then refuses past the backlog', () => {
    const pacing = limiter();
    const waits = Array.from({ length: 9 }, () => pacing.reserve('cp'));
    expect(waits).toEqual([0, 0, 0, 0, 0, 100, 200, 300, null]);
  });

  it('refills at the rate, up to the burst', () => {
    const pacing = limiter();
    for (let i = 0; i < 8; i++) pacing.reserve('cp');
    now += 800;
    expect(pacing.reserve('cp')).toBe(0);
    now += 60_000;
    expect(Array.from({ length: 6 }, () => pacing.reserve('cp'))).toEqual([0, 0, 0, 0, 0, 100]);
  });

  it('keeps chargers apart, and forgets one', () => {
    const pacing = limiter();
    for (let i = 0; i < 8; i++) pacing.reserve('flood');
    expect(pacing.reserve('flood')).toBeNull();
    expect(pacing.reserve('quiet')).toBe(0);
    pacing.forget('flood');
    expect(pacing.reserve('flood')).toBe(0);
  });
});

import { readDemoSettings } from './demo-settings';

describe('the demo settings', () => {
  it('runs standalone unless DEMO_UPSTREAM asks for proxy mode, its CSMS on any free port by default', () => {
    expect(readDemoSettings({})).toMatchObject({ upstream: false, upstreamPort: 0 });
    expect(readDemoSettings({ DEMO_UPSTREAM: '1' })).toMatchObject({ upstream: true, upstreamPort: 0 });
    expect(readDemoSettings({ DEMO_UPSTREAM: 'true', DEMO_UPSTREAM_PORT: '9300' })).toMatchObject({
      upstream: true,
      upstreamPort: 9300,
    });
    expect(readDemoSettings({ DEMO_UPSTREAM: '0' }).upstream).toBe(false);
  });

  it('refuses a DEMO_UPSTREAM it cannot read rather than guessing', () => {
    expect(() => readDemoSettings({ DEMO_UPSTREAM: 'yes' })).toThrow(
      'DEMO_UPSTREAM must be 1 or 0 (true or false)',
    );
    expect(() => readDemoSettings({ DEMO_UPSTREAM_PORT: '-1' })).toThrow(
      'DEMO_UPSTREAM_PORT must be a number',
    );
  });
});

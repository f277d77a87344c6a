import { complianceCheckPeriodMs } from './peer-timers.service';

describe(complianceCheckPeriodMs.name, () => {
  it('checks four times per grace period', () => {
    expect(complianceCheckPeriodMs(60)).toBe(15_000);
  });

  it('checks at most every second and at least every 30 s', () => {
    expect(complianceCheckPeriodMs(1)).toBe(1_000);
    expect(complianceCheckPeriodMs(120)).toBe(30_000);
    expect(complianceCheckPeriodMs(86_400)).toBe(30_000);
  });
});

import { heldPlan, holdEnd, renewalAt } from './failsafe-hold';
import { buildAbsoluteSchedule } from './profile-schedule';

const HOUR_MS = 3_600_000;

describe('fail-safe hold', () => {
  it('ends between half a hold and a whole hold ahead, the same within each half-hold', () => {
    const now = new Date('2026-11-26T10:10:00Z');
    expect(holdEnd(now, HOUR_MS).toISOString()).toBe('2026-11-26T11:00:00.000Z');
    expect(holdEnd(new Date('2026-11-26T10:29:59Z'), HOUR_MS)).toEqual(holdEnd(now, HOUR_MS));
    expect(holdEnd(new Date('2026-11-26T10:30:00Z'), HOUR_MS).toISOString()).toBe('2026-11-26T11:30:00.000Z');
  });

  it('refuses a hold that is not a positive duration', () => {
    expect(() => holdEnd(new Date(), 0)).toThrow('Invalid fail-safe hold 0 ms');
  });

  it('cuts the open-ended last period at the hold end', () => {
    const plan = [
      { start: '2026-11-26T10:00:00Z', end: '2026-11-26T10:15:00Z', limitA: 16 },
      { start: '2026-11-26T10:15:00Z', end: null, limitA: 32 },
    ];
    expect(heldPlan(plan, new Date('2026-11-26T11:00:00Z'))).toEqual([
      plan[0],
      { start: '2026-11-26T10:15:00Z', end: '2026-11-26T11:00:00.000Z', limitA: 32 },
    ]);
  });

  it('drops the open-ended period when the finite ones already reach past the hold', () => {
    const plan = [
      { start: '2026-11-26T10:00:00Z', end: '2026-11-26T14:00:00Z', limitA: 16 },
      { start: '2026-11-26T14:00:00Z', end: null, limitA: 32 },
    ];
    expect(heldPlan(plan, new Date('2026-11-26T11:00:00Z'))).toEqual([plan[0]]);
  });

  it('leaves a plan that already ends as it is', () => {
    const plan = [{ start: '2026-11-26T10:00:00Z', end: '2026-11-26T14:00:00Z', limitA: 16 }];
    expect(heldPlan(plan, new Date('2026-11-26T11:00:00Z'))).toEqual(plan);
  });

  it('gives an open-ended plan a conservative tail at the safe share after the hold', () => {
    const now = new Date('2026-11-26T10:10:00Z');
    const plan = [{ start: '2026-11-26T10:00:00Z', end: null, limitA: 32 }];
    const schedule = buildAbsoluteSchedule(heldPlan(plan, holdEnd(now, HOUR_MS)), now, {
      phases: 3,
      tailLimitA: 10,
    });
    expect(schedule.startSchedule).toBe('2026-11-26T10:00:00Z');
    expect(schedule.duration).toBeUndefined();
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 32, numberPhases: 3 },
      { startPeriod: 3600, limit: 10, numberPhases: 3 },
    ]);
  });

  describe('renewalAt', () => {
    const now = new Date('2026-11-26T10:10:00Z');
    const schedule = (plan: Parameters<typeof heldPlan>[0], maxPeriods?: number) =>
      buildAbsoluteSchedule(heldPlan(plan, holdEnd(now, HOUR_MS)), now, {
        phases: 3,
        tailLimitA: 10,
        maxPeriods,
      });

    it('renews a held open-ended plan when the next half-hold begins', () => {
      const plan = [{ start: '2026-11-26T10:00:00Z', end: null, limitA: 32 }];
      expect(renewalAt(plan, schedule(plan), now, HOUR_MS, 10)?.toISOString()).toBe(
        '2026-11-26T10:30:00.000Z',
      );
    });

    it("renews a schedule cut to the charger's period limit when its last period begins", () => {
      const plan = [
        { start: '2026-11-26T10:00:00Z', end: '2026-11-26T10:20:00Z', limitA: 20 },
        { start: '2026-11-26T10:20:00Z', end: '2026-11-26T10:25:00Z', limitA: 16 },
        { start: '2026-11-26T10:25:00Z', end: null, limitA: 0 },
      ];
      const cut = schedule(plan, 2);
      expect(cut.chargingSchedulePeriod.map((p) => p.limit)).toEqual([20, 0]);
      expect(renewalAt(plan, cut, now, HOUR_MS, 2)?.toISOString()).toBe('2026-11-26T10:20:01.000Z');
    });

    it('takes the earlier of both', () => {
      const plan = [
        { start: '2026-11-26T10:00:00Z', end: '2026-11-26T10:45:00Z', limitA: 20 },
        { start: '2026-11-26T10:45:00Z', end: '2026-11-26T10:50:00Z', limitA: 16 },
        { start: '2026-11-26T10:50:00Z', end: null, limitA: 32 },
      ];
      expect(renewalAt(plan, schedule(plan, 2), now, HOUR_MS, 2)?.toISOString()).toBe(
        '2026-11-26T10:30:00.000Z',
      );
    });

    it('never renews an idle plan that the charger follows whole', () => {
      const plan = [{ start: '2026-11-26T10:00:00Z', end: null, limitA: 0 }];
      expect(renewalAt(plan, schedule(plan), now, HOUR_MS, 10)).toBeNull();
    });
  });
});

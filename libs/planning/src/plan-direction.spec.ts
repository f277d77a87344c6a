import type { PlannedPeriod } from '@gridflex/persistence';
import { limitAt, planDirection } from './plan-direction';

const now = new Date('2026-11-25T12:00:00Z');
const plan = (...limits: [string, string | null, number][]): PlannedPeriod[] =>
  limits.map(([start, end, limitA]) => ({ start, end, limitA }));

describe(planDirection.name, () => {
  const current = plan(
    ['2026-11-25T11:45:00Z', '2026-11-25T12:15:00Z', 16],
    ['2026-11-25T12:15:00Z', null, 32],
  );

  it('compares the limits in force now, not later ones', () => {
    const lowerNowHigherLater = plan(
      ['2026-11-25T11:50:00Z', '2026-11-25T12:15:00Z', 10],
      ['2026-11-25T12:15:00Z', null, 40],
    );
    expect(planDirection(current, lowerNowHigherLater, now)).toBe('lower');
    const sameNowLowerLater = plan(
      ['2026-11-25T11:50:00Z', '2026-11-25T12:15:00Z', 16],
      ['2026-11-25T12:15:00Z', null, 6],
    );
    expect(planDirection(current, sameNowLowerLater, now)).toBe('same');
    expect(planDirection(current, plan(['2026-11-25T11:59:00Z', null, 20]), now)).toBe('raise');
  });

  it('counts a first plan as a raising', () => {
    expect(planDirection(undefined, plan(['2026-11-25T11:59:00Z', null, 0]), now)).toBe('raise');
  });

  it('reads no period in force as 0 A', () => {
    expect(limitAt(plan(['2026-11-25T12:30:00Z', null, 16]), now)).toBe(0);
    expect(limitAt(current, new Date('2026-11-25T13:00:00Z'))).toBe(32);
  });
});

import { evScheduleExcess, EvseLimits, NotifyEVChargingScheduleRequest201 } from './ev-charging-schedule';

const BASE = '2026-06-01T12:00:00.000Z';
const LIMITS: EvseLimits = {
  nominalVoltageV: 230,
  phases: 3,
  periods: [
    { start: '2026-06-01T12:00:00.000Z', end: '2026-06-01T13:00:00.000Z', limitA: 16 },
    { start: '2026-06-01T13:00:00.000Z', end: null, limitA: 10 },
  ],
};

function schedule(
  chargingRateUnit: 'A' | 'W',
  periods: [number, number, number?][],
  duration?: number,
): NotifyEVChargingScheduleRequest201 {
  return {
    timeBase: BASE,
    evseId: 1,
    chargingSchedule: {
      chargingRateUnit,
      ...(duration !== undefined && { duration }),
      chargingSchedulePeriod: periods.map(([startPeriod, limit, numberPhases]) => ({
        startPeriod,
        limit,
        ...(numberPhases !== undefined && { numberPhases }),
      })),
    },
  };
}

describe('an EV charging schedule against our limits (K17)', () => {
  it('accepts a schedule at or below what our profile sent', () => {
    expect(
      evScheduleExcess(
        schedule('A', [
          [0, 16],
          [3600, 10],
        ]),
        LIMITS,
      ),
    ).toBeNull();
    expect(evScheduleExcess(schedule('A', [[0, 6]]), LIMITS)).toBeNull();
    // 16 A × 230 V × 3 phases = 11,040 W.
    expect(
      evScheduleExcess(
        schedule('W', [
          [0, 11_040],
          [3600, 6_900],
        ]),
        LIMITS,
      ),
    ).toBeNull();
  });

  it('finds where it goes above, in its own unit and phases', () => {
    expect(
      evScheduleExcess(
        schedule('A', [
          [0, 16],
          [1800, 12],
        ]),
        LIMITS,
      ),
    ).toEqual({
      at: '2026-06-01T13:00:00.000Z',
      evLimit: 12,
      ourLimit: 10,
      unit: 'A',
    });
    // One phase: 16 A is 3,680 W.
    expect(evScheduleExcess(schedule('W', [[0, 4_000, 1]]), LIMITS)).toMatchObject({
      at: BASE,
      ourLimit: 3_680,
      unit: 'W',
    });
  });

  it('compares with the limit as sent: rounded down to 0.1 A, 0 below 6 A', () => {
    const planned: EvseLimits = {
      ...LIMITS,
      periods: [
        { start: BASE, end: '2026-06-01T12:30:00.000Z', limitA: 10.07 },
        { start: '2026-06-01T12:30:00.000Z', end: null, limitA: 4 },
      ],
    };
    expect(evScheduleExcess(schedule('A', [[0, 10.05]], 1800), planned)).toMatchObject({ ourLimit: 10 });
    expect(
      evScheduleExcess(
        schedule('A', [
          [0, 10],
          [1800, 4],
        ]),
        planned,
      ),
    ).toMatchObject({
      at: '2026-06-01T12:30:00.000Z',
      ourLimit: 0,
    });
  });

  it('compares only the span the schedule lasts and our plan covers', () => {
    expect(
      evScheduleExcess(
        schedule(
          'A',
          [
            [0, 16],
            [1800, 12],
          ],
          3600,
        ),
        LIMITS,
      ),
    ).toBeNull();
    const before = { ...schedule('A', [[0, 32]], 600), timeBase: '2026-06-01T11:00:00.000Z' };
    expect(evScheduleExcess(before, LIMITS)).toBeNull();
  });
});

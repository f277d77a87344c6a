import { externalLimitA } from './external-limit';

const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('externalLimitA', () => {
  it('is the lowest limit of the periods not yet over', () => {
    const schedule = {
      startSchedule: '2026-03-01T11:00:00Z',
      chargingRateUnit: 'A' as const,
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 6 },
        { startPeriod: 1800, limit: 20 },
        { startPeriod: 5400, limit: 10 },
      ],
    };
    // 11:00–11:30 at 6 A is over; 11:30–12:30 at 20 A runs; 12:30 on at 10 A is ahead.
    expect(externalLimitA([schedule], NOW, 230)).toBe(10);
    expect(externalLimitA([{ ...schedule, duration: 3600 }], NOW, 230)).toBeNull();
    expect(externalLimitA([{ ...schedule, duration: 4000 }], NOW, 230)).toBe(20);
  });

  it('converts watts over the voltage and numberPhases (3 when absent) and takes the lowest schedule', () => {
    const watts = (limit: number, numberPhases?: number) => ({
      chargingRateUnit: 'W' as const,
      chargingSchedulePeriod: [{ startPeriod: 0, limit, ...(numberPhases && { numberPhases }) }],
    });
    expect(externalLimitA([watts(11_040)], NOW, 230)).toBe(16);
    expect(externalLimitA([watts(2300, 1)], NOW, 230)).toBe(10);
    expect(externalLimitA([watts(11_040), watts(2300, 1)], NOW, 230)).toBe(10);
  });

  it('knows no value without a schedule, or once the schedule has ended', () => {
    expect(externalLimitA(null, NOW, 230)).toBeNull();
    expect(externalLimitA([], NOW, 230)).toBeNull();
    const ended = {
      startSchedule: '2026-03-01T10:00:00Z',
      duration: 60,
      chargingRateUnit: 'A' as const,
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }],
    };
    expect(externalLimitA([ended], NOW, 230)).toBeNull();
  });
});

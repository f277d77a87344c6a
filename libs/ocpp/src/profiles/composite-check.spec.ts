import { checkComposite, compositeScheduleRequest } from './composite-check';

const now = new Date('2026-11-25T12:00:00Z');
const start = '2026-11-25T11:59:55Z';
const sent16 = {
  connectorId: 2,
  csChargingProfiles: {
    chargingSchedule: {
      startSchedule: start,
      chargingRateUnit: 'A' as const,
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 16 },
        { startPeriod: 905, limit: 10 },
      ],
    },
  },
};
const composite16 = (...periods: [number, number][]) => ({
  status: 'Accepted',
  connectorId: 2,
  scheduleStart: now.toISOString(),
  chargingSchedule: {
    chargingRateUnit: 'A',
    chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
  },
});

describe(checkComposite.name, () => {
  it('asks for the connector or EVSE in the unit that was sent', () => {
    expect(compositeScheduleRequest('ocpp1.6', sent16)).toEqual({
      connectorId: 2,
      duration: 3600,
      chargingRateUnit: 'A',
    });
  });

  it('accepts a composite that follows our periods', () => {
    expect(checkComposite(sent16, composite16([0, 16], [900, 10]), null, now).verdict).toBe('match');
  });

  it('accepts the station maximum capping our limit, and nothing else lower or higher', () => {
    expect(checkComposite(sent16, composite16([0, 12], [900, 10]), 12, now).verdict).toBe('match');
    const ignored = checkComposite(sent16, composite16([0, 32]), 32, now);
    expect(ignored).toEqual({
      verdict: 'mismatch',
      detail: 'At 2026-11-25T12:00:00.000Z the charger applies 32 A, expected 16 A',
    });
    expect(checkComposite(sent16, composite16([0, 16], [900, 6]), null, now).verdict).toBe('mismatch');
  });

  it('reads the 2.0.1 answer and reports a refusal', () => {
    const sent201 = {
      evseId: 1,
      chargingProfile: { chargingSchedule: [sent16.csChargingProfiles.chargingSchedule] },
    };
    const answer = {
      status: 'Accepted',
      schedule: {
        evseId: 1,
        duration: 3600,
        scheduleStart: now.toISOString(),
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [
          { startPeriod: 0, limit: 16 },
          { startPeriod: 900, limit: 10 },
        ],
      },
    };
    expect(checkComposite(sent201, answer, null, now).verdict).toBe('match');
    expect(checkComposite(sent201, { status: 'Rejected' }, null, now)).toEqual({
      verdict: 'failed',
      detail: 'Charger answered Rejected',
    });
  });
});

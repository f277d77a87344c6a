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

  describe('an answer that cannot show what the charger applies is unverifiable, never a match', () => {
    const unverifiable = (answer: object) => checkComposite(sent16, answer, null, now).verdict;

    it('Accepted without a schedule', () => {
      expect(checkComposite(sent16, { status: 'Accepted', connectorId: 2 }, null, now)).toEqual({
        verdict: 'unverifiable',
        detail: 'Charger accepted but returned no schedule',
      });
      expect(unverifiable({ status: 'Accepted', scheduleStart: now.toISOString() })).toBe('unverifiable');
    });

    it('a schedule without periods', () => {
      expect(unverifiable(composite16())).toBe('unverifiable');
    });

    it('a schedule in another or an unknown unit', () => {
      const inWatts = composite16([0, 11_000]);
      expect(
        unverifiable({
          ...inWatts,
          chargingSchedule: { ...inWatts.chargingSchedule, chargingRateUnit: 'W' },
        }),
      ).toBe('unverifiable');
      expect(
        unverifiable({
          ...inWatts,
          chargingSchedule: { ...inWatts.chargingSchedule, chargingRateUnit: 'kVA' },
        }),
      ).toBe('unverifiable');
    });

    it('a schedule that starts after the instants planned, or ends before them', () => {
      const late = { ...composite16([0, 16], [900, 10]), scheduleStart: '2026-11-25T12:20:00Z' };
      expect(unverifiable(late)).toBe('unverifiable');
      const short = composite16([0, 16]);
      expect(unverifiable({ ...short, chargingSchedule: { ...short.chargingSchedule, duration: 600 } })).toBe(
        'unverifiable',
      );
    });

    it('a period without a numeric limit', () => {
      const broken = composite16([0, 16]);
      broken.chargingSchedule.chargingSchedulePeriod[0].limit = Number.NaN;
      expect(unverifiable(broken)).toBe('unverifiable');
    });

    it('still reads a charger whose clock is a second ahead of ours', () => {
      const ahead = { ...composite16([0, 16], [899, 10]), scheduleStart: '2026-11-25T12:00:01Z' };
      expect(unverifiable(ahead)).toBe('match');
    });
  });
});

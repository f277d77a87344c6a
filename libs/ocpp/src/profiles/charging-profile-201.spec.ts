import { buildSetChargingProfile201, ChargingProfile201Input } from './charging-profile-201';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function input(overrides: Partial<ChargingProfile201Input> = {}): ChargingProfile201Input {
  return {
    evseId: 2,
    phases: 3,
    transactionId: null,
    periods: [
      { start: '2026-03-01T11:45:00Z', end: '2026-03-01T12:15:00Z', limitA: 16.27 },
      { start: '2026-03-01T12:15:00Z', end: '2026-03-01T12:30:00Z', limitA: 3 },
      { start: '2026-03-01T12:30:00Z', end: null, limitA: 32 },
    ],
    now: NOW,
    tailLimitA: 10,
    ...overrides,
  };
}

describe('buildSetChargingProfile201', () => {
  it('sends the EVSE a TxDefaultProfile with one Absolute schedule when no transaction runs', () => {
    expect(buildSetChargingProfile201(input())).toEqual({
      evseId: 2,
      chargingProfile: {
        id: 1002,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [
          {
            id: 1002,
            startSchedule: '2026-03-01T11:45:00Z',
            chargingRateUnit: 'A',
            chargingSchedulePeriod: [
              { startPeriod: 0, limit: 16.2, numberPhases: 3 },
              { startPeriod: 1800, limit: 0, numberPhases: 3 },
              { startPeriod: 2700, limit: 32, numberPhases: 3 },
            ],
          },
        ],
      },
    });
  });

  it("sends a TxProfile with the station's transaction id when a transaction runs", () => {
    const { evseId, chargingProfile } = buildSetChargingProfile201(
      input({ evseId: 1, transactionId: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', phases: 1 }),
    );
    expect(evseId).toBe(1);
    expect(chargingProfile).toMatchObject({
      id: 2001,
      transactionId: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      chargingProfilePurpose: 'TxProfile',
      chargingSchedule: [{ id: 2001 }],
    });
    expect(chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].numberPhases).toBe(1);
  });

  it('cuts to PeriodsPerSchedule without raising any limit', () => {
    const schedule = buildSetChargingProfile201(input({ maxPeriods: 2 })).chargingProfile.chargingSchedule[0];
    expect(schedule.chargingSchedulePeriod.map((p) => p.limit)).toEqual([16.2, 0]);
  });

  it('converts to whole watts over the phases for a station that accepts only W', () => {
    const schedule = buildSetChargingProfile201(input({ rateUnit: 'W', nominalVoltageV: 230 }))
      .chargingProfile.chargingSchedule[0];
    expect(schedule.chargingRateUnit).toBe('W');
    expect(schedule.chargingSchedulePeriod.map((p) => [p.limit, p.numberPhases])).toEqual([
      [11_178, 3],
      [0, 3],
      [22_080, 3],
    ]);
    expect(() => buildSetChargingProfile201(input({ rateUnit: 'W' }))).toThrow(/voltage/);
  });

  it('sends a DC station watts over the grid phases it is fed by, without numberPhases', () => {
    const schedule = buildSetChargingProfile201(input({ dc: true, nominalVoltageV: 230 })).chargingProfile
      .chargingSchedule[0];
    expect(schedule.chargingRateUnit).toBe('W');
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 11_178 },
      { startPeriod: 1800, limit: 0 },
      { startPeriod: 2700, limit: 22_080 },
    ]);
    expect(() => buildSetChargingProfile201(input({ dc: true }))).toThrow(/voltage/);
  });

  it('refuses EVSE 0, which is the whole station', () => {
    expect(() => buildSetChargingProfile201(input({ evseId: 0 }))).toThrow(/EVSE/);
  });
});

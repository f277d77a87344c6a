import { buildSetChargingProfile16, ChargingProfile16Input } from './charging-profile-16';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function input(overrides: Partial<ChargingProfile16Input> = {}): ChargingProfile16Input {
  return {
    connectorId: 2,
    phases: 3,
    transactionId: null,
    periods: [{ start: '2026-03-01T11:45:00Z', end: null, limitA: 16 }],
    now: NOW,
    tailLimitA: 10,
    ...overrides,
  };
}

describe('buildSetChargingProfile16', () => {
  it('sends a TxDefaultProfile for the connector when no transaction runs', () => {
    expect(buildSetChargingProfile16(input())).toEqual({
      connectorId: 2,
      csChargingProfiles: {
        chargingProfileId: 1002,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: {
          startSchedule: '2026-03-01T11:45:00Z',
          chargingRateUnit: 'A',
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 3 }],
        },
      },
    });
  });

  it('sends a TxProfile with the transaction id when a transaction runs', () => {
    const { connectorId, csChargingProfiles } = buildSetChargingProfile16(
      input({ connectorId: 1, transactionId: 5123, phases: 1 }),
    );
    expect(connectorId).toBe(1);
    expect(csChargingProfiles).toMatchObject({
      chargingProfileId: 2001,
      transactionId: 5123,
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Absolute',
    });
    expect(csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].numberPhases).toBe(1);
  });

  it('refuses a TxProfile on connector 0', () => {
    expect(() => buildSetChargingProfile16(input({ connectorId: 0, transactionId: 1 }))).toThrow(/connector/);
  });

  it('rounds limits down to 0.1 A, keeps whole and exact tenths, and lowers 0 < limit < 6 A to 0', () => {
    const periods = [
      { start: '2026-03-01T12:00:00Z', end: '2026-03-01T12:15:00Z', limitA: 6.19 },
      { start: '2026-03-01T12:15:00Z', end: '2026-03-01T12:30:00Z', limitA: 16.0 },
      { start: '2026-03-01T12:30:00Z', end: '2026-03-01T12:45:00Z', limitA: 0.7 * 3 },
      { start: '2026-03-01T12:45:00Z', end: null, limitA: 10.55 },
    ];
    const limits = buildSetChargingProfile16(
      input({ periods }),
    ).csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit);
    expect(limits).toEqual([6.1, 16, 0, 10.5]);
  });

  it('merges consecutive periods whose rounded limits are equal', () => {
    const periods = [
      { start: '2026-03-01T12:00:00Z', end: '2026-03-01T12:15:00Z', limitA: 10 },
      { start: '2026-03-01T12:15:00Z', end: '2026-03-01T12:30:00Z', limitA: 10.04 },
      { start: '2026-03-01T12:30:00Z', end: '2026-03-01T12:45:00Z', limitA: 8 },
      { start: '2026-03-01T12:45:00Z', end: '2026-03-01T13:00:00Z', limitA: 10 },
    ];
    const schedule = buildSetChargingProfile16(input({ periods })).csChargingProfiles.chargingSchedule;
    expect(schedule.startSchedule).toBe('2026-03-01T11:59:55Z');
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 10, numberPhases: 3 },
      { startPeriod: 1805, limit: 8, numberPhases: 3 },
      { startPeriod: 2705, limit: 10, numberPhases: 3 },
    ]);
    // The tail at the 10 A safe share equals the last limit and merges into it.
    expect(schedule.duration).toBeUndefined();
  });

  it('cuts to the charger period limit with a tail at the lowest remaining limit', () => {
    const periods = [
      { start: '2026-03-01T12:00:00Z', end: '2026-03-01T12:15:00Z', limitA: 10 },
      { start: '2026-03-01T12:15:00Z', end: '2026-03-01T12:30:00Z', limitA: 16 },
      { start: '2026-03-01T12:30:00Z', end: '2026-03-01T12:45:00Z', limitA: 8 },
      { start: '2026-03-01T12:45:00Z', end: null, limitA: 20 },
    ];
    const schedule = buildSetChargingProfile16(input({ periods, maxPeriods: 2 })).csChargingProfiles
      .chargingSchedule;
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 10, numberPhases: 3 },
      { startPeriod: 905, limit: 8, numberPhases: 3 },
    ]);
  });

  it('merges the tail into the last kept period when cutting leaves them equal', () => {
    const periods = [
      { start: '2026-03-01T12:00:00Z', end: '2026-03-01T12:15:00Z', limitA: 8 },
      { start: '2026-03-01T12:15:00Z', end: '2026-03-01T12:30:00Z', limitA: 16 },
      { start: '2026-03-01T12:30:00Z', end: null, limitA: 8 },
    ];
    const schedule = buildSetChargingProfile16(input({ periods, maxPeriods: 1 })).csChargingProfiles
      .chargingSchedule;
    expect(schedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 8, numberPhases: 3 }]);
  });

  it('drops periods that ended before now and keeps the one containing now', () => {
    const periods = [
      { start: '2026-03-01T11:00:00Z', end: '2026-03-01T11:30:00Z', limitA: 32 },
      { start: '2026-03-01T11:30:00Z', end: '2026-03-01T12:00:00Z', limitA: 20 },
      { start: '2026-03-01T12:00:00Z', end: '2026-03-01T12:30:00Z', limitA: 12 },
      { start: '2026-03-01T12:30:00Z', end: null, limitA: 6 },
    ];
    const schedule = buildSetChargingProfile16(input({ periods, now: new Date('2026-03-01T12:10:00Z') }))
      .csChargingProfiles.chargingSchedule;
    expect(schedule.startSchedule).toBe('2026-03-01T12:00:00Z');
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 12, numberPhases: 3 },
      { startPeriod: 1800, limit: 6, numberPhases: 3 },
    ]);
    expect(schedule.duration).toBeUndefined();
  });

  it('starts the schedule 5 s before now, truncated to whole seconds, when the plan starts later', () => {
    const periods = [
      { start: '2026-03-01T12:10:00Z', end: '2026-03-01T12:20:00Z', limitA: 8 },
      { start: '2026-03-01T12:20:00Z', end: '2026-03-01T12:30:00Z', limitA: 9 },
    ];
    const schedule = buildSetChargingProfile16(input({ periods, now: new Date('2026-03-01T12:00:00.750Z') }))
      .csChargingProfiles.chargingSchedule;
    expect(schedule.startSchedule).toBe('2026-03-01T11:59:55Z');
    expect(schedule.chargingSchedulePeriod.map((p) => p.startPeriod)).toEqual([0, 1205]);
  });

  it('ends a finite plan in an open-ended tail at the connector safe share', () => {
    const periods = [{ start: '2026-03-01T11:00:00Z', end: '2026-03-01T13:00:00Z', limitA: 16 }];
    const schedule = buildSetChargingProfile16(input({ periods })).csChargingProfiles.chargingSchedule;
    expect(schedule.startSchedule).toBe('2026-03-01T11:00:00Z');
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 16, numberPhases: 3 },
      { startPeriod: 7200, limit: 10, numberPhases: 3 },
    ]);
    expect(schedule.duration).toBeUndefined();
  });

  it('never raises the last planned limit with the tail', () => {
    const periods = [{ start: '2026-03-01T11:00:00Z', end: '2026-03-01T13:00:00Z', limitA: 7 }];
    const schedule = buildSetChargingProfile16(input({ periods, tailLimitA: 10 })).csChargingProfiles
      .chargingSchedule;
    expect(schedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 7, numberPhases: 3 }]);
    expect(schedule.duration).toBeUndefined();
  });

  it('counts the tail in the charger period limit, cutting only downwards', () => {
    const periods = [
      { start: '2026-03-01T12:00:00Z', end: '2026-03-01T12:15:00Z', limitA: 10 },
      { start: '2026-03-01T12:15:00Z', end: '2026-03-01T12:30:00Z', limitA: 16 },
    ];
    const schedule = buildSetChargingProfile16(input({ periods, maxPeriods: 2, tailLimitA: 12 }))
      .csChargingProfiles.chargingSchedule;
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 10, numberPhases: 3 },
      { startPeriod: 905, limit: 12, numberPhases: 3 },
    ]);
  });

  it('keeps a plan without an end open-ended, without a tail', () => {
    const periods = [{ start: '2026-03-01T11:00:00Z', end: null, limitA: 16 }];
    const schedule = buildSetChargingProfile16(input({ periods })).csChargingProfiles.chargingSchedule;
    expect(schedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 16, numberPhases: 3 }]);
  });

  it('sends a DC charger watts without numberPhases, whatever rate unit it was given', () => {
    const schedule = buildSetChargingProfile16(
      input({ transactionId: 7, dc: true, rateUnit: 'A', nominalVoltageV: 230, phases: 3 }),
    ).csChargingProfiles.chargingSchedule;
    expect(schedule.chargingRateUnit).toBe('W');
    expect(schedule.chargingSchedulePeriod.every((period) => period.numberPhases === undefined)).toBe(true);
    expect(schedule.chargingSchedulePeriod[0].limit).toBe(
      Math.floor(schedule.chargingSchedulePeriod[0].limit),
    );
  });

  it('throws on an empty period list, on a plan that has ended and on a negative limit', () => {
    expect(() => buildSetChargingProfile16(input({ periods: [] }))).toThrow(/at least one period/);
    expect(() =>
      buildSetChargingProfile16(
        input({ periods: [{ start: '2026-03-01T11:00:00Z', end: '2026-03-01T12:00:00Z', limitA: 6 }] }),
      ),
    ).toThrow(/ended/);
    expect(() =>
      buildSetChargingProfile16(
        input({ periods: [{ start: '2026-03-01T11:00:00Z', end: null, limitA: -1 }] }),
      ),
    ).toThrow(/limit/);
  });
});

import { ProfileStack } from './profile-stack';

const START = '2026-03-01T12:00:00Z';
const at = (seconds: number) => new Date(Date.parse(START) + seconds * 1000);

const profile16 = (
  connectorId: number,
  id: number,
  purpose: string,
  periods: [number, number][],
  extra: { stackLevel?: number; duration?: number; unit?: 'A' | 'W' } = {},
) => ({
  connectorId,
  csChargingProfiles: {
    chargingProfileId: id,
    stackLevel: extra.stackLevel ?? 0,
    chargingProfilePurpose: purpose,
    chargingSchedule: {
      startSchedule: START,
      duration: extra.duration,
      chargingRateUnit: extra.unit ?? ('A' as const),
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({
        startPeriod,
        limit,
        numberPhases: 3,
      })),
    },
  },
});

describe('ProfileStack', () => {
  it('offers the lower of the station maximum and the TxProfile, else the TxDefaultProfile', () => {
    const stack = new ProfileStack();
    expect(stack.offeredCurrentA(1, at(0))).toBeNull();
    stack.install(profile16(0, 100, 'ChargePointMaxProfile', [[0, 20]]));
    stack.install(
      profile16(1, 1001, 'TxDefaultProfile', [
        [0, 10],
        [600, 32],
      ]),
    );
    expect(stack.offeredCurrentA(1, at(10))).toBe(10);
    expect(stack.offeredCurrentA(1, at(700))).toBe(20);
    stack.install(profile16(1, 2001, 'TxProfile', [[0, 16]]));
    expect(stack.offeredCurrentA(1, at(10))).toBe(16);
    stack.clearTxProfiles(1);
    expect(stack.offeredCurrentA(1, at(10))).toBe(10);
  });

  it('replaces a profile with the same id and falls back once a schedule has run out', () => {
    const stack = new ProfileStack();
    stack.install(profile16(0, 500, 'TxDefaultProfile', [[0, 8]]));
    stack.install(profile16(1, 1001, 'TxDefaultProfile', [[0, 12]], { duration: 60 }));
    stack.install(profile16(1, 1001, 'TxDefaultProfile', [[0, 14]], { duration: 60 }));
    expect(stack.offeredCurrentA(1, at(30))).toBe(14);
    expect(stack.offeredCurrentA(1, at(60))).toBe(8);
    expect(stack.offeredCurrentA(1, at(-1))).toBe(null);
  });

  it('reads 2.0.1 profiles and converts W with the nominal voltage and phases', () => {
    const stack = new ProfileStack();
    stack.install({
      evseId: 2,
      chargingProfile: {
        id: 2002,
        stackLevel: 0,
        chargingProfilePurpose: 'TxProfile',
        chargingSchedule: [
          {
            startSchedule: START,
            chargingRateUnit: 'W',
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 13_800, numberPhases: 3 }],
          },
        ],
      },
    });
    expect(stack.offeredCurrentA(2, at(1))).toBe(20);
  });

  it('answers a composite schedule with a period per change, station maximum included', () => {
    const stack = new ProfileStack();
    expect(stack.compositeSchedule(1, at(0), 3600, 32)).toEqual([{ startPeriod: 0, limit: 32 }]);
    stack.install(profile16(0, 100, 'ChargePointMaxProfile', [[0, 20]]));
    stack.install(
      profile16(
        1,
        1001,
        'TxProfile',
        [
          [0, 10],
          [600, 32],
          [1200, 16],
        ],
        { duration: 1800 },
      ),
    );
    expect(stack.compositeSchedule(1, at(300), 3600, 32)).toEqual([
      { startPeriod: 0, limit: 10 },
      { startPeriod: 300, limit: 20 },
      { startPeriod: 900, limit: 16 },
      { startPeriod: 1500, limit: 20 },
    ]);
  });

  it('caps what it offers by every external limit of its own until it is cleared', () => {
    const stack = new ProfileStack();
    stack.install(profile16(1, 2001, 'TxProfile', [[0, 32]]));
    const amps = (limit: number) => ({
      startSchedule: START,
      chargingRateUnit: 'A' as const,
      chargingSchedulePeriod: [{ startPeriod: 0, limit }],
    });
    stack.setExternalLimit(1, 'EMS', amps(10));
    stack.setExternalLimit(0, 'SO', amps(16));
    expect(stack.offeredCurrentA(1, at(1))).toBe(10);
    expect(stack.offeredCurrentA(2, at(1))).toBe(16);
    stack.setExternalLimit(1, 'EMS', null);
    expect(stack.offeredCurrentA(1, at(1))).toBe(16);
    stack.setExternalLimit(0, 'SO', null);
    expect(stack.offeredCurrentA(1, at(1))).toBe(32);
  });
});

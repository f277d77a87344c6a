import {
  buildStationMaxProfile16,
  buildStationMaxProfile201,
  chargerSafeShareA,
  connectorSafeShareA,
  STATION_MAX_PROFILE_ID,
} from './station-max-profile';

const NOW = new Date('2026-03-01T12:00:00.750Z');

describe('chargerSafeShareA', () => {
  it("takes the share the site's plan gave the charger, within what the charger can draw", () => {
    const share = (failSafeShareA: number) =>
      chargerSafeShareA({
        failSafeShareA,
        siteLimitsA: [63, 63, 63],
        baseLoadA: [0, 0, 0],
        chargersAtSite: 1,
        connectorMaxA: [16],
        chargerMaxA: null,
      });
    expect(share(11)).toBe(11);
    expect(share(0)).toBe(0);
    expect(share(40)).toBe(16);
  });

  it("splits the site's tightest phase evenly over its chargers", () => {
    expect(
      chargerSafeShareA({
        siteLimitsA: [63, 50, 63],
        baseLoadA: [0, 0, 0],
        chargersAtSite: 4,
        connectorMaxA: [32, 32],
        chargerMaxA: null,
      }),
    ).toBe(12.5);
  });

  it('leaves the base load of each phase aside, and never goes below 0', () => {
    const share = (baseLoadA: number[]) =>
      chargerSafeShareA({
        siteLimitsA: [63, 63, 50],
        baseLoadA,
        chargersAtSite: 2,
        connectorMaxA: [32, 32],
        chargerMaxA: null,
      });
    expect(share([30, 3, 10])).toBe(16.5);
    expect(share([70, 0, 0])).toBe(0);
  });

  it("never exceeds the charger's connectors together or its own maximum", () => {
    const share = (chargerMaxA: number | null) =>
      chargerSafeShareA({
        siteLimitsA: [100, 100, 100],
        baseLoadA: [0, 0, 0],
        chargersAtSite: 1,
        connectorMaxA: [16, 16],
        chargerMaxA,
      });
    expect(share(null)).toBe(32);
    expect(share(20)).toBe(20);
  });

  it("shares the DSO's fallback where it is below the grid connection, phase by phase", () => {
    const share = (siteFallbackA: number[] | null) =>
      chargerSafeShareA({
        siteLimitsA: [63, 63, 63],
        siteFallbackA,
        baseLoadA: [0, 0, 0],
        chargersAtSite: 2,
        connectorMaxA: [32, 32],
        chargerMaxA: null,
      });
    expect(share(null)).toBe(31.5);
    expect(share([40, 20, 80])).toBe(10);
  });

  it('refuses a site without chargers', () => {
    expect(() =>
      chargerSafeShareA({
        siteLimitsA: [63, 63, 63],
        baseLoadA: [0, 0, 0],
        chargersAtSite: 0,
        connectorMaxA: [32],
        chargerMaxA: null,
      }),
    ).toThrow(/at least one charger/);
  });
});

describe('connectorSafeShareA', () => {
  it("splits the charger's share over its connectors, never above the connector maximum", () => {
    expect(connectorSafeShareA(40, 2, 32)).toBe(20);
    expect(connectorSafeShareA(80, 2, 32)).toBe(32);
    expect(() => connectorSafeShareA(40, 0, 32)).toThrow(/at least one connector/);
  });
});

describe('station maximum profiles', () => {
  const expectedSchedule = {
    startSchedule: '2026-03-01T11:59:55Z',
    chargingRateUnit: 'A',
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 15.7, numberPhases: 3 }],
  };

  it('builds a 1.6 ChargePointMaxProfile on connector 0 with one open-ended period', () => {
    expect(buildStationMaxProfile16({ limitA: 15.75, phases: 3, now: NOW })).toEqual({
      connectorId: 0,
      csChargingProfiles: {
        chargingProfileId: STATION_MAX_PROFILE_ID,
        stackLevel: 0,
        chargingProfilePurpose: 'ChargePointMaxProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: expectedSchedule,
      },
    });
  });

  it('builds a 2.0.1 ChargingStationMaxProfile on EVSE 0 with one Absolute schedule', () => {
    expect(buildStationMaxProfile201({ limitA: 15.75, phases: 3, now: NOW })).toEqual({
      evseId: 0,
      chargingProfile: {
        id: STATION_MAX_PROFILE_ID,
        stackLevel: 0,
        chargingProfilePurpose: 'ChargingStationMaxProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [{ id: STATION_MAX_PROFILE_ID, ...expectedSchedule }],
      },
    });
  });

  it('converts to whole watts for a station that accepts only W, and sends 0 below 6 A', () => {
    const inW = buildStationMaxProfile201({
      limitA: 10,
      phases: 3,
      now: NOW,
      rateUnit: 'W',
      nominalVoltageV: 230,
    });
    expect(inW.chargingProfile.chargingSchedule[0]).toMatchObject({
      chargingRateUnit: 'W',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900, numberPhases: 3 }],
    });
    const tiny = buildStationMaxProfile16({ limitA: 4, phases: 1, now: NOW });
    expect(tiny.csChargingProfiles.chargingSchedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 0, numberPhases: 1 },
    ]);
  });

  it('follows a ceiling over time and ends at the safe share', () => {
    const profile = buildStationMaxProfile16({
      limitA: 20,
      ceiling: [
        { start: NOW.toISOString(), end: '2026-03-01T13:00:00.000Z', limitA: 32 },
        { start: '2026-03-01T13:00:00.000Z', end: null, limitA: 20 },
      ],
      phases: 3,
      now: NOW,
    });
    expect(profile.csChargingProfiles.chargingSchedule).toEqual({
      startSchedule: '2026-03-01T11:59:55Z',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 32, numberPhases: 3 },
        { startPeriod: 3605, limit: 20, numberPhases: 3 },
      ],
    });
    const ending = [{ start: NOW.toISOString(), end: '2026-03-01T13:00:00.000Z', limitA: 32 }];
    expect(() => buildStationMaxProfile16({ limitA: 20, ceiling: ending, phases: 3, now: NOW })).toThrow(
      /open-ended/,
    );
  });

  it('sends a DC station its maximum in watts without numberPhases', () => {
    const dc = buildStationMaxProfile201({ limitA: 10, phases: 3, now: NOW, dc: true, nominalVoltageV: 230 });
    expect(dc.chargingProfile.chargingSchedule[0]).toMatchObject({
      chargingRateUnit: 'W',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900 }],
    });
  });
});

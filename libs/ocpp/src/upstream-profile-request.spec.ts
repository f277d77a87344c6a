import { parseUpstreamClear, parseUpstreamProfile } from './upstream-profile-request';

const schedule = {
  chargingRateUnit: 'W',
  chargingSchedulePeriod: [{ startPeriod: 0, limit: 7400, numberPhases: 1 }],
};

function request16(fields: Record<string, unknown> = {}, connectorId = 1) {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: 11,
      stackLevel: 2,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      validTo: '2026-03-02T00:00:00Z',
      chargingSchedule: { ...schedule, startSchedule: '2026-03-01T12:00:00Z', duration: 3600 },
      ...fields,
    },
  };
}

function request201(fields: Record<string, unknown> = {}, evseId = 1) {
  return {
    evseId,
    chargingProfile: {
      id: 12,
      stackLevel: 1,
      chargingProfilePurpose: 'ChargingStationMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{ id: 1, ...schedule }],
      ...fields,
    },
  };
}

describe('parseUpstreamProfile', () => {
  it('stores a 1.6 profile with its schedule and validity', () => {
    expect(parseUpstreamProfile('ocpp1.6', request16())).toEqual({
      connectorId: 1,
      profileId: 11,
      stackLevel: 2,
      purpose: 'TxDefaultProfile',
      schedule: {
        kind: 'Absolute',
        validTo: '2026-03-02T00:00:00Z',
        startSchedule: '2026-03-01T12:00:00Z',
        duration: 3600,
        ...schedule,
      },
    });
  });

  it('stores a 2.0.1 station maximum on EVSE 0 as the charger maximum', () => {
    expect(parseUpstreamProfile('ocpp2.0.1', request201({}, 0))).toMatchObject({
      connectorId: 0,
      profileId: 12,
      purpose: 'ChargerMax',
      schedule: { kind: 'Absolute', ...schedule },
    });
  });

  it('refuses what it cannot model, saying why', () => {
    const refused = (protocol: 'ocpp1.6' | 'ocpp2.0.1', params: object) =>
      (parseUpstreamProfile(protocol, params) as { reasonCode?: string }).reasonCode;
    expect(refused('ocpp1.6', request16({ chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' }))).toBe(
      'Recurring',
    );
    expect(refused('ocpp1.6', request16({ chargingProfileKind: 'Relative' }))).toBe('RelativeNoTx');
    expect(refused('ocpp1.6', request16({ chargingProfilePurpose: 'ChargePointMaxProfile' }))).toBe(
      'InvalidConnector',
    );
    expect(refused('ocpp1.6', request16({ chargingProfilePurpose: 'TxProfile' }, 0))).toBe(
      'InvalidConnector',
    );
    expect(refused('ocpp1.6', request16({ chargingProfileId: 2 ** 40 }))).toBe('OutOfRange');
    expect(
      refused('ocpp2.0.1', request201({ chargingProfilePurpose: 'ChargingStationExternalConstraints' })),
    ).toBe('ExternalConstraints');
    expect(
      refused(
        'ocpp2.0.1',
        request201(
          {
            chargingSchedule: [
              { id: 1, ...schedule },
              { id: 2, ...schedule },
            ],
          },
          0,
        ),
      ),
    ).toBe('SeveralSchedules');
    expect(
      parseUpstreamProfile(
        'ocpp1.6',
        request16({ chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative' }),
      ),
    ).toMatchObject({
      purpose: 'TxProfile',
      schedule: { kind: 'Relative' },
    });
  });
});

describe('parseUpstreamClear', () => {
  it('reads either version’s id or criteria; a purpose the upstream cannot have set matches nothing', () => {
    expect(parseUpstreamClear('ocpp1.6', { id: 5, connectorId: 1 })).toEqual({ profileId: 5 });
    expect(
      parseUpstreamClear('ocpp1.6', { connectorId: 0, chargingProfilePurpose: 'ChargePointMaxProfile' }),
    ).toEqual({ connectorId: 0, purpose: 'ChargerMax' });
    expect(parseUpstreamClear('ocpp1.6', {})).toEqual({});
    expect(parseUpstreamClear('ocpp2.0.1', { chargingProfileId: 6 })).toEqual({ profileId: 6 });
    expect(
      parseUpstreamClear('ocpp2.0.1', {
        chargingProfileCriteria: { evseId: 2, stackLevel: 1, chargingProfilePurpose: 'TxProfile' },
      }),
    ).toEqual({ connectorId: 2, stackLevel: 1, purpose: 'TxProfile' });
    expect(
      parseUpstreamClear('ocpp2.0.1', {
        chargingProfileCriteria: { chargingProfilePurpose: 'ChargingStationExternalConstraints' },
      }),
    ).toBeNull();
  });
});

import {
  capabilitiesFromConfiguration16,
  capabilitiesFromVariables201,
  capabilitiesChangeProfiles,
  DEFAULT_MAX_PERIODS,
  isDcCharger,
  profileLimits,
  unreportedCapabilities,
  UNDISCOVERED_MAX_PERIODS,
} from './capabilities';

const AT = new Date('2026-03-01T12:00:00Z');

describe('capability discovery', () => {
  it('reads the 1.6 smart-charging configuration keys', () => {
    const capabilities = capabilitiesFromConfiguration16(
      {
        configurationKey: [
          { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core, SmartCharging,RemoteTrigger' },
          { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: 'Current,Power' },
          { key: 'ChargingScheduleMaxPeriods', readonly: true, value: '24' },
          { key: 'ChargeProfileMaxStackLevel', readonly: true, value: '0' },
          { key: 'MaxChargingProfilesInstalled', readonly: true, value: 'many' },
          { key: 'ConnectorPhaseRotation', readonly: false, value: '0.RST,1.RST' },
          { key: 'MeterValueSampleInterval', readonly: false, value: '60' },
          { key: 'SendLocalListMaxLength', readonly: true, value: '20' },
          { key: 'LocalAuthListMaxLength', readonly: true, value: '0' },
        ],
        unknownKey: [],
      },
      AT,
    );
    expect(capabilities).toEqual({
      smartCharging: true,
      rateUnits: ['A', 'W'],
      maxPeriods: 24,
      maxStackLevel: 0,
      maxProfiles: null,
      phaseRotation: '0.RST,1.RST',
      supplyPhases: null,
      meterSampleIntervalS: 60,
      localAuthList: false,
      localListItemsPerMessage: 20,
      localListMaxEntries: null,
      discoveredAt: '2026-03-01T12:00:00.000Z',
    });
  });

  it('reads the 2.0.1 device-model variables, ignoring those the station refused', () => {
    const result = (component: string, variable: string, value: string, status = 'Accepted') => ({
      attributeStatus: status,
      attributeValue: value,
      component: { name: component },
      variable: { name: variable },
    });
    const capabilities = capabilitiesFromVariables201(
      {
        getVariableResult: [
          result('SmartChargingCtrlr', 'Enabled', 'true'),
          result('SmartChargingCtrlr', 'RateUnit', 'W'),
          result('SmartChargingCtrlr', 'PeriodsPerSchedule', '5'),
          result('SmartChargingCtrlr', 'ProfileStackLevel', '3'),
          result('SmartChargingCtrlr', 'Entries', '', 'NotSupportedAttributeType'),
          result('EVSE', 'SupplyPhases', '1'),
          result('EVSE', 'PhaseRotation', 'RST'),
          result('SampledDataCtrlr', 'TxUpdatedInterval', '0', 'UnknownVariable'),
          result('LocalAuthListCtrlr', 'Enabled', 'TRUE'),
          result('LocalAuthListCtrlr', 'ItemsPerMessage', '50'),
          result('LocalAuthListCtrlr', 'Entries', '1000'),
        ],
      },
      AT,
    );
    expect(capabilities).toMatchObject({
      smartCharging: true,
      rateUnits: ['W'],
      maxPeriods: 5,
      maxStackLevel: 3,
      maxProfiles: null,
      phaseRotation: 'RST',
      supplyPhases: 1,
      meterSampleIntervalS: null,
      localAuthList: true,
      localListItemsPerMessage: 50,
      localListMaxEntries: 1000,
    });
  });

  it('applies safe defaults where nothing was reported, and W only for W-only chargers', () => {
    const ac = { dc: false };
    expect(profileLimits(null)).toEqual({ maxPeriods: UNDISCOVERED_MAX_PERIODS, rateUnit: 'A', ...ac });
    expect(UNDISCOVERED_MAX_PERIODS).toBe(2);
    expect(profileLimits(unreportedCapabilities(AT))).toEqual({
      maxPeriods: DEFAULT_MAX_PERIODS,
      rateUnit: 'A',
      ...ac,
    });
    const reported = { ...unreportedCapabilities(AT), maxPeriods: 3 };
    expect(profileLimits({ ...reported, rateUnits: ['A', 'W'] })).toEqual({
      maxPeriods: 3,
      rateUnit: 'A',
      ...ac,
    });
    expect(profileLimits({ ...reported, rateUnits: ['W'] })).toEqual({ maxPeriods: 3, rateUnit: 'W', ...ac });
    expect(profileLimits({ ...reported, rateUnits: [] })).toEqual({ maxPeriods: 3, rateUnit: 'A', ...ac });
  });

  it('takes a 2.0.1 EVSE with 0 supply phases for DC: W whatever units it reports', () => {
    const dc = capabilitiesFromVariables201(
      {
        getVariableResult: [
          {
            attributeStatus: 'Accepted',
            attributeValue: '0',
            component: { name: 'EVSE' },
            variable: { name: 'SupplyPhases' },
          },
        ],
      },
      AT,
    );
    expect(dc.supplyPhases).toBe(0);
    expect(isDcCharger(dc)).toBe(true);
    expect(profileLimits({ ...dc, rateUnits: ['A', 'W'] })).toMatchObject({ rateUnit: 'W', dc: true });
    expect(isDcCharger({ ...dc, supplyPhases: 3 })).toBe(false);
    expect(isDcCharger({ ...dc, supplyPhases: null })).toBe(false);
  });

  describe('capabilitiesChangeProfiles', () => {
    const reported = { ...unreportedCapabilities(AT), rateUnits: ['A' as const], maxPeriods: 24 };
    const plan = (periods: number) => Array.from({ length: periods }, (_, index) => index);

    it('says so when discovery tells another rate unit or DC', () => {
      expect(capabilitiesChangeProfiles(null, { ...reported, rateUnits: ['W'] }, [])).toBe(true);
      expect(capabilitiesChangeProfiles(null, { ...reported, supplyPhases: 0 }, [])).toBe(true);
      expect(capabilitiesChangeProfiles(reported, { ...reported, rateUnits: ['A', 'W'] }, [])).toBe(false);
    });

    it('says so when a plan has more periods, with its tail, than the fewer of the two period limits', () => {
      // Undiscovered: two periods. One planned period and its tail fit both ways.
      expect(capabilitiesChangeProfiles(null, reported, [plan(1)])).toBe(false);
      expect(capabilitiesChangeProfiles(null, reported, [plan(1), plan(2)])).toBe(true);
      expect(capabilitiesChangeProfiles(reported, { ...reported, maxPeriods: 3 }, [plan(2)])).toBe(false);
      expect(capabilitiesChangeProfiles(reported, { ...reported, maxPeriods: 3 }, [plan(3)])).toBe(true);
      expect(capabilitiesChangeProfiles(reported, { ...reported }, [plan(30)])).toBe(false);
    });
  });
});

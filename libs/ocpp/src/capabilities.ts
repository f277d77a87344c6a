import type { schema } from '@gridflex/persistence';

/** Smart-charging capabilities a charger reported; a null field was not reported. */
export type ChargerCapabilities = schema.ChargerCapabilitiesColumn;

/** What the profile builders need to know, with safe defaults for anything not reported. */
export interface ProfileLimits {
  maxPeriods: number;
  /** `A` unless the charger accepts only `W` or is DC. */
  rateUnit: 'A' | 'W';
  /** A DC charger (see `isDcCharger`): profiles in W without `numberPhases`. */
  dc: boolean;
}

/**
 * A 2.0.1 station whose EVSE reports `SupplyPhases` 0, the device model's value for DC. OCPP 1.6 has no such
 * key; a 1.6 DC charger reports only `Power` in `ChargingScheduleAllowedChargingRateUnit`, so it gets W anyway.
 */
export function isDcCharger(capabilities: ChargerCapabilities | null): boolean {
  return capabilities?.supplyPhases === 0;
}

/**
 * Chargers that do not report `ChargingScheduleMaxPeriods` / `PeriodsPerSchedule` get schedules cut to this
 * many periods: a longer schedule could be rejected outright, and cutting only ever lowers limits.
 */
export const DEFAULT_MAX_PERIODS = 10;

/**
 * Chargers that have not answered discovery yet (it runs after they are protected) get schedules of two
 * periods: the limit planned now, then the lowest of the rest, pushed again when that begins. One period would
 * hold a connector at the lowest limit of its whole plan (often 0 A at its end: a pause some EVs never resume
 * from); more might be rejected. Their rate unit is A (AC; a DC or W-only charger refuses it until discovery
 * tells, and is then sent its profiles again).
 */
export const UNDISCOVERED_MAX_PERIODS = 2;

/** @param capabilities null when the charger has not answered discovery yet */
export function profileLimits(capabilities: ChargerCapabilities | null): ProfileLimits {
  const units = capabilities?.rateUnits;
  const dc = isDcCharger(capabilities);
  const onlyW = units && units.length > 0 && !units.includes('A') && units.includes('W');
  return {
    maxPeriods: capabilities ? (capabilities.maxPeriods ?? DEFAULT_MAX_PERIODS) : UNDISCOVERED_MAX_PERIODS,
    rateUnit: dc || onlyW ? 'W' : 'A',
    dc,
  };
}

/**
 * Whether connector profiles built for `plans` with the capabilities `after` may differ from those built with
 * `before`: another rate unit, or a period limit that cuts a plan the other does not (a plan of n periods makes
 * a schedule of at most n + 1, its tail included).
 */
export function capabilitiesChangeProfiles(
  before: ChargerCapabilities | null,
  after: ChargerCapabilities | null,
  plans: readonly (readonly unknown[])[],
): boolean {
  const was = profileLimits(before);
  const now = profileLimits(after);
  if (was.rateUnit !== now.rateUnit || was.dc !== now.dc) return true;
  if (was.maxPeriods === now.maxPeriods) return false;
  const fewest = Math.min(was.maxPeriods, now.maxPeriods);
  return plans.some((plan) => plan.length + 1 > fewest);
}

/** The configuration keys OCPP 1.6 (§5.8, §9.4) defines for what we need to know. */
export const CONFIGURATION_KEYS_16 = [
  'SupportedFeatureProfiles',
  'ChargingScheduleAllowedChargingRateUnit',
  'ChargingScheduleMaxPeriods',
  'ChargeProfileMaxStackLevel',
  'MaxChargingProfilesInstalled',
  'ConnectorPhaseRotation',
  'MeterValueSampleInterval',
  'SendLocalListMaxLength',
  'LocalAuthListMaxLength',
] as const;

export interface GetConfigurationResponse16 {
  configurationKey?: { key: string; readonly: boolean; value?: string }[];
  unknownKey?: string[];
}

export function capabilitiesFromConfiguration16(
  response: GetConfigurationResponse16,
  at: Date,
): ChargerCapabilities {
  const values = new Map((response.configurationKey ?? []).map((entry) => [entry.key, entry.value]));
  const profiles = csl(values.get('SupportedFeatureProfiles'));
  return {
    smartCharging: profiles === null ? null : profiles.includes('SmartCharging'),
    rateUnits: rateUnits16(csl(values.get('ChargingScheduleAllowedChargingRateUnit'))),
    maxPeriods: positiveInteger(values.get('ChargingScheduleMaxPeriods')),
    maxStackLevel: nonNegativeInteger(values.get('ChargeProfileMaxStackLevel')),
    maxProfiles: positiveInteger(values.get('MaxChargingProfilesInstalled')),
    phaseRotation: nonEmpty(values.get('ConnectorPhaseRotation')),
    supplyPhases: null,
    meterSampleIntervalS: nonNegativeInteger(values.get('MeterValueSampleInterval')),
    localAuthList: profiles === null ? null : profiles.includes('LocalAuthListManagement'),
    localListItemsPerMessage: positiveInteger(values.get('SendLocalListMaxLength')),
    localListMaxEntries: positiveInteger(values.get('LocalAuthListMaxLength')),
    discoveredAt: at.toISOString(),
  };
}

interface VariableRef {
  component: { name: string; evse?: { id: number } };
  variable: { name: string; instance?: string };
  attributeType?: 'Actual' | 'MaxSet';
}

/** The 2.0.1 device-model variables we read, station-wide and on EVSE 1 (K01, Q; part 2 appendix). */
export const DISCOVERY_VARIABLES_201: readonly VariableRef[] = [
  { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Enabled' } },
  { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } },
  { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'PeriodsPerSchedule' } },
  { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'ProfileStackLevel' } },
  {
    component: { name: 'SmartChargingCtrlr' },
    variable: { name: 'Entries', instance: 'ChargingProfiles' },
    attributeType: 'MaxSet',
  },
  { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'SupplyPhases' } },
  { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'PhaseRotation' } },
  { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } },
  { component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Enabled' } },
  { component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'ItemsPerMessage' } },
  // Its Actual value is how many entries the list holds now; the most it can hold is the maximum it may be set to.
  { component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Entries' }, attributeType: 'MaxSet' },
];

export interface GetVariablesResponse201 {
  getVariableResult: {
    attributeStatus: string;
    attributeValue?: string;
    component: { name: string };
    variable: { name: string };
  }[];
}

export function capabilitiesFromVariables201(
  response: GetVariablesResponse201,
  at: Date,
): ChargerCapabilities {
  const values = new Map(
    response.getVariableResult
      .filter((result) => result.attributeStatus === 'Accepted')
      .map((result) => [`${result.component.name}.${result.variable.name}`, result.attributeValue]),
  );
  return {
    smartCharging: booleanValue(values.get('SmartChargingCtrlr.Enabled')),
    rateUnits: rateUnits201(csl(values.get('SmartChargingCtrlr.RateUnit'))),
    maxPeriods: positiveInteger(values.get('SmartChargingCtrlr.PeriodsPerSchedule')),
    maxStackLevel: nonNegativeInteger(values.get('SmartChargingCtrlr.ProfileStackLevel')),
    maxProfiles: positiveInteger(values.get('SmartChargingCtrlr.Entries')),
    phaseRotation: nonEmpty(values.get('EVSE.PhaseRotation')),
    // 0 is DC.
    supplyPhases: nonNegativeInteger(values.get('EVSE.SupplyPhases')),
    meterSampleIntervalS: nonNegativeInteger(values.get('SampledDataCtrlr.TxUpdatedInterval')),
    localAuthList: booleanValue(values.get('LocalAuthListCtrlr.Enabled')),
    localListItemsPerMessage: positiveInteger(values.get('LocalAuthListCtrlr.ItemsPerMessage')),
    localListMaxEntries: positiveInteger(values.get('LocalAuthListCtrlr.Entries')),
    discoveredAt: at.toISOString(),
  };
}

/** A charger that answered nothing usable: every field unknown, so every default applies. */
export function unreportedCapabilities(at: Date): ChargerCapabilities {
  return capabilitiesFromConfiguration16({}, at);
}

function csl(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function rateUnits16(units: string[] | null): ('A' | 'W')[] | null {
  if (units === null) return null;
  return units.flatMap((unit) =>
    unit === 'Current' ? ['A' as const] : unit === 'Power' ? ['W' as const] : [],
  );
}

function rateUnits201(units: string[] | null): ('A' | 'W')[] | null {
  if (units === null) return null;
  return units.filter((unit): unit is 'A' | 'W' => unit === 'A' || unit === 'W');
}

function booleanValue(value: string | undefined): boolean | null {
  return value === undefined ? null : value.trim().toLowerCase() === 'true';
}

function nonNegativeInteger(value: string | undefined): number | null {
  const text = value?.trim() ?? '';
  if (!/^\d+$/.test(text)) return null;
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : null;
}

function positiveInteger(value: string | undefined): number | null {
  const number = nonNegativeInteger(value);
  return number !== null && number > 0 ? number : null;
}

function nonEmpty(value: string | undefined): string | null {
  const text = value?.trim() ?? '';
  return text === '' ? null : text;
}

import type { schema } from '@gridflex/persistence';
import type { OcppProtocol } from './charger-session';
import { fitsInt4 } from './int4';
import type { SetChargingProfileRequest16 } from './ocpp16/messages';
import type { SetChargingProfileRequest201 } from './ocpp201/messages';

/** An upstream SetChargingProfile gridflex can model, in the shape it is stored. */
export interface UpstreamProfileRequest {
  connectorId: number;
  profileId: number;
  stackLevel: number;
  purpose: schema.UpstreamProfilePurpose;
  schedule: schema.UpstreamSchedule;
}

/** Why an upstream profile is refused: `reasonCode` (2.0.1 `statusInfo`, at most 20 characters) and a sentence. */
export interface UpstreamProfileRefusal {
  reasonCode: string;
  reason: string;
}

/** Which stored profiles an upstream ClearChargingProfile removes; absent fields match every profile. */
export interface UpstreamClearFilter {
  profileId?: number;
  connectorId?: number;
  purpose?: schema.UpstreamProfilePurpose;
  stackLevel?: number;
}

const PURPOSES: Readonly<Record<string, schema.UpstreamProfilePurpose>> = {
  ChargePointMaxProfile: 'ChargerMax',
  ChargingStationMaxProfile: 'ChargerMax',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/**
 * The upstream's SetChargingProfile as gridflex stores it, or why it cannot model it: recurring profiles,
 * relative schedules other than a TxProfile's, several schedules for an ISO 15118 EV to choose from, external
 * constraints (the station's own, never the CSMS's: K01.FR.22), a charger maximum on one connector or a
 * TxProfile on none (OCPP forbids both).
 */
export function parseUpstreamProfile(
  protocol: OcppProtocol,
  params: object,
): UpstreamProfileRequest | UpstreamProfileRefusal {
  const request = protocol === 'ocpp1.6' ? from16(params) : from201(params);
  if ('reasonCode' in request) return request;
  const { connectorId, profileId, stackLevel, purpose, schedule } = request;
  if (![connectorId, profileId, stackLevel].every(fitsInt4))
    return refusal('OutOfRange', 'an id out of range');
  if (purpose === 'ChargerMax' && connectorId !== 0)
    return refusal('InvalidConnector', 'a charger maximum applies to connector 0 only');
  if (purpose === 'TxProfile' && connectorId === 0)
    return refusal('InvalidConnector', 'a TxProfile needs a connector');
  if (schedule.kind === 'Relative' && purpose !== 'TxProfile')
    return refusal('RelativeNoTx', 'a relative schedule needs a transaction: only a TxProfile may have one');
  return request;
}

/**
 * The upstream's ClearChargingProfile (either version) as a filter over its stored profiles; null when it can
 * match none (a purpose the upstream can never have set).
 */
export function parseUpstreamClear(protocol: OcppProtocol, params: object): UpstreamClearFilter | null {
  if (protocol === 'ocpp1.6') {
    const { id, connectorId, chargingProfilePurpose, stackLevel } = params as {
      id?: number;
      connectorId?: number;
      chargingProfilePurpose?: string;
      stackLevel?: number;
    };
    if (id !== undefined) return { profileId: id };
    return clearFilter(connectorId, chargingProfilePurpose, stackLevel);
  }
  const { chargingProfileId, chargingProfileCriteria: criteria } = params as {
    chargingProfileId?: number;
    chargingProfileCriteria?: { evseId?: number; chargingProfilePurpose?: string; stackLevel?: number };
  };
  if (chargingProfileId !== undefined) return { profileId: chargingProfileId };
  return clearFilter(criteria?.evseId, criteria?.chargingProfilePurpose, criteria?.stackLevel);
}

function from16(params: object): UpstreamProfileRequest | UpstreamProfileRefusal {
  const { connectorId, csChargingProfiles: profile } = params as SetChargingProfileRequest16;
  if (profile.chargingProfileKind === 'Recurring') return recurring();
  const { chargingSchedule: schedule } = profile;
  return {
    connectorId,
    profileId: profile.chargingProfileId,
    stackLevel: profile.stackLevel,
    purpose: PURPOSES[profile.chargingProfilePurpose],
    schedule: toSchedule(profile, schedule),
  };
}

function from201(params: object): UpstreamProfileRequest | UpstreamProfileRefusal {
  const { evseId, chargingProfile: profile } = params as SetChargingProfileRequest201;
  if (profile.chargingProfileKind === 'Recurring') return recurring();
  if (profile.chargingProfilePurpose === 'ChargingStationExternalConstraints')
    return refusal('ExternalConstraints', 'external constraints are set by the station, not the CSMS');
  if (profile.chargingSchedule.length !== 1)
    return refusal('SeveralSchedules', 'several schedules for the EV to choose from are not supported');
  const [schedule] = profile.chargingSchedule;
  return {
    connectorId: evseId,
    profileId: profile.id,
    stackLevel: profile.stackLevel,
    purpose: PURPOSES[profile.chargingProfilePurpose],
    schedule: toSchedule(profile, schedule),
  };
}

function clearFilter(
  connectorId: number | undefined,
  purpose: string | undefined,
  stackLevel: number | undefined,
): UpstreamClearFilter | null {
  if (purpose !== undefined && PURPOSES[purpose] === undefined) return null;
  return definedOnly({
    connectorId,
    purpose: purpose === undefined ? undefined : PURPOSES[purpose],
    stackLevel,
  });
}

/** What both versions' profiles say of their schedule, in the shape gridflex keeps (recurring ones refused before). */
function toSchedule(
  profile: {
    chargingProfileKind: 'Absolute' | 'Relative' | 'Recurring';
    validFrom?: string;
    validTo?: string;
  },
  schedule: {
    startSchedule?: string;
    duration?: number;
    chargingRateUnit: 'A' | 'W';
    chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
  },
): schema.UpstreamSchedule {
  return {
    kind: profile.chargingProfileKind as schema.UpstreamSchedule['kind'],
    ...definedOnly({ validFrom: profile.validFrom, validTo: profile.validTo }),
    ...definedOnly({ startSchedule: schedule.startSchedule, duration: schedule.duration }),
    chargingRateUnit: schedule.chargingRateUnit,
    chargingSchedulePeriod: schedule.chargingSchedulePeriod.map(toPeriod),
  };
}

function toPeriod(period: { startPeriod: number; limit: number; numberPhases?: number }) {
  const { startPeriod, limit, numberPhases } = period;
  return { startPeriod, limit, ...definedOnly({ numberPhases }) };
}

function recurring(): UpstreamProfileRefusal {
  return refusal('Recurring', 'recurring profiles are not supported');
}

function refusal(reasonCode: string, reason: string): UpstreamProfileRefusal {
  return { reasonCode, reason };
}

function definedOnly<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

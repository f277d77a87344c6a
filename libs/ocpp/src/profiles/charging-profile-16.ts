import type { SetChargingProfileRequest16 } from '../ocpp16/messages';
import {
  buildAbsoluteSchedule,
  ProfilePeriod,
  TX_DEFAULT_PROFILE_ID_BASE,
  TX_PROFILE_ID_BASE,
} from './profile-schedule';

export interface ChargingProfile16Input {
  connectorId: number;
  phases: 1 | 2 | 3;
  /** The running transaction on the connector, or null when none runs. */
  transactionId: number | null;
  /** Contiguous and sorted. */
  periods: readonly ProfilePeriod[];
  now: Date;
  /** `ChargingScheduleMaxPeriods`, when the charger reported it. */
  maxPeriods?: number;
  /** `W` only for chargers that accept no `A`; needs `nominalVoltageV`. */
  rateUnit?: 'A' | 'W';
  nominalVoltageV?: number;
  /** A DC charger: W converted over `phases`, no `numberPhases` (see `ScheduleOptions.dc`). */
  dc?: boolean;
  /** The connector's safe share (A per phase), held after the plan's last period ends. */
  tailLimitA: number;
}

/**
 * The 1.6 `SetChargingProfile.req` for a connector plan: a TxProfile for the running transaction, else the
 * connector's TxDefaultProfile.
 */
export function buildSetChargingProfile16(input: ChargingProfile16Input): SetChargingProfileRequest16 {
  const txProfile = input.transactionId !== null;
  if (txProfile && input.connectorId < 1) throw new Error('A TxProfile needs a connector id of 1 or more');
  const profile: SetChargingProfileRequest16['csChargingProfiles'] = {
    chargingProfileId: (txProfile ? TX_PROFILE_ID_BASE : TX_DEFAULT_PROFILE_ID_BASE) + input.connectorId,
    stackLevel: 0,
    chargingProfilePurpose: txProfile ? 'TxProfile' : 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: buildAbsoluteSchedule(input.periods, input.now, input),
  };
  if (input.transactionId !== null) profile.transactionId = input.transactionId;
  return { connectorId: input.connectorId, csChargingProfiles: profile };
}

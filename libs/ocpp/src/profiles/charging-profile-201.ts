import type { SetChargingProfileRequest201 } from '../ocpp201/messages';
import {
  buildAbsoluteSchedule,
  ProfilePeriod,
  TX_DEFAULT_PROFILE_ID_BASE,
  TX_PROFILE_ID_BASE,
} from './profile-schedule';

export interface ChargingProfile201Input {
  evseId: number;
  phases: 1 | 2 | 3;
  /** The station's id of the transaction running on the EVSE, or null when none runs. */
  transactionId: string | null;
  /** Contiguous and sorted. */
  periods: readonly ProfilePeriod[];
  now: Date;
  /** `SmartChargingCtrlr.PeriodsPerSchedule`, when the charger reported it. */
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
 * The 2.0.1 `SetChargingProfileRequest` for an EVSE plan: a TxProfile for the running transaction (K01.FR.03,
 * FR.16), else the EVSE's TxDefaultProfile, which also governs a running transaction (K01.FR.32). One
 * schedule (K01.FR.34) whose id is the profile's, Absolute with a `startSchedule` (K01.FR.40).
 */
export function buildSetChargingProfile201(input: ChargingProfile201Input): SetChargingProfileRequest201 {
  const txProfile = input.transactionId !== null;
  if (input.evseId < 1) throw new Error('A connector profile needs an EVSE id of 1 or more');
  const id = (txProfile ? TX_PROFILE_ID_BASE : TX_DEFAULT_PROFILE_ID_BASE) + input.evseId;
  const profile: SetChargingProfileRequest201['chargingProfile'] = {
    id,
    stackLevel: 0,
    chargingProfilePurpose: txProfile ? 'TxProfile' : 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: [{ id, ...buildAbsoluteSchedule(input.periods, input.now, input) }],
  };
  if (input.transactionId !== null) profile.transactionId = input.transactionId;
  return { evseId: input.evseId, chargingProfile: profile };
}

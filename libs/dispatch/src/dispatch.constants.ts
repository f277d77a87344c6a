export const CHARGING_PROFILES_QUEUE = 'charging-profiles';
export const SET_CHARGING_PROFILE_JOB = 'set-charging-profile';

/** Queue payload: which connector's plan, at which version. The plan itself is read from the database. */
export interface SetChargingProfileJob {
  connectorRef: string;
  version: number;
}

/** What we record about the latest push of a connector's plan. */
export type DispatchStatus =
  | 'pending'
  | 'accepted'
  | 'rejected'
  | 'not-supported'
  | 'call-error'
  | 'charger-offline'
  | 'timeout'
  | 'failed';

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

/** Outcomes that say nothing against the plan itself: it is sent again when the charger comes back. */
export const RETRYABLE_STATUSES: readonly DispatchStatus[] = [
  'pending',
  'charger-offline',
  'timeout',
  'failed',
];

export function dispatchJobId(job: SetChargingProfileJob): string {
  return `${job.connectorRef}.v${job.version}`;
}

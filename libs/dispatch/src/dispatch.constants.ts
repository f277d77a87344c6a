/** Each instance consumes its own queue: the pushes for the chargers whose sockets it holds. */
export const CHARGING_PROFILES_QUEUE = 'charging-profiles';
export const SET_CHARGING_PROFILE_JOB = 'set-charging-profile';
/** Shared by all instances: the janitor's recurring job runs on one of them at a time. */
export const DISPATCH_MAINTENANCE_QUEUE = 'dispatch-maintenance';
export const DISPATCH_JANITOR_JOB = 'janitor';

/** Queue payload: which connector's plan, at which version. The plan itself is read from the database. */
export interface SetChargingProfileJob {
  connectorRef: string;
  version: number;
  /** A lowering of a re-plan: once tried, it lets the raisings behind this barrier go. */
  lowers?: string;
  /** A raising of a re-plan: waits until the lowerings of this barrier have been tried. */
  raises?: string;
}

/** How a new plan moves the connector's limit right now, which orders the pushes of one re-plan. */
export type PlanDirection = 'lower' | 'raise' | 'same';

export interface PlanChange {
  connectorRef: string;
  version: number;
  direction: PlanDirection;
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

export function dispatchJobId(job: Pick<SetChargingProfileJob, 'connectorRef' | 'version'>): string {
  return `${job.connectorRef}.v${job.version}`;
}

export function chargingProfilesQueueName(instanceId: string): string {
  return `${CHARGING_PROFILES_QUEUE}-${instanceId}`;
}

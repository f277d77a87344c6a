/** Every message we send to a peer: one job per message, retried with backoff. */
export const OSCP_OUTBOUND_QUEUE = 'oscp-outbound';
export const DELIVER_MESSAGE_JOB = 'deliver';

export interface DeliverMessageJob {
  messageId: string;
}

/** Timers per peer (heartbeats we owe, deadlines of theirs), run once across all instances. */
export const OSCP_TIMERS_QUEUE = 'oscp-timers';
export const SEND_HEARTBEAT_JOB = 'send-heartbeat';
export const CHECK_OFFLINE_JOB = 'check-offline';
export const SEND_MEASUREMENTS_JOB = 'send-measurements';
/** Not per peer: one check of every group's measured load against the forecasts in force. */
export const CHECK_COMPLIANCE_JOB = 'check-compliance';
export const COMPLIANCE_SCHEDULER_ID = 'compliance-check';

export interface PeerTimerJob {
  peerId: string;
}

export type OscpTimerJob = PeerTimerJob | Record<string, never>;

export const heartbeatSchedulerId = (peerId: string) => `heartbeat.${peerId}`;
export const offlineCheckJobId = (peerId: string, at: Date) => `offline.${peerId}.${at.getTime()}`;
export const measurementsSchedulerId = (peerId: string) => `measurements.${peerId}`;

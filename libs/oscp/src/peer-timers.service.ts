import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { REDIS_RECONNECTED } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  CHECK_COMPLIANCE_JOB,
  CHECK_OFFLINE_JOB,
  COMPLIANCE_SCHEDULER_ID,
  heartbeatSchedulerId,
  measurementsSchedulerId,
  offlineCheckJobId,
  OSCP_TIMERS_QUEUE,
  OscpTimerJob,
  SEND_HEARTBEAT_JOB,
  SEND_MEASUREMENTS_JOB,
} from './oscp-queues.constants';

/** Slack after a deadline, so the check never runs a hair before it. */
const DEADLINE_SLACK_MS = 50;

/**
 * Four checks per grace period keep the overshoot of the grace small; more often than every second
 * would only load the database, and less often than every 30 s would delay the error needlessly.
 */
export function complianceCheckPeriodMs(graceS: number): number {
  return Math.min(30_000, Math.max(1_000, Math.floor((graceS * 1000) / 4)));
}

/**
 * Per-peer timers, and the compliance check of all groups, on a BullMQ queue: each fires once across
 * all controller instances, and survives a restart.
 */
@Injectable()
export class PeerTimersService implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(OSCP_TIMERS_QUEUE) private readonly queue: Queue<OscpTimerJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Upserted by every instance at boot, and again when Redis is back (it may have come back empty): one
   * scheduler, so still one check per period in all.
   */
  @OnEvent(REDIS_RECONNECTED)
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      COMPLIANCE_SCHEDULER_ID,
      { every: complianceCheckPeriodMs(this.config.OSCP_COMPLIANCE_GRACE_S) },
      { name: CHECK_COMPLIANCE_JOB, data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
  }

  async startHeartbeats(peerId: string, intervalS: number): Promise<void> {
    await this.queue.upsertJobScheduler(
      heartbeatSchedulerId(peerId),
      { every: intervalS * 1000 },
      { name: SEND_HEARTBEAT_JOB, data: { peerId }, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
  }

  async stopHeartbeats(peerId: string): Promise<void> {
    await this.queue.removeJobScheduler(heartbeatSchedulerId(peerId));
  }

  async startMeasurements(peerId: string, periodS: number): Promise<void> {
    await this.queue.upsertJobScheduler(
      measurementsSchedulerId(peerId),
      { every: periodS * 1000 },
      { name: SEND_MEASUREMENTS_JOB, data: { peerId }, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
  }

  async stopMeasurements(peerId: string): Promise<void> {
    await this.queue.removeJobScheduler(measurementsSchedulerId(peerId));
  }

  /** One check per deadline; a check for a deadline since pushed back finds nothing to do. */
  async checkOfflineAt(peerId: string, deadline: Date): Promise<void> {
    await this.queue.add(
      CHECK_OFFLINE_JOB,
      { peerId },
      {
        jobId: offlineCheckJobId(peerId, deadline),
        delay: Math.max(0, deadline.getTime() - Date.now()) + DEADLINE_SLACK_MS,
        removeOnComplete: true,
        removeOnFail: 100,
      },
    );
  }
}

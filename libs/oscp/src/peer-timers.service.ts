import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  CHECK_OFFLINE_JOB,
  heartbeatSchedulerId,
  measurementsSchedulerId,
  offlineCheckJobId,
  OSCP_TIMERS_QUEUE,
  PeerTimerJob,
  SEND_HEARTBEAT_JOB,
  SEND_MEASUREMENTS_JOB,
} from './oscp-queues.constants';

/** Slack after a deadline, so the check never runs a hair before it. */
const DEADLINE_SLACK_MS = 50;

/**
 * Per-peer timers on a BullMQ queue: each fires once across all controller instances, and survives
 * a restart.
 */
@Injectable()
export class PeerTimersService {
  constructor(@InjectQueue(OSCP_TIMERS_QUEUE) private readonly queue: Queue<PeerTimerJob>) {}

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

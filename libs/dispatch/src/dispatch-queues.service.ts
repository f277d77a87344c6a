import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { InstanceService } from '@gridflex/cluster';
import { queueOptions } from '@gridflex/common';
import {
  chargingProfilesQueueName,
  SET_CHARGING_PROFILE_JOB,
  SetChargingProfileJob,
} from './dispatch.constants';

/** Jobs per `addBulk`: one Redis pipeline each. */
const ADD_CHUNK = 250;

export interface QueuedPush {
  data: SetChargingProfileJob;
  jobId: string;
}

/**
 * The per-instance `charging-profiles-{instance}` queues: a charger's pushes go to the queue of whichever
 * instance holds the charger's socket, whose worker sends them.
 */
@Injectable()
export class DispatchQueuesService implements OnApplicationShutdown {
  private readonly logger = new Logger(DispatchQueuesService.name);
  private readonly queues = new Map<string, Queue<SetChargingProfileJob>>();

  constructor(
    private readonly instance: InstanceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** This instance's own queue. */
  get own(): Queue<SetChargingProfileJob> {
    return this.queueOf(this.instance.id);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.race([
      Promise.allSettled([...this.queues.values()].map((queue) => queue.close())),
      sleep(2000),
    ]);
  }

  /**
   * Queues in chunks, in order: the worker starts on the first chunk while the next ones are added, rather
   * than after all of a large re-plan's jobs.
   */
  async add(instanceId: string, pushes: QueuedPush[]): Promise<void> {
    const queue = this.queueOf(instanceId);
    for (let first = 0; first < pushes.length; first += ADD_CHUNK) {
      await queue.addBulk(
        pushes.slice(first, first + ADD_CHUNK).map(({ data, jobId }) => ({
          name: SET_CHARGING_PROFILE_JOB,
          data,
          opts: this.jobOptions(jobId),
        })),
      );
    }
  }

  /** Whether the instance's worker still has pushes waiting or running (delayed retries do not count). */
  async isBusy(instanceId: string): Promise<boolean> {
    const counts = await this.queueOf(instanceId).getJobCounts('waiting', 'active', 'prioritized');
    return Object.values(counts).some((count) => count > 0);
  }

  /** A dead instance's queue: what it held is re-sent when its chargers connect elsewhere. */
  async discard(instanceId: string): Promise<void> {
    const queue = this.queueOf(instanceId);
    await queue.obliterate({ force: true });
    await queue.close();
    this.queues.delete(instanceId);
  }

  queueOf(instanceId: string): Queue<SetChargingProfileJob> {
    let queue = this.queues.get(instanceId);
    if (!queue) {
      queue = new Queue<SetChargingProfileJob>(chargingProfilesQueueName(instanceId), this.connection());
      queue.on('error', (error) => this.logger.warn(`Queue of ${instanceId}: ${error.message}`));
      this.queues.set(instanceId, queue);
    }
    return queue;
  }

  private jobOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.config.DISPATCH_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.DISPATCH_BACKOFF_MS },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    };
  }

  connection() {
    return queueOptions(this.config);
  }
}

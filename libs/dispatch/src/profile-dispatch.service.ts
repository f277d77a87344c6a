import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  CHARGING_PROFILES_QUEUE,
  SET_CHARGING_PROFILE_JOB,
  SetChargingProfileJob,
} from './dispatch.constants';

/** Producer side of the `charging-profiles` queue. */
@Injectable()
export class ProfileDispatchService {
  constructor(
    @InjectQueue(CHARGING_PROFILES_QUEUE) private readonly queue: Queue<SetChargingProfileJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The job id names connector and version, so enqueueing the same plan twice sends it once. */
  async enqueue(jobs: SetChargingProfileJob[]): Promise<void> {
    await Promise.all(
      jobs.map((data) =>
        this.queue.add(SET_CHARGING_PROFILE_JOB, data, {
          jobId: `${data.connectorRef}.v${data.version}`,
          attempts: this.config.DISPATCH_ATTEMPTS,
          backoff: { type: 'exponential', delay: this.config.DISPATCH_BACKOFF_MS },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        }),
      ),
    );
  }
}

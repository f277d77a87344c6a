import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { REDIS_RECONNECTED } from '@gridflex/common';
import {
  DASHBOARD_SAMPLES_QUEUE,
  SAMPLE_INTERVAL_MS,
  SAMPLE_LOAD_JOB,
  SAMPLE_LOAD_SCHEDULER,
} from './dashboard.constants';
import { DashboardService } from './dashboard.service';

/**
 * One sampling job per interval for the whole deployment, however many instances run; upserted at boot and
 * when Redis is back, since it may have come back empty.
 */
@Injectable()
export class LoadSamplesScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(DASHBOARD_SAMPLES_QUEUE) private readonly queue: Queue) {}

  @OnEvent(REDIS_RECONNECTED)
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      SAMPLE_LOAD_SCHEDULER,
      { every: SAMPLE_INTERVAL_MS },
      { name: SAMPLE_LOAD_JOB, data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
  }
}

@Processor(DASHBOARD_SAMPLES_QUEUE)
export class LoadSamplesProcessor extends WorkerHost {
  constructor(private readonly dashboard: DashboardService) {
    super();
  }

  async process(): Promise<void> {
    await this.dashboard.sampleLoads();
  }
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Job } from 'bullmq';
import {
  SCHEDULE_EDGES_QUEUE,
  SCHEDULE_WINDOW_EDGE,
  ScheduleWindowEdgeEvent,
  WindowEdgeJob,
} from './schedules.constants';

/**
 * Turns a window-edge tick into a re-plan of the site. Each tick is one job, taken by one instance; a
 * repeated delivery only re-plans again, which changes nothing when the inputs did not change.
 */
@Processor(SCHEDULE_EDGES_QUEUE)
export class ScheduleEdgesProcessor extends WorkerHost {
  constructor(private readonly events: EventEmitter2) {
    super();
  }

  async process(job: Job<WindowEdgeJob>): Promise<void> {
    await this.events.emitAsync(SCHEDULE_WINDOW_EDGE, new ScheduleWindowEdgeEvent(job.data.siteId));
  }
}

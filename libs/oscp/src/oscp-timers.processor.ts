import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { MeasurementsService } from './measurements.service';
import { PeerLinkService } from './peer-link.service';
import {
  CHECK_OFFLINE_JOB,
  OSCP_TIMERS_QUEUE,
  PeerTimerJob,
  SEND_HEARTBEAT_JOB,
  SEND_MEASUREMENTS_JOB,
} from './oscp-queues.constants';

@Processor(OSCP_TIMERS_QUEUE)
export class OscpTimersProcessor extends WorkerHost {
  constructor(
    private readonly link: PeerLinkService,
    private readonly measurements: MeasurementsService,
  ) {
    super();
  }

  async process(job: Job<PeerTimerJob>): Promise<void> {
    if (job.name === SEND_HEARTBEAT_JOB) await this.link.sendHeartbeat(job.data.peerId);
    else if (job.name === CHECK_OFFLINE_JOB) await this.link.checkOffline(job.data.peerId);
    else if (job.name === SEND_MEASUREMENTS_JOB) await this.measurements.report(job.data.peerId);
  }
}

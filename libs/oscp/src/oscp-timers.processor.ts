import { Processor, WorkerHost } from '@nestjs/bullmq';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Job } from 'bullmq';
import { ComplianceCheckDueEvent, OSCP_COMPLIANCE_CHECK_DUE } from './events';
import { MeasurementsService } from './measurements.service';
import { PeerLinkService } from './peer-link.service';
import {
  CHECK_COMPLIANCE_JOB,
  CHECK_OFFLINE_JOB,
  OSCP_TIMERS_QUEUE,
  OscpTimerJob,
  PeerTimerJob,
  SEND_HEARTBEAT_JOB,
  SEND_MEASUREMENTS_JOB,
} from './oscp-queues.constants';

@Processor(OSCP_TIMERS_QUEUE)
export class OscpTimersProcessor extends WorkerHost {
  constructor(
    private readonly link: PeerLinkService,
    private readonly measurements: MeasurementsService,
    private readonly events: EventEmitter2,
  ) {
    super();
  }

  async process(job: Job<OscpTimerJob>): Promise<void> {
    if (job.name === CHECK_COMPLIANCE_JOB) return this.checkCompliance();
    const { peerId } = job.data as PeerTimerJob;
    if (job.name === SEND_HEARTBEAT_JOB) await this.link.sendHeartbeat(peerId);
    else if (job.name === CHECK_OFFLINE_JOB) await this.link.checkOffline(peerId);
    else if (job.name === SEND_MEASUREMENTS_JOB) await this.measurements.report(peerId);
  }

  /** Awaited, so that a failing check fails the job and is logged by BullMQ. */
  private async checkCompliance(): Promise<void> {
    const event: ComplianceCheckDueEvent = { at: new Date() };
    await this.events.emitAsync(OSCP_COMPLIANCE_CHECK_DUE, event);
  }
}

import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  buildSetChargingProfile16,
  ChargerOfflineError,
  ChargerStateRepository,
  OcppCallError,
  OcppCallTimeoutError,
  OcppGatewayService,
} from '@gridflex/ocpp';
import { CHARGING_PROFILES_QUEUE, DispatchStatus, SetChargingProfileJob } from './dispatch.constants';
import { DispatchRepository } from './dispatch.repository';

const ANSWER_STATUS: Record<string, DispatchStatus> = {
  Accepted: 'accepted',
  Rejected: 'rejected',
  NotSupported: 'not-supported',
};

export type DispatchResult = { outcome: DispatchStatus | 'superseded' | 'no-plan' };

/** Sends a connector's latest plan as `SetChargingProfile` and records what the charger answered. */
@Processor(CHARGING_PROFILES_QUEUE)
export class ChargingProfilesProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(ChargingProfilesProcessor.name);

  constructor(
    private readonly repository: DispatchRepository,
    private readonly gateway: OcppGatewayService,
    private readonly chargerState: ChargerStateRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.DISPATCH_CONCURRENCY;
  }

  async process(job: Job<SetChargingProfileJob>): Promise<DispatchResult> {
    const { connectorRef, version } = job.data;
    const target = await this.repository.loadTarget(connectorRef);
    if (!target) return { outcome: 'no-plan' };
    if (target.version !== version) return { outcome: 'superseded' };
    const payload = buildSetChargingProfile16({
      connectorId: target.connectorId,
      phases: target.phases,
      transactionId: await this.chargerState.activeTransactionId(connectorRef),
      periods: target.periods,
      now: new Date(),
    });
    try {
      const answer = await this.gateway.call<{ status: string }>(
        target.identity,
        'SetChargingProfile',
        payload,
      );
      const outcome = ANSWER_STATUS[answer.status] ?? 'failed';
      await this.record(job, outcome, outcome === 'accepted' ? null : `Charger answered ${answer.status}`);
      return { outcome };
    } catch (error) {
      return this.handleFailure(job, error);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<SetChargingProfileJob> | undefined, error: Error): void {
    this.logger.warn(
      `Dispatch ${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${error.message}`,
    );
  }

  /** Offline chargers and timeouts are retried with backoff; a charger's CALLERROR is final. */
  private async handleFailure(job: Job<SetChargingProfileJob>, error: unknown): Promise<never> {
    if (error instanceof ChargerOfflineError) {
      await this.record(job, 'charger-offline', error.message);
      throw error;
    }
    if (error instanceof OcppCallTimeoutError) {
      await this.record(job, 'timeout', error.message);
      throw error;
    }
    if (error instanceof OcppCallError) {
      await this.record(job, 'call-error', `${error.code}: ${error.description}`);
      throw new UnrecoverableError(error.message);
    }
    await this.record(job, 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  }

  private record(
    job: Job<SetChargingProfileJob>,
    status: DispatchStatus,
    detail: string | null,
  ): Promise<void> {
    return this.repository.recordOutcome(job.data.connectorRef, job.data.version, status, detail, new Date());
  }
}

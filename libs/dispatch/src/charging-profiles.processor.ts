import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  ActiveTransaction,
  buildSetChargingProfile16,
  buildSetChargingProfile201,
  ChargerOfflineError,
  ChargerStateChangedEvent,
  ChargerStateRepository,
  OCPP_CHARGER_STATE_CHANGED,
  OcppCallError,
  OcppCallTimeoutError,
  OcppGatewayService,
  OcppProtocol,
  ProfileContext,
  profileLimits,
} from '@gridflex/ocpp';
import { CHARGING_PROFILES_QUEUE, DispatchStatus, SetChargingProfileJob } from './dispatch.constants';
import { DispatchRepository, DispatchTarget } from './dispatch.repository';

const ANSWER_STATUS: Record<string, DispatchStatus> = {
  Accepted: 'accepted',
  Rejected: 'rejected',
  NotSupported: 'not-supported',
};

export type DispatchResult = { outcome: DispatchStatus | 'superseded' | 'no-plan' };

/**
 * Sends a connector's latest plan as `SetChargingProfile` and records what the charger answered. A refusal
 * (`Rejected`, `NotSupported`, CALLERROR) marks the connector uncontrollable, so that the planner reserves its
 * maximum; the next accepted profile makes it controllable again.
 */
@Processor(CHARGING_PROFILES_QUEUE)
export class ChargingProfilesProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(ChargingProfilesProcessor.name);

  constructor(
    private readonly repository: DispatchRepository,
    private readonly gateway: OcppGatewayService,
    private readonly chargerState: ChargerStateRepository,
    private readonly events: EventEmitter2,
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
    try {
      await this.gateway.whenDiscovered(target.identity);
      const protocol = this.gateway.protocolOf(target.identity);
      if (!protocol) throw new ChargerOfflineError(target.identity);
      const transaction = await this.chargerState.activeTransaction(connectorRef);
      const context = await this.chargerState.profileContext(connectorRef);
      const payload = buildProfile(protocol, target, transaction, context, new Date());
      const answer = await this.gateway.call<{ status: string }>(
        target.identity,
        'SetChargingProfile',
        payload,
      );
      const outcome = ANSWER_STATUS[answer.status] ?? 'failed';
      const detail = outcome === 'accepted' ? null : `Charger answered ${answer.status}`;
      await this.record(job, outcome, detail);
      await this.setUncontrollable(connectorRef, detail);
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
      const detail = `${error.code}: ${error.description}`;
      await this.record(job, 'call-error', detail);
      await this.setUncontrollable(job.data.connectorRef, detail);
      throw new UnrecoverableError(error.message);
    }
    await this.record(job, 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  }

  private async setUncontrollable(connectorRef: string, reason: string | null): Promise<void> {
    const charger = await this.chargerState.setUncontrollable(connectorRef, reason);
    if (!charger) return;
    if (reason === null) this.logger.log(`${charger.identity} accepts profiles on ${connectorRef} again`);
    else this.logger.warn(`${charger.identity} refuses profiles on ${connectorRef}: ${reason}`);
    this.events.emit(
      OCPP_CHARGER_STATE_CHANGED,
      new ChargerStateChangedEvent({ ...charger, reason: 'controllability' }),
    );
  }

  private record(
    job: Job<SetChargingProfileJob>,
    status: DispatchStatus,
    detail: string | null,
  ): Promise<void> {
    return this.repository.recordOutcome(job.data.connectorRef, job.data.version, status, detail, new Date());
  }
}

/**
 * The profile in the version of the connection that will carry it, within the period count and rate unit the
 * charger reported (safe defaults when it reported nothing).
 */
function buildProfile(
  protocol: OcppProtocol,
  target: DispatchTarget,
  transaction: ActiveTransaction | null,
  context: ProfileContext | null,
  now: Date,
): object {
  const common = {
    phases: target.phases,
    periods: target.periods,
    now,
    ...profileLimits(context?.capabilities ?? null),
    nominalVoltageV: context?.nominalVoltageV,
    // Without a context nothing says what is safe once the plan ends: then the connector stops.
    tailLimitA: context?.safeShareA ?? 0,
  };
  if (protocol === 'ocpp2.0.1') {
    return buildSetChargingProfile201({
      ...common,
      evseId: target.connectorId,
      transactionId: transaction?.stationTransactionId ?? null,
    });
  }
  return buildSetChargingProfile16({
    ...common,
    connectorId: target.connectorId,
    transactionId: transaction?.id ?? null,
  });
}

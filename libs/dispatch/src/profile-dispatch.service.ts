import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '@gridflex/ocpp';
import {
  CHARGING_PROFILES_QUEUE,
  dispatchJobId,
  DispatchStatus,
  RETRYABLE_STATUSES,
  SET_CHARGING_PROFILE_JOB,
  SetChargingProfileJob,
} from './dispatch.constants';
import { DispatchRepository } from './dispatch.repository';

const WAITING_OUT = ['failed', 'delayed'];

/** Producer side of the `charging-profiles` queue. */
@Injectable()
export class ProfileDispatchService {
  constructor(
    @InjectQueue(CHARGING_PROFILES_QUEUE) private readonly queue: Queue<SetChargingProfileJob>,
    private readonly repository: DispatchRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The job id names connector and version, so enqueueing the same plan twice sends it once. */
  async enqueue(jobs: SetChargingProfileJob[]): Promise<void> {
    await Promise.all(jobs.map((data) => this.add(data)));
  }

  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerStateChanged(event: ChargerStateChangedEvent): Promise<void> {
    if (event.reason === 'connected') await this.reassertPlans(event.chargerId);
    if (event.reason === 'transaction-started') await this.resendForTransactions(event.chargerId);
  }

  /**
   * A charger that comes back gets every connector's current plan once on this connection: it may have
   * rebooted and lost its profiles. What it missed goes out at once (jobs waiting out a backoff run now,
   * jobs that used up their attempts run again); what it had received is sent again under a job id naming
   * the connection. The 'connected' event comes once per connection, so a fresh id per event suffices.
   */
  private async reassertPlans(chargerId: string): Promise<void> {
    const connection = randomUUID();
    const plans = await this.repository.plansForCharger(chargerId);
    await Promise.all(
      plans.map(({ connectorRef, version, dispatchStatus }) =>
        RETRYABLE_STATUSES.includes(dispatchStatus as DispatchStatus)
          ? this.redeliver({ connectorRef, version })
          : this.add({ connectorRef, version }, `${dispatchJobId({ connectorRef, version })}.c${connection}`),
      ),
    );
  }

  /**
   * A new transaction needs its TxProfile even when the plan did not change: the same version is sent
   * once more, under a job id naming the transaction, so each transaction gets it exactly once.
   */
  private async resendForTransactions(chargerId: string): Promise<void> {
    const plans = await this.repository.plansWithOpenTransaction(chargerId);
    await Promise.all(
      plans.map(({ connectorRef, version, transactionId }) =>
        this.add({ connectorRef, version }, `${dispatchJobId({ connectorRef, version })}.tx${transactionId}`),
      ),
    );
  }

  private async redeliver(data: SetChargingProfileJob): Promise<void> {
    const job = await this.queue.getJob(dispatchJobId(data));
    if (!job) return this.add(data);
    try {
      const state = await job.getState();
      if (state === 'failed') await job.retry();
      else if (state === 'delayed') await job.promote();
    } catch (error) {
      // The job may have left that state meanwhile: then it is running or done, which is what we want.
      if (WAITING_OUT.includes(await job.getState())) throw error;
    }
  }

  private async add(data: SetChargingProfileJob, jobId = dispatchJobId(data)): Promise<void> {
    await this.queue.add(SET_CHARGING_PROFILE_JOB, data, {
      jobId,
      attempts: this.config.DISPATCH_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.DISPATCH_BACKOFF_MS },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
  }
}

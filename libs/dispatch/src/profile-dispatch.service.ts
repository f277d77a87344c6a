import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '@gridflex/ocpp';
import {
  CHARGING_PROFILES_QUEUE,
  dispatchJobId,
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

  /**
   * A charger that comes back gets at once what it missed: jobs waiting out a backoff run now, jobs
   * that used up their attempts run again.
   */
  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerStateChanged(event: ChargerStateChangedEvent): Promise<void> {
    if (event.reason === 'connected') await this.redeliverUndelivered(event.chargerId);
    if (event.reason === 'transaction-started') await this.resendForTransactions(event.chargerId);
  }

  private async redeliverUndelivered(chargerId: string): Promise<void> {
    const undelivered = await this.repository.undeliveredForCharger(chargerId);
    await Promise.all(undelivered.map((data) => this.redeliver(data)));
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

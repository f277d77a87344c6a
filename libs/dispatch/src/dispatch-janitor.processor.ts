import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ChargerOwnershipService, InstanceService } from '@gridflex/cluster';
import { REDIS_RECONNECTED } from '@gridflex/common';
import { ChargerStateChangedEvent, ChargerStateRepository, OCPP_CHARGER_STATE_CHANGED } from '@gridflex/ocpp';
import { DISPATCH_JANITOR_JOB, DISPATCH_MAINTENANCE_QUEUE } from './dispatch.constants';
import { DispatchQueuesService } from './dispatch-queues.service';
import { DispatchRepository } from './dispatch.repository';
import { ProfileDispatchService } from './profile-dispatch.service';

/**
 * Clears up after instances that died without a word (`kill -9`, a lost host), once across the cluster
 * (a BullMQ job scheduler on a shared queue): their queues are dropped, their chargers recorded offline
 * until they connect elsewhere, and every plan that has not reached its charger is queued again. It also
 * pushes again the plans whose accepted profile stops following them (fail-safe hold, period limit).
 */
@Processor(DISPATCH_MAINTENANCE_QUEUE)
export class DispatchJanitorProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(DispatchJanitorProcessor.name);

  constructor(
    @InjectQueue(DISPATCH_MAINTENANCE_QUEUE) private readonly queue: Queue,
    private readonly instance: InstanceService,
    private readonly ownership: ChargerOwnershipService,
    private readonly queues: DispatchQueuesService,
    private readonly repository: DispatchRepository,
    private readonly chargerState: ChargerStateRepository,
    private readonly dispatch: ProfileDispatchService,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /**
   * At boot, and when Redis is back: an emptied Redis lost the scheduler along with the queued pushes, which
   * the janitor's next run then queues again.
   */
  @OnEvent(REDIS_RECONNECTED)
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      DISPATCH_JANITOR_JOB,
      { every: this.config.DISPATCH_RECONCILE_INTERVAL_MS },
      { name: DISPATCH_JANITOR_JOB, opts: { removeOnComplete: 10, removeOnFail: 50 } },
    );
  }

  async process(): Promise<void> {
    await this.dropDeadInstances();
    await this.forgetAbandonedChargers();
    const now = new Date();
    await this.redeliverUndelivered(now);
    await this.renewHeldPlans(now);
  }

  private async dropDeadInstances(): Promise<void> {
    for (const id of await this.instance.known()) {
      if (id === this.instance.id || (await this.instance.isAlive(id))) continue;
      this.logger.warn(`Instance ${id} is gone: dropping its dispatch queue`);
      await this.queues.discard(id);
      await this.instance.forget(id);
    }
  }

  /** Recorded connected, yet no live instance holds them: their instance died. */
  private async forgetAbandonedChargers(): Promise<void> {
    const connected = await this.chargerState.listConnected();
    const owners = await this.ownership.ownersOf(connected.map((charger) => charger.identity));
    const abandoned = connected.filter((charger) => owners.get(charger.identity) === null);
    if (abandoned.length === 0) return;
    await this.chargerState.markManyDisconnected(abandoned.map((charger) => charger.id));
    for (const charger of abandoned) {
      this.events.emit(
        OCPP_CHARGER_STATE_CHANGED,
        new ChargerStateChangedEvent({
          chargerId: charger.id,
          identity: charger.identity,
          siteId: charger.siteId,
          reason: 'disconnected',
        }),
      );
    }
  }

  /** Plans idle for a whole interval are lost work (a dead instance's queue, a push out of attempts). */
  private async redeliverUndelivered(now: Date): Promise<void> {
    const interval = this.config.DISPATCH_RECONCILE_INTERVAL_MS;
    const plans = await this.repository.undelivered(new Date(now.getTime() - interval));
    if (plans.length === 0) return;
    const queued = await this.dispatch.redeliver(plans, String(Math.floor(now.getTime() / interval)));
    if (queued > 0) this.logger.log(`Queued ${queued} undelivered plans again`);
  }

  /** Accepted profiles that stop following their plan now (see `renewalAt`) are pushed again, each once. */
  private async renewHeldPlans(now: Date): Promise<void> {
    const due = await this.repository.dueForRenewal(now);
    if (due.length === 0) return;
    const queued = await this.dispatch.resend(
      due.map(({ connectorRef, version, renewAt }) => ({
        connectorRef,
        version,
        tag: `rn${renewAt?.getTime() ?? 0}`,
      })),
    );
    if (queued > 0) this.logger.log(`Pushed ${queued} plans again to renew what their chargers hold`);
  }
}

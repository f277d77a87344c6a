import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ChargerOwnershipService, InstanceService } from '@gridflex/cluster';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '@gridflex/ocpp';
import {
  dispatchJobId,
  DispatchStatus,
  PlanChange,
  RETRYABLE_STATUSES,
  SetChargingProfileJob,
} from './dispatch.constants';
import { DispatchQueuesService, QueuedPush } from './dispatch-queues.service';
import { Delivery, DispatchRepository } from './dispatch.repository';
import { TransitionBarrier } from './transition-barrier';

const WAITING_OUT = ['failed', 'delayed'];
/** Plans stored, and their pushes queued, at a time. */
const STORE_CHUNK = 500;
/** How often `pushAndAwait` reads how the pushes went. */
const DELIVERY_POLL_MS = 100;
/** Outcomes in which the charger refused the profile (see `ChargingProfilesProcessor`). */
const REFUSED: readonly string[] = ['rejected', 'not-supported', 'call-error'];

/** What a charger answered the pushes `pushAndAwait` waited for. */
export type DeliveryVerdict = 'accepted' | 'rejected' | 'timeout';

/** Producer side of the `charging-profiles` queues: routes each push to the instance holding the charger. */
@Injectable()
export class ProfileDispatchService {
  constructor(
    private readonly queues: DispatchQueuesService,
    private readonly repository: DispatchRepository,
    private readonly ownership: ChargerOwnershipService,
    private readonly instance: InstanceService,
    private readonly barrier: TransitionBarrier,
  ) {}

  /**
   * Queues a re-plan's changes. The job id names connector and version, so enqueueing the same plan twice
   * sends it once. Raisings wait behind the re-plan's lowerings. A charger no instance holds is recorded
   * offline: its next connection re-asserts the latest plan.
   * @param store stores the plans of a chunk of the changes, just before their pushes are queued; given it,
   *   the first pushes of a large re-plan go out while its later plans are still being stored. Lowerings
   *   come first, so a re-plan interrupted halfway has lowered, never only raised.
   */
  async enqueue<C extends PlanChange>(changes: C[], store?: (chunk: C[]) => Promise<void>): Promise<void> {
    if (changes.length === 0) return;
    const owners = await this.ownersOf(changes.map((change) => change.connectorRef));
    const routed = changes.filter((change) => owners.get(change.connectorRef));
    const lowerings = routed.filter((change) => change.direction === 'lower');
    const needsBarrier = lowerings.length > 0 && routed.some((change) => change.direction === 'raise');
    const barrierId = randomUUID();
    if (needsBarrier) await this.barrier.raise(barrierId, lowerings.length);
    const push = (change: PlanChange): SetChargingProfileJob => ({
      connectorRef: change.connectorRef,
      version: change.version,
      ...(needsBarrier && change.direction === 'lower' ? { lowers: barrierId } : {}),
      ...(needsBarrier && change.direction === 'raise' ? { raises: barrierId } : {}),
    });
    const ordered = [
      ...changes.filter((change) => change.direction === 'lower'),
      ...changes.filter((change) => change.direction !== 'lower'),
    ];
    for (let first = 0; first < ordered.length; first += STORE_CHUNK) {
      const chunk = ordered.slice(first, first + STORE_CHUNK);
      await store?.(chunk);
      const routedPushes = chunk.filter((change) => owners.get(change.connectorRef)).map(push);
      await this.addRouted(
        routedPushes.map((data) => ({ data, jobId: dispatchJobId(data) })),
        owners,
      );
      await this.repository.recordOffline(
        chunk.filter((change) => !owners.get(change.connectorRef)),
        new Date(),
      );
    }
  }

  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerStateChanged(event: ChargerStateChangedEvent): Promise<void> {
    if (event.reason === 'connected' || event.reason === 'capabilities')
      await this.reassertPlans(event.chargerId);
    if (event.reason === 'transaction-started') await this.resendForTransactions(event.chargerId);
  }

  /**
   * Re-queues plans the janitor found undelivered, on the instance now holding each charger — unless that
   * instance still has pushes waiting or running: then the plans are behind a backlog, not lost, and
   * queueing them again would only lengthen it.
   * @returns how many plans were queued again
   */
  async redeliver(plans: SetChargingProfileJob[], attempt: string): Promise<number> {
    const owners = await this.ownersOf(plans.map((plan) => plan.connectorRef));
    const byOwner = new Map<string, QueuedPush[]>();
    for (const plan of plans) {
      const owner = owners.get(plan.connectorRef);
      if (!owner) continue;
      const pushes = byOwner.get(owner) ?? [];
      pushes.push({ data: plan, jobId: `${dispatchJobId(plan)}.r${attempt}` });
      byOwner.set(owner, pushes);
    }
    let queued = 0;
    for (const [owner, pushes] of byOwner) {
      if (await this.queues.isBusy(owner)) continue;
      await this.queues.add(owner, pushes);
      queued += pushes.length;
    }
    return queued;
  }

  /**
   * Pushes plans once more, on the instance holding each charger, under a job id naming each one's `tag`: a
   * plan is sent once per tag however often it is asked for. Plans of chargers no instance holds are skipped:
   * their next connection re-asserts them.
   * @returns how many plans were queued
   */
  async resend(plans: (SetChargingProfileJob & { tag: string })[]): Promise<number> {
    const owners = await this.ownersOf(plans.map((plan) => plan.connectorRef));
    const resent = plans
      .filter((plan) => owners.get(plan.connectorRef))
      .map(({ tag, ...data }) => ({ data, jobId: `${dispatchJobId(data)}.${tag}` }));
    await this.addRouted(resent, owners);
    return resent.length;
  }

  /**
   * A charger that comes back, boots, or reports capabilities that change its profiles gets every
   * connector's current plan once more: it may have rebooted and lost its profiles. What it missed goes out
   * at once (jobs waiting out a backoff run now, jobs that used up their attempts run again); what it had
   * received is sent again under a job id naming the event, one push per event. The event comes from the
   * instance holding the socket, so the pushes go to this instance's queue.
   */
  private async reassertPlans(chargerId: string): Promise<void> {
    const connection = randomUUID();
    const plans = await this.repository.plansForCharger(chargerId);
    await Promise.all(
      plans.map(({ connectorRef, version, dispatchStatus }) =>
        RETRYABLE_STATUSES.includes(dispatchStatus as DispatchStatus)
          ? this.redeliverHere({ connectorRef, version })
          : this.addHere(
              { connectorRef, version },
              `${dispatchJobId({ connectorRef, version })}.c${connection}`,
            ),
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
        this.addHere(
          { connectorRef, version },
          `${dispatchJobId({ connectorRef, version })}.tx${transactionId}`,
        ),
      ),
    );
  }

  /**
   * K15: an EV whose needs were taken waits for its TxProfile, which it gets even when the plan did not change:
   * each connector of the charger with a session gets its plan once more under a job id naming `tag`.
   * @returns how many plans were queued
   */
  async resendToOpenTransactions(chargerId: string, tag: string): Promise<number> {
    const plans = await this.repository.plansWithOpenTransaction(chargerId);
    return this.resend(plans.map(({ connectorRef, version }) => ({ connectorRef, version, tag })));
  }

  /**
   * Pushes the latest plans of the charger's connectors `connectorIds` (0: all of them) once more, and waits
   * until the charger has accepted each, or refused one, or `timeoutMs` passed. It reads the outcomes the
   * dispatch worker stores, so the push may run on whichever instance holds the charger (whose clock is
   * taken to agree with this one's, as NTP keeps it). A push counts when it was recorded after this call
   * queued its own, or is of a newer plan (a re-plan meanwhile). A charger no instance holds: `timeout`.
   */
  async pushAndAwait(chargerId: string, connectorIds: number[], timeoutMs: number): Promise<DeliveryVerdict> {
    const deadline = Date.now() + timeoutMs;
    const plans = await this.repository.latestPlansOf(
      chargerId,
      connectorIds.includes(0) ? null : connectorIds,
    );
    if (plans.length === 0) return 'accepted';
    const since = new Date();
    const queued = await this.resend(plans.map((plan) => ({ ...plan, tag: `up${randomUUID()}` })));
    if (queued < plans.length) return 'timeout';
    for (;;) {
      const verdict = deliveryVerdict(
        plans,
        await this.repository.deliveries(plans.map((p) => p.connectorRef)),
        since,
      );
      if (verdict !== 'pending') return verdict;
      if (Date.now() >= deadline) return 'timeout';
      await sleep(DELIVERY_POLL_MS);
    }
  }

  private async redeliverHere(data: SetChargingProfileJob): Promise<void> {
    const job = await this.queues.own.getJob(dispatchJobId(data));
    if (!job) return this.addHere(data);
    try {
      const state = await job.getState();
      if (state === 'failed') await job.retry();
      else if (state === 'delayed') await job.promote();
      else if (state === 'completed') await this.addHere(data, `${dispatchJobId(data)}.c${randomUUID()}`);
    } catch (error) {
      // The job may have left that state meanwhile: then it is running or done, which is what we want.
      if (WAITING_OUT.includes(await job.getState())) throw error;
    }
  }

  private addHere(data: SetChargingProfileJob, jobId = dispatchJobId(data)): Promise<void> {
    return this.queues.add(this.instance.id, [{ data, jobId }]);
  }

  private async addRouted(pushes: QueuedPush[], owners: Map<string, string | null>): Promise<void> {
    const byOwner = new Map<string, QueuedPush[]>();
    for (const push of pushes) {
      const owner = owners.get(push.data.connectorRef)!;
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), push]);
    }
    await Promise.all([...byOwner].map(([owner, pushes]) => this.queues.add(owner, pushes)));
  }

  /** connectorRef → the instance holding its charger's socket, or null. */
  private async ownersOf(connectorRefs: string[]): Promise<Map<string, string | null>> {
    const identities = await this.repository.identitiesOf(connectorRefs);
    const owners = await this.ownership.ownersOf([...new Set(identities.values())]);
    return new Map(connectorRefs.map((ref) => [ref, owners.get(identities.get(ref) ?? '') ?? null]));
  }
}

/**
 * Whether the charger has answered the pushes of `plans` queued at `since`: `rejected` as soon as it refused
 * one, `accepted` once it accepted all, `pending` meanwhile (also while a push waits out a retry).
 */
export function deliveryVerdict(
  plans: readonly SetChargingProfileJob[],
  deliveries: readonly Delivery[],
  since: Date,
): DeliveryVerdict | 'pending' {
  const byRef = new Map(deliveries.map((delivery) => [delivery.connectorRef, delivery]));
  const answers = plans.map((plan) => answerTo(plan, byRef.get(plan.connectorRef), since));
  if (answers.includes('rejected')) return 'rejected';
  return answers.every((answer) => answer === 'accepted') ? 'accepted' : 'pending';
}

function answerTo(
  plan: SetChargingProfileJob,
  delivery: Delivery | undefined,
  since: Date,
): 'accepted' | 'rejected' | 'pending' {
  if (!delivery || delivery.dispatchedVersion !== delivery.version || delivery.dispatchedAt === null)
    return 'pending';
  const counts = delivery.version > plan.version || delivery.dispatchedAt >= since;
  if (!counts) return 'pending';
  if (delivery.dispatchStatus === 'accepted') return 'accepted';
  return REFUSED.includes(delivery.dispatchStatus) ? 'rejected' : 'pending';
}

import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ChargerOwnershipService, InstanceService } from '@gridflex/cluster';
import { describeFailure, KeyedSerialQueue, QueueWorkerRegistry } from '@gridflex/common';
import {
  buildSetChargingProfile16,
  buildSetChargingProfile201,
  ChargerOfflineError,
  ChargerStateChangedEvent,
  ChargerStateRepository,
  chargerBoundShares,
  checkComposite,
  clampToUpstream,
  compositeScheduleRequest,
  CompositeVerdict,
  heldPlan,
  holdEnd,
  lowestUpstreamBoundFrom,
  renewalAt,
  sentSchedule,
  OCPP_CHARGER_STATE_CHANGED,
  OcppCallError,
  OcppCallTimeoutError,
  OcppGatewayService,
  OcppProtocol,
  ProfileContext,
  profileLimits,
  ProfilePeriod,
  toProfileContext,
  UpstreamBoundPiece,
  upstreamBoundPieces,
  upstreamChargerBoundPieces,
} from '@gridflex/ocpp';
import {
  chargingProfilesQueueName,
  dispatchJobId,
  DispatchStatus,
  SetChargingProfileJob,
} from './dispatch.constants';
import { DispatchQueuesService } from './dispatch-queues.service';
import { DispatchRepository, DispatchTarget } from './dispatch.repository';
import {
  DISPATCH_PUSH_FINISHED,
  DISPATCH_VERIFIED,
  DispatchPushFinishedEvent,
  DispatchVerifiedEvent,
  PushOutcome,
} from './events';
import { TransitionBarrier } from './transition-barrier';

const ANSWER_STATUS: Record<string, DispatchStatus> = {
  Accepted: 'accepted',
  Rejected: 'rejected',
  NotSupported: 'not-supported',
};

/** How often a raising looks again whether the lowerings before it have been tried. */
const BARRIER_POLL_MS = 100;
/** How long the worker may take to finish the pushes in flight when the instance stops. */
const DRAIN_DEADLINE_MS = 10_000;

export type DispatchResult = { outcome: PushOutcome };

/**
 * Sends a connector's latest plan as `SetChargingProfile` and records what the charger answered. A refusal
 * (`Rejected`, `NotSupported`, CALLERROR) marks the connector uncontrollable, so that the planner reserves its
 * maximum; the next accepted profile makes it controllable again.
 *
 * Pushes of one connector run one at a time, and each reads the connector's latest plan version just before
 * sending: an older version is therefore never sent after a newer one. Pushes to different connectors run
 * in parallel, `DISPATCH_CONCURRENCY` at a time; ocpp-rpc sends one CALL at a time per charger.
 */
@Injectable()
export class ChargingProfilesProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChargingProfilesProcessor.name);
  private readonly perConnector = new KeyedSerialQueue();
  /** connectorRef → identity of its charger, as last read: a connector never moves to another charger. */
  private readonly identities = new Map<string, string>();
  private worker?: Worker<SetChargingProfileJob>;

  constructor(
    private readonly repository: DispatchRepository,
    private readonly gateway: OcppGatewayService,
    private readonly chargerState: ChargerStateRepository,
    private readonly ownership: ChargerOwnershipService,
    private readonly instance: InstanceService,
    private readonly queues: DispatchQueuesService,
    private readonly barrier: TransitionBarrier,
    private readonly registry: QueueWorkerRegistry,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Consumes this instance's own queue. */
  onApplicationBootstrap(): void {
    this.worker = new Worker<SetChargingProfileJob>(
      chargingProfilesQueueName(this.instance.id),
      (job: Job<SetChargingProfileJob>, token?: string) => this.process(job, token),
      { ...this.queues.connection(), concurrency: this.config.DISPATCH_CONCURRENCY },
    );
    this.worker.on('failed', (job, error) =>
      this.logger.warn(
        `Dispatch ${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${describeFailure(error)}`,
      ),
    );
    this.worker.on('error', (error) => this.logger.warn(`Dispatch worker: ${error.message}`));
    this.registry.registerWorker(this.worker);
    this.registry.registerQueue(this.queues.own);
  }

  /** Pushes in flight finish (or fail into a retry) before the sockets they need are closed. */
  async onModuleDestroy(): Promise<void> {
    if (!this.worker) return;
    const drained = this.worker.close().then(() => true);
    if (!(await Promise.race([drained, sleep(DRAIN_DEADLINE_MS).then(() => false)]))) {
      this.logger.warn('Pushes in flight did not finish in time: stopping the worker anyway');
      await Promise.race([this.worker.close(true), sleep(1000)]);
    }
  }

  async process(job: Job<SetChargingProfileJob>, token?: string): Promise<DispatchResult> {
    if (job.data.raises && (await this.barrier.holds(job.data.raises))) {
      await job.moveToDelayed(Date.now() + BARRIER_POLL_MS, token);
      throw new DelayedError();
    }
    const started = performance.now();
    let outcome: PushOutcome = 'failed';
    try {
      const result = await this.perConnector.run(job.data.connectorRef, () => this.push(job));
      outcome = result.outcome;
      return result;
    } catch (error) {
      outcome = failureOutcome(error);
      throw error;
    } finally {
      if (job.data.lowers && job.attemptsMade === 0) await this.barrier.pass(job.data.lowers);
      this.events.emit(
        DISPATCH_PUSH_FINISHED,
        new DispatchPushFinishedEvent(outcome, performance.now() - started, job.attemptsMade + 1),
      );
    }
  }

  private async push(job: Job<SetChargingProfileJob>): Promise<DispatchResult> {
    const { connectorRef, version } = job.data;
    const target = await this.loadProtectedTarget(connectorRef);
    if (!target) return { outcome: 'no-plan' };
    if (target.version !== version) return { outcome: 'superseded' };
    if (isRedelivery(job) && target.dispatchStatus === 'accepted' && target.dispatchedVersion === version) {
      return { outcome: 'already-delivered' };
    }
    if (!this.gateway.isConnected(target.identity)) return this.notHere(job, target);
    try {
      // Waited for again in case the charger reconnected or booted since: whatever else, its station maximum
      // goes before any connector profile on each connection and after each Boot.
      await this.gateway.whenProtected(target.identity);
      const protocol = this.gateway.protocolOf(target.identity);
      if (!protocol) throw new ChargerOfflineError(target.identity);
      const now = new Date();
      const holdMs = this.config.OCPP_FAILSAFE_HOLD_S * 1000;
      const payload = buildProfile(protocol, target, now, holdEnd(now, holdMs));
      await this.gateway.keepStationCeiling(target.identity, target.ceiling);
      const answer = await this.gateway.call<{ status: string }>(
        target.identity,
        'SetChargingProfile',
        payload,
      );
      const outcome = ANSWER_STATUS[answer.status] ?? 'failed';
      const detail = outcome === 'accepted' ? null : refusalOf(answer.status);
      const { maxPeriods } = profileLimits(target.context.capabilities);
      const renewAt =
        outcome === 'accepted'
          ? renewalAt(target.periods, sentSchedule(payload).schedule, now, holdMs, maxPeriods)
          : null;
      await this.record(job, outcome, detail, renewAt);
      // Pushes of a connector run one at a time, so what loadTarget read is still current: the usual
      // accepted push to a controllable connector needs no second write.
      if (detail !== target.uncontrollableReason) await this.setUncontrollable(connectorRef, detail);
      if (outcome === 'accepted' && this.shouldVerify())
        await this.verify(job, target.identity, protocol, payload, target.context);
      return { outcome };
    } catch (error) {
      return this.handleFailure(job, error);
    }
  }

  /**
   * The connector's target, read once its charger's open connection has been protected (station maximum
   * sent), so that the plan and capabilities read are those of after it. The charger is known from an earlier
   * push of the connector; the first push of a connector in this process learns it from the read, and reads
   * again if it had to wait. Capability discovery is never waited for: the profile is built from what is
   * known, and discovery that changes it has the plans sent again.
   */
  private async loadProtectedTarget(connectorRef: string): Promise<DispatchTarget | undefined> {
    const known = this.identities.get(connectorRef);
    if (known !== undefined && this.gateway.isConnected(known)) await this.whenProtected(known);
    let target = await this.repository.loadTarget(connectorRef);
    if (target && target.identity !== known && this.gateway.isConnected(target.identity)) {
      await this.whenProtected(target.identity);
      target = await this.repository.loadTarget(connectorRef);
    }
    if (target) this.identities.set(connectorRef, target.identity);
    return target;
  }

  /** A charger that went away meanwhile is found offline by the push itself. */
  private async whenProtected(identity: string): Promise<void> {
    await this.gateway.whenProtected(identity).catch((error: unknown) => {
      if (!(error instanceof ChargerOfflineError)) throw error;
    });
  }

  private shouldVerify(): boolean {
    const mode = this.config.OCPP_VERIFY_PROFILES;
    return (
      mode === 'always' ||
      (mode === 'sampled' && Math.random() * 100 < this.config.OCPP_VERIFY_SAMPLE_PERCENT)
    );
  }

  /**
   * Reads the charger's composite schedule back: a charger may accept a profile and apply something else
   * (firmware bugs, a profile stack we do not know of). The outcome is recorded on the plan and counted;
   * it never fails the push, which the charger did accept.
   */
  private async verify(
    job: Job<SetChargingProfileJob>,
    identity: string,
    protocol: OcppProtocol,
    sent: object,
    context: ProfileContext,
  ): Promise<void> {
    const { connectorRef, version } = job.data;
    let result: CompositeVerdict;
    try {
      const answer = await this.gateway.call<unknown>(
        identity,
        'GetCompositeSchedule',
        compositeScheduleRequest(protocol, sent),
      );
      const stationMax = context.capabilities?.stationMaxProfile;
      const stationMaxA = stationMax?.status === 'Accepted' ? stationMax.limitA : null;
      result = checkComposite(sent, answer, stationMaxA, new Date());
    } catch (error) {
      result = { verdict: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
    if (result.verdict === 'mismatch' || result.verdict === 'unverifiable')
      this.logger.warn(`${identity} on ${connectorRef}: ${result.verdict}: ${result.detail}`);
    await this.repository.recordVerification(connectorRef, version, result, new Date());
    this.events.emit(DISPATCH_VERIFIED, new DispatchVerifiedEvent(result.verdict));
  }

  /**
   * The charger's socket is not on this instance: it moved to another one (the push follows it there), or it
   * is offline (its connection, wherever it comes, re-asserts the latest plan).
   */
  private async notHere(job: Job<SetChargingProfileJob>, target: DispatchTarget): Promise<DispatchResult> {
    const owner = await this.ownership.ownerOf(target.identity);
    if (owner !== null && !this.ownership.isSelf(owner)) {
      await this.forward(owner, job);
      return { outcome: 'forwarded' };
    }
    await this.record(job, 'charger-offline', `${target.identity} is not connected; sent when it connects`);
    return { outcome: 'charger-offline' };
  }

  private async forward(owner: string, job: Job<SetChargingProfileJob>): Promise<void> {
    await this.queues.add(owner, [{ data: job.data, jobId: job.id ?? dispatchJobId(job.data) }]);
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
      const detail = callErrorReason(error);
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
    renewAt: Date | null = null,
  ): Promise<void> {
    const { connectorRef, version } = job.data;
    return this.repository.recordOutcome(connectorRef, version, status, detail, new Date(), renewAt);
  }
}

/** Longest refusal reason kept: it is shown in views and logs, where a charger's raw error does not belong. */
export const MAX_REASON_LENGTH = 120;

/** Why a charger refused a profile, short enough for a view; never the request or the charger's raw text. */
export function refusalOf(status: string): string {
  return clip(`profile ${status} by the charger`);
}

/**
 * A CALLERROR's code says what went wrong (NotImplemented, NotSupported, a schema violation); its free-text
 * description may hold anything up to the whole request, so it is left out.
 */
export function callErrorReason(error: OcppCallError): string {
  return clip(`${error.action} answered ${error.code}`);
}

function clip(reason: string): string {
  const oneLine = reason.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_REASON_LENGTH ? oneLine : `${oneLine.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** The janitor's re-queued plans: the original push may have got through since. */
function isRedelivery(job: Job<SetChargingProfileJob>): boolean {
  return /\.r\d+$/.test(job.id ?? '');
}

function failureOutcome(error: unknown): PushOutcome {
  if (error instanceof ChargerOfflineError) return 'charger-offline';
  if (error instanceof OcppCallTimeoutError) return 'timeout';
  if (error instanceof OcppCallError || error instanceof UnrecoverableError) return 'call-error';
  return 'failed';
}

/**
 * The profile in the version of the connection that will carry it, within the period count and rate unit the
 * charger reported (safe defaults when it reported nothing). The plan's open-ended end holds until `holdUntil`
 * and is then followed by the conservative tail: the janitor renews it while we are alive.
 */
function buildProfile(protocol: OcppProtocol, target: DispatchTarget, now: Date, holdUntil: Date): object {
  const { context, transaction } = target;
  const common = {
    phases: target.phases,
    ...underUpstreamBound(target, holdUntil, now),
    now,
    ...profileLimits(context.capabilities),
    nominalVoltageV: target.profileVoltageV,
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
    // The id the charger holds: in proxy mode its upstream's, which a TxProfile must name to be accepted.
    transactionId: transaction ? (transaction.chargerTransactionId ?? transaction.id) : null,
  });
}

/**
 * Proxy mode: the held plan and its tail within the upstream central system's profiles, at every instant (the
 * charger receives the minimum of the two), and within this connector's part of the upstream's charger maximum
 * (`chargerBoundShares`), so that the charger's connectors together stay within it too.
 */
function underUpstreamBound(
  target: DispatchTarget,
  holdUntil: Date,
  now: Date,
): { periods: ProfilePeriod[]; tailLimitA: number } {
  const periods = heldPlan(target.periods, holdUntil);
  const tailLimitA = target.context.safeShareA;
  if (target.upstreamProfiles.length === 0 || periods.length === 0) return { periods, tailLimitA };
  const fromMs = Math.min(Date.parse(periods[0].start), now.getTime());
  const own = upstreamBoundPieces(
    target.upstreamProfiles,
    target.connectorId,
    fromMs,
    Infinity,
    target.profileVoltageV,
  );
  const share = chargerShare(target, holdUntil, now);
  const lastEnd = periods.at(-1)!.end;
  const endMs = lastEnd === null ? Infinity : Date.parse(lastEnd);
  const tailBounds = [lowestUpstreamBoundFrom(own, endMs), lowestUpstreamBoundFrom(share, endMs)];
  return {
    periods: clampToUpstream(clampToUpstream(periods, own), share),
    tailLimitA: Math.min(tailLimitA, ...tailBounds.map((bound) => bound ?? Infinity)),
  };
}

/**
 * This connector's part of the upstream's charger maximum, from what each of the charger's connectors would be
 * sent without it (its held plan, then its tail). Converted over the site voltage, as the station maximum is,
 * so that every connector's push divides the same bound.
 */
function chargerShare(target: DispatchTarget, holdUntil: Date, now: Date): UpstreamBoundPiece[] {
  const { station, upstreamChargerMax } = target.ceiling;
  const withTails = target.chargerPlans.map((plan) =>
    withTail(heldPlan(plan.periods, holdUntil), toProfileContext(station, plan.connectorId).safeShareA),
  );
  const fromMs = Math.min(now.getTime(), ...withTails.flatMap((p) => (p[0] ? [Date.parse(p[0].start)] : [])));
  const pieces = upstreamChargerBoundPieces(upstreamChargerMax, fromMs, Infinity, station.nominalVoltageV);
  const mine = target.chargerPlans.findIndex((plan) => plan.connectorId === target.connectorId);
  return mine === -1 ? [{ startMs: fromMs, limitA: null }] : chargerBoundShares(withTails, pieces)[mine];
}

/** A schedule as the charger holds it for good: after the plan's last period, its conservative tail. */
function withTail(periods: ProfilePeriod[], tailLimitA: number): ProfilePeriod[] {
  const lastEnd = periods.at(-1)?.end;
  if (lastEnd === undefined || lastEnd === null) return periods;
  return [...periods, { start: lastEnd, end: null, limitA: tailLimitA }];
}

import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { JobType, Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { InstanceService } from '@gridflex/cluster';
import { QueueWorkerRegistry } from '@gridflex/common';
import {
  DISPATCH_PUSH_FINISHED,
  DISPATCH_VERIFIED,
  DispatchPushFinishedEvent,
  DispatchVerifiedEvent,
} from '@gridflex/dispatch';
import { OcppGatewayService, UpstreamOutboxRepository } from '@gridflex/ocpp';
import {
  LIMIT_INFEASIBILITY_STARTED,
  LimitInfeasibilityStartedEvent,
  LimitWarningsRepository,
  PLANNING_COMPLETED,
  PlanningCompletedEvent,
} from '@gridflex/planning';
import { RedisProbe } from './redis-probe.service';
import { withTimeout } from './with-timeout';

export const METRICS_PREFIX = 'gridflex_';

export const QUEUE_STATES: JobType[] = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
  'waiting-children',
];

/** A scrape must not hang on a slow Redis: queue depths are left out when they take longer. */
const QUEUE_COUNTS_TIMEOUT_MS = 1500;

/** From a loopback answer (milliseconds) to a call timeout (`OCPP_CALL_TIMEOUT_MS`, 30 s by default). */
const PUSH_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** From a one-site re-plan to a 100,000-connector group. */
const PLANNING_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The controller's Prometheus metrics, in a registry of its own (several controllers in one test process
 * must not share one). Counters and histograms follow the dispatch and planning events; queue depths,
 * Redis and connected chargers are read at scrape time.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  private readonly registry = new Registry();
  private readonly pushDuration: Histogram;
  private readonly pushOutcomes: Counter<'outcome'>;
  private readonly pushRetries: Counter;
  private readonly verifications: Counter<'result'>;
  private readonly planningDuration: Histogram<'scope_kind'>;
  private readonly planningRuns: Counter;
  private readonly infeasibleEpisodes: Counter<'scope_kind'>;

  constructor(
    private readonly queues: QueueWorkerRegistry,
    private readonly redis: RedisProbe,
    private readonly gateway: OcppGatewayService,
    private readonly limitWarnings: LimitWarningsRepository,
    private readonly upstreamOutbox: UpstreamOutboxRepository,
    instance: InstanceService,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    this.pushDuration = new Histogram({
      name: `${METRICS_PREFIX}dispatch_push_duration_seconds`,
      help: 'Time of one SetChargingProfile push, from sending to the outcome',
      buckets: PUSH_BUCKETS_S,
      registers,
    });
    this.pushOutcomes = new Counter({
      name: `${METRICS_PREFIX}dispatch_outcomes_total`,
      help: 'Profile pushes by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.pushRetries = new Counter({
      name: `${METRICS_PREFIX}dispatch_retries_total`,
      help: 'Profile pushes that were a retry of an earlier attempt',
      registers,
    });
    this.verifications = new Counter({
      name: `${METRICS_PREFIX}dispatch_verifications_total`,
      help: 'Composite schedules read back after an acceptance, by result (match, mismatch, unverifiable, failed)',
      labelNames: ['result'],
      registers,
    });
    this.planningDuration = new Histogram({
      name: `${METRICS_PREFIX}planning_duration_seconds`,
      help: 'Time of one planning run, by scope kind (group or site)',
      labelNames: ['scope_kind'],
      buckets: PLANNING_BUCKETS_S,
      registers,
    });
    this.planningRuns = new Counter({
      name: `${METRICS_PREFIX}planning_runs_total`,
      help: 'Planning runs completed',
      registers,
    });
    this.infeasibleEpisodes = new Counter({
      name: `${METRICS_PREFIX}limit_infeasible_total`,
      help:
        'Episodes of a limit that unsteered load alone exceeds (no plan can keep it), counted when they start, ' +
        'by node kind (group, site, circuit)',
      labelNames: ['scope_kind'],
      registers,
    });
    this.registerScrapeTimeGauges(instance.id);
  }

  @OnEvent(LIMIT_INFEASIBILITY_STARTED)
  onLimitInfeasible(event: LimitInfeasibilityStartedEvent): void {
    this.infeasibleEpisodes.inc({ scope_kind: event.kind });
  }

  @OnEvent(DISPATCH_PUSH_FINISHED)
  onPushFinished(event: DispatchPushFinishedEvent): void {
    this.pushDuration.observe(event.durationMs / 1000);
    this.pushOutcomes.inc({ outcome: event.outcome });
    if (event.attempt > 1) this.pushRetries.inc();
  }

  @OnEvent(DISPATCH_VERIFIED)
  onVerified(event: DispatchVerifiedEvent): void {
    this.verifications.inc({ result: event.verdict });
  }

  @OnEvent(PLANNING_COMPLETED)
  onPlanningCompleted(event: PlanningCompletedEvent): void {
    this.planningDuration.observe({ scope_kind: scopeKind(event.scope) }, event.durationMs / 1000);
    this.planningRuns.inc();
  }

  /** The Prometheus text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private registerScrapeTimeGauges(instance: string): void {
    const registers = [this.registry];
    const info = new Gauge({
      name: `${METRICS_PREFIX}instance_info`,
      help: 'This controller instance (always 1), for joining per-instance metrics',
      labelNames: ['instance'],
      registers,
    });
    info.set({ instance }, 1);
    const gateway = this.gateway;
    new Gauge({
      name: `${METRICS_PREFIX}ocpp_connected_chargers`,
      help: 'Chargers with an open OCPP connection to this instance',
      registers,
      collect() {
        this.set(gateway.connectedCount());
      },
    });
    const redis = this.redis;
    new Gauge({
      name: `${METRICS_PREFIX}redis_up`,
      help: 'Whether Redis answered a PING (1) or not (0) at scrape time',
      registers,
      async collect() {
        this.set((await redis.check()).up ? 1 : 0);
      },
    });
    const upstreamOutbox = this.upstreamOutbox;
    new Gauge({
      name: `${METRICS_PREFIX}upstream_outbox_messages`,
      help: 'Proxy mode: charger messages queued for an unreachable upstream central system, at scrape time',
      registers,
      async collect() {
        this.set(await upstreamOutbox.waitingTotal());
      },
    });
    const limitWarnings = this.limitWarnings;
    new Gauge({
      name: `${METRICS_PREFIX}limit_infeasible_nodes`,
      help: 'Capacity nodes whose limit in force unsteered load alone exceeds now, by kind, at scrape time',
      labelNames: ['scope_kind'],
      registers,
      async collect() {
        this.reset();
        for (const kind of NODE_KINDS) this.set({ scope_kind: kind }, 0);
        for (const [kind, count] of await limitWarnings.countNodes()) this.set({ scope_kind: kind }, count);
      },
    });
    const countAll = (gauge: Gauge<'queue' | 'state'>) => this.countAllJobs(gauge);
    new Gauge({
      name: `${METRICS_PREFIX}queue_jobs`,
      help: 'Jobs per BullMQ queue of this process and state, at scrape time',
      labelNames: ['queue', 'state'],
      registers,
      collect() {
        return countAll(this);
      },
    });
  }

  /** Without Redis there is nothing to count: the series disappear rather than show stale depths. */
  private async countAllJobs(gauge: Gauge<'queue' | 'state'>): Promise<void> {
    gauge.reset();
    if (!(await this.redis.check()).up) return;
    await Promise.all(this.queues.queues().map((queue) => this.countJobs(queue, gauge)));
  }

  private async countJobs(queue: Queue, gauge: Gauge<'queue' | 'state'>): Promise<void> {
    try {
      const counts = await withTimeout(
        queue.getJobCounts(...QUEUE_STATES),
        QUEUE_COUNTS_TIMEOUT_MS,
        queue.name,
      );
      for (const state of QUEUE_STATES) gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
    } catch (error) {
      this.logger.warn(`Counting the jobs of queue ${queue.name} failed: ${String(error)}`);
    }
  }
}

const NODE_KINDS = ['group', 'site', 'circuit'];

/** `group` of `group:g1`; the whole scope when it has no kind. */
export function scopeKind(scope: string): string {
  const colon = scope.indexOf(':');
  return colon < 0 ? scope : scope.slice(0, colon);
}

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { DistributedLockService } from '@gridflex/cluster';
import { PlanChange, ProfileDispatchService } from '@gridflex/dispatch';
import {
  OCPP_CHARGER_STATE_CHANGED,
  OCPP_UPSTREAM_PROFILES_CHANGED,
  ChargerStateChangedEvent,
  UpstreamProfilesChangedEvent,
  UpstreamProfilesVerdict,
} from '@gridflex/ocpp';
import {
  CapacityForecastsRepository,
  CapacityRequestsService,
  ForecastAcceptedEvent,
  OSCP_FORECAST_ACCEPTED,
  OSCP_PEER_GROUPS_CHANGED,
  OSCP_PEER_LINK_CHANGED,
  OSCP_PEER_OPTIONS_CHANGED,
  PeerGroupsChangedEvent,
  PeerLinkChangedEvent,
  PeerOptionsChangedEvent,
} from '@gridflex/oscp';
import {
  SITE_CONFIGURATION_CHANGED,
  SiteConfigurationChangedEvent,
  SiteRow,
  SitesRepository,
} from '@gridflex/sites';
import {
  SCHEDULE_EDGES_QUEUE,
  SCHEDULE_WINDOW_EDGE,
  ScheduleWindowEdgeEvent,
  WindowEdgeJob,
} from '@gridflex/schedules';
import { GroupCapacity } from './forecast-capacity';
import { GroupCapacityService } from './group-capacity.service';
import { HorizonWishesService } from './horizon-wishes.service';
import {
  buildAllocationInput,
  excludedAllocations,
  HorizonBlock,
  horizonBlocks,
  horizonEdges,
  mergeFlatBlocks,
  planAllocations,
  previousOnOffStates,
  samePlan,
  SiteCapacity,
  splitHorizon,
  toPlannedPeriods,
  wantsHorizon,
} from './plan-builder';
import { EV_WISH_TOLD, EvWishToldEvent, PLANNING_COMPLETED, PlanningCompletedEvent } from './events';
import { planDirection } from './plan-direction';
import { failSafeShares } from './fail-safe-shares';
import { PlanningConnector, PlanningRepository } from './planning.repository';
import { capacityNeedBlocks } from './capacity-need';
import { LimitFeasibilityService } from './limit-feasibility.service';
import { PlansRepository, StoredPlan } from './plans.repository';
import { PlanningDeadlineExceededError, RunDeadline } from './run-deadline';
import { SCHEDULE_LOOKAHEAD_MS, toSiteCapacity } from './site-capacity';
import { upstreamReplanAt } from './upstream-replan';

const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * How long the upstream central system's SetChargingProfile waits for the charger to accept the result: below
 * the 30 s a central system usually waits for an answer.
 */
export const UPSTREAM_PROFILE_ANSWER_TIMEOUT_MS = 25_000;

/** The job that re-plans a site where its upstream's bound changes (on the window-edge queue). */
export const UPSTREAM_CHANGE_JOB = 'upstream-change';

/** How long a re-plan for a change of learnt phases waits, so that a fleet's changes cost one run. */
export const PHASES_IN_USE_REPLAN_DELAY_MS = 10_000;

/** What gets planned together: an OSCP group with all its sites, or a site mapped to no group. */
type PlanScope = { kind: 'group'; groupId: string } | { kind: 'site'; siteId: string };

const scopeKey = (scope: PlanScope) =>
  scope.kind === 'group' ? `group:${scope.groupId}` : `site:${scope.siteId}`;

/**
 * Re-plans a scope whenever one of its inputs changes, one run at a time per scope across all instances
 * (a lock in Redis), and enqueues the connectors whose plan changed for dispatch.
 */
@Injectable()
export class PlanningService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PlanningService.name);
  private readonly running = new Map<string, Promise<void>>();
  private readonly queued = new Set<string>();
  /** Sites with a re-plan for learnt phases waiting (`onPhasesInUseChanged`). */
  private readonly phaseReplans = new Set<string>();
  private stopping = false;
  /**
   * False while the application starts: a re-plan an event asks for meanwhile (a DSO link that lapsed while we
   * were stopped) is then not awaited, so that it cannot hold up the start of the HTTP server.
   */
  private bootstrapped = false;

  constructor(
    private readonly sites: SitesRepository,
    private readonly forecasts: CapacityForecastsRepository,
    private readonly capacities: GroupCapacityService,
    private readonly inputs: PlanningRepository,
    private readonly plans: PlansRepository,
    private readonly dispatch: ProfileDispatchService,
    private readonly feasibility: LimitFeasibilityService,
    private readonly capacityRequests: CapacityRequestsService,
    private readonly locks: DistributedLockService,
    private readonly horizonWishes: HorizonWishesService,
    private readonly events: EventEmitter2,
    @InjectQueue(SCHEDULE_EDGES_QUEUE) private readonly edges: Queue<WindowEdgeJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * After a restart every scope is re-planned, so nothing decided before the stop is lost. Not awaited: the
   * HTTP server starts listening first, and no stored input, however expensive to plan, can keep it from it.
   */
  async onApplicationBootstrap(): Promise<void> {
    this.bootstrapped = true;
    const sites = await this.sites.list();
    const scopes = new Map(sites.map((site) => [scopeKey(scopeOf(site)), scopeOf(site)]));
    for (const scope of scopes.values()) void this.requestPlan(scope);
  }

  /**
   * Runs in progress finish; nothing new starts (chargers disconnecting as the instance stops would
   * otherwise start runs that lose Redis under them). Every scope is planned again at the next start.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.whenIdle();
  }

  /** Resolves once no run is waiting or in progress, runs requested meanwhile included. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  @OnEvent(OSCP_FORECAST_ACCEPTED)
  async onForecastAccepted(event: ForecastAcceptedEvent): Promise<void> {
    await this.requestPlan({ kind: 'group', groupId: event.groupId });
  }

  /** A DSO going OFFLINE (or back ONLINE) switches its groups to (or from) fallback capacity at once. */
  @OnEvent(OSCP_PEER_LINK_CHANGED)
  async onPeerLinkChanged(event: PeerLinkChangedEvent): Promise<void> {
    await this.replanGroupsOf(event.peerId);
  }

  /** Its gap capacity, safe default or conversions may have changed. */
  @OnEvent(OSCP_PEER_OPTIONS_CHANGED)
  async onPeerOptionsChanged(event: PeerOptionsChangedEvent): Promise<void> {
    await this.replanGroupsOf(event.peerId);
  }

  /** A group bound to another peer, or unbound, is limited by other forecasts (or none) from now on. */
  @OnEvent(OSCP_PEER_GROUPS_CHANGED)
  async onPeerGroupsChanged(event: PeerGroupsChangedEvent): Promise<void> {
    await Promise.all(event.groupIds.map((groupId) => this.requestPlan({ kind: 'group', groupId })));
  }

  private async replanGroupsOf(peerId: string): Promise<void> {
    const groupIds = await this.forecasts.groupsOfPeer(peerId);
    const runs = Promise.all(groupIds.map((groupId) => this.requestPlan({ kind: 'group', groupId })));
    if (this.bootstrapped) await runs;
  }

  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerStateChanged(event: ChargerStateChangedEvent): Promise<void> {
    if (event.reason === 'phases-in-use') return this.onPhasesInUseChanged(event);
    const site = await this.sites.findById(event.siteId);
    if (site) await this.requestPlan(scopeOf(site));
  }

  /**
   * Learnt phases never change what a session reserves, only how fast its energy comes: that matters to a
   * plan only when a session wants a given energy (its own, or the configured default). Such re-plans wait
   * `PHASES_IN_USE_REPLAN_DELAY_MS`, and the changes of a whole fleet meanwhile collapse into one.
   */
  private async onPhasesInUseChanged(event: ChargerStateChangedEvent): Promise<void> {
    const matters =
      this.config.PLANNING_DEFAULT_ENERGY_WANTED_WH !== undefined ||
      (await this.inputs.hasSessionWithEnergyWanted(event.chargerId));
    if (!matters || this.phaseReplans.has(event.siteId)) return;
    const site = await this.sites.findById(event.siteId);
    if (!site) return;
    this.phaseReplans.add(event.siteId);
    setTimeout(() => {
      this.phaseReplans.delete(event.siteId);
      if (!this.stopping) void this.requestPlan(scopeOf(site));
    }, PHASES_IN_USE_REPLAN_DELAY_MS).unref();
  }

  /**
   * The EV's new wish is planned, then its session's TxProfile goes out even when the plan did not change,
   * since a station answered `Accepted` waits for one (K15).
   */
  @OnEvent(EV_WISH_TOLD)
  async onEvWishTold(event: EvWishToldEvent): Promise<void> {
    const site = await this.sites.findById(event.siteId);
    if (!site) return;
    await this.requestPlan(scopeOf(site));
    await this.dispatch.resendToOpenTransactions(event.chargerId, `ev${randomUUID()}`);
  }

  /**
   * Proxy mode: the upstream's profiles bound the plan of the charger's connectors. Their plans go out once more
   * even when they did not change (the bound may cut them later on), and the charger's answer is the upstream's.
   */
  @OnEvent(OCPP_UPSTREAM_PROFILES_CHANGED)
  async onUpstreamProfilesChanged(event: UpstreamProfilesChangedEvent): Promise<UpstreamProfilesVerdict> {
    const site = await this.sites.findById(event.siteId);
    if (site) await this.requestPlan(scopeOf(site));
    return this.dispatch.pushAndAwait(
      event.chargerId,
      event.connectorIds,
      UPSTREAM_PROFILE_ANSWER_TIMEOUT_MS,
    );
  }

  @OnEvent(SCHEDULE_WINDOW_EDGE)
  async onScheduleWindowEdge(event: ScheduleWindowEdgeEvent): Promise<void> {
    const site = await this.sites.findById(event.siteId);
    if (site) await this.requestPlan(scopeOf(site));
  }

  @OnEvent(SITE_CONFIGURATION_CHANGED)
  async onSiteConfigurationChanged(event: SiteConfigurationChangedEvent): Promise<void> {
    const site = await this.sites.findById(event.siteId);
    const scopes: PlanScope[] = event.groupIds.map((groupId) => ({ kind: 'group', groupId }));
    if (site && site.groupId === null) scopes.push({ kind: 'site', siteId: site.id });
    // A site that joined a group is planned with it from now on: its own scope's warnings are gone.
    if (site && site.groupId !== null) await this.feasibility.forget(`site:${site.id}`);
    await Promise.all(scopes.map((scope) => this.requestPlan(scope)));
  }

  /**
   * Runs a plan for the scope after the one in progress, `PLANNING_DEBOUNCE_MS` after the first request;
   * requests arriving meanwhile collapse into that run, since it reads the then-current inputs anyway. A
   * burst (thousands of chargers reconnecting, a DSO sending every second) thus costs a few runs, not one
   * per event.
   */
  requestPlan(scope: PlanScope): Promise<void> {
    const key = scopeKey(scope);
    if (this.stopping) return Promise.resolve();
    if (this.queued.has(key)) return this.running.get(key) ?? Promise.resolve();
    this.queued.add(key);
    const previous = this.running.get(key) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        await sleep(this.config.PLANNING_DEBOUNCE_MS);
        this.queued.delete(key);
        return this.locks.withLock(`plan:${key}`, () => this.plan(scope, new Date()));
      })
      .catch((error: unknown) => {
        // Trying again would overrun again: the scope is planned anew at the next change of its inputs.
        if (error instanceof PlanningDeadlineExceededError) return this.logger.warn(error.message);
        this.logger.error(
          `Planning ${key} failed (trying again in ${RETRY_AFTER_FAILURE_MS / 1000} s): ${String(error)}`,
        );
        this.retryLater(scope);
      })
      .finally(() => {
        if (this.running.get(key) === next) this.running.delete(key);
      });
    this.running.set(key, next);
    return next;
  }

  /**
   * A run that failed (database or Redis unreachable) left the scope on its previous plan: it is tried again
   * until one succeeds, since nothing else may trigger it soon.
   */
  private retryLater(scope: PlanScope): void {
    setTimeout(() => {
      if (!this.stopping) void this.requestPlan(scope);
    }, RETRY_AFTER_FAILURE_MS).unref();
  }

  /**
   * Stops at the first checkpoint past `PLANNING_RUN_DEADLINE_MS`, before saving or sending anything: the
   * previous plan stays in force.
   */
  private async plan(scope: PlanScope, now: Date): Promise<void> {
    const started = performance.now();
    const deadline = new RunDeadline(scopeKey(scope), this.config.PLANNING_RUN_DEADLINE_MS);
    const sites = await this.sitesOf(scope);
    if (sites.length === 0) return this.feasibility.forget(scopeKey(scope));
    deadline.describe(`${scopeKey(scope)} (sites ${sites.map((site) => site.id).join(', ')})`);
    const { timeline, gapLimitsA } =
      scope.kind === 'group' ? await this.capacities.capacity(scope.groupId, sites, now) : NO_FORECAST;
    await deadline.checkpoint('capacity');
    const connectors = await this.inputs.connectorsOfSites(sites.map((s) => s.id));
    const circuits = await this.inputs.circuitsOfSites(sites.map((s) => s.id));
    const rules = await this.inputs.peakShavingRulesOfSites(sites.map((s) => s.id));
    const wishes = await this.horizonWishes.wishes(sites, scope.kind === 'group' ? scope.groupId : null, now);
    await deadline.checkpoint('inputs');
    const blocks = horizonBlocks(timeline, now, gapLimitsA);
    const siteCapacities = sites.map((site) =>
      toSiteCapacity(site, circuits, rules, now, new Date(blocks[0].start)),
    );
    const scheduleEdges = siteCapacities.flatMap((site) => (site.scheduledLimitsA ?? []).map((s) => s.start));
    const until = new Date(Date.parse(blocks[0].start) + SCHEDULE_LOOKAHEAD_MS);
    const horizon = wantsHorizon(connectors, wishes)
      ? splitHorizon(mergeFlatBlocks(blocks), [
          ...scheduleEdges,
          ...horizonEdges(connectors, wishes, now, until),
        ])
      : splitHorizon(blocks, scheduleEdges);
    await deadline.checkpoint('horizon');
    const previous = await this.plans.latest(connectors.map((c) => c.connectorRef));
    const onOff = previousOnOffStates(connectors, previous, now);
    const input = buildAllocationInput(horizon, siteCapacities, connectors, onOff);
    await deadline.checkpoint('allocation input');
    const allocations = [
      ...planAllocations(input, siteCapacities, connectors, wishes).allocations,
      ...excludedAllocations(input.blocks, connectors),
    ];
    const changes: (StoredPlan & PlanChange)[] = allocations.flatMap(({ connectorId, limitsA }) => {
      const periods = toPlannedPeriods(input.blocks, limitsA);
      const before = previous.get(connectorId);
      if (before && samePlan(before.periods, periods, now)) return [];
      const direction = planDirection(before?.periods, periods, now);
      return [{ connectorRef: connectorId, version: (before?.version ?? 0) + 1, periods, direction }];
    });
    await deadline.checkpoint('allocations');
    // Before the pushes: the tails of their profiles and their station maxima are shared out of it.
    const fallbacks =
      scope.kind === 'group'
        ? await this.recordFallback(scope.groupId, sites, now)
        : new Map(sites.map((site) => [site.id, site.fallbackLimitsA]));
    const newShares = await this.recordFailSafeShares(sites, siteCapacities, fallbacks, connectors);
    await this.plans.save(
      changes.map(({ connectorRef, version, periods }) => ({ connectorRef, version, periods })),
      now,
    );
    await this.dispatch.enqueue(changes);
    const sharingChanged = chargersSharingUpstreamMax(connectors, changes);
    await this.resendForNewShares([...newShares, ...sharingChanged], connectors, previous, changes, now);
    await this.replanAtUpstreamChanges(sites, connectors, now);
    this.logger.log(`Planned ${scopeKey(scope)}: ${connectors.length} connectors, ${changes.length} changed`);
    this.events.emit(
      PLANNING_COMPLETED,
      new PlanningCompletedEvent(
        scopeKey(scope),
        performance.now() - started,
        connectors.length,
        changes.length,
      ),
    );
    await this.feasibility.check({
      scopeKey: scopeKey(scope),
      groupId: scope.kind === 'group' ? scope.groupId : null,
      horizon,
      sites,
      capacities: siteCapacities,
      circuits,
      connectors,
      now,
    });
    if (scope.kind === 'group')
      await this.requestCapacity(scope.groupId, horizon, siteCapacities, connectors);
  }

  /**
   * What each site of the group may draw should the DSOs' link be lost now (their FALLBACK_CONSUMPTION in force,
   * else their safe default), kept with the site: the chargers' fail-safe station maximum and the tails of
   * their profiles are shared out of it. The group's fallback is split over its sites by their grid limits.
   */
  private async recordFallback(
    groupId: string,
    sites: SiteRow[],
    now: Date,
  ): Promise<Map<string, [number, number, number] | null>> {
    const { timeline, gapLimitsA } = await this.capacities.capacity(groupId, sites, now, true);
    const groupA = horizonBlocks(timeline, now, gapLimitsA)[0].groupLimitsA;
    const fallbacks = new Map<string, [number, number, number] | null>();
    for (const site of sites) {
      const limitsA = groupA.some(Number.isFinite) ? fallbackShare(site, sites, groupA) : null;
      if (JSON.stringify(limitsA) !== JSON.stringify(site.fallbackLimitsA))
        await this.sites.setFallbackLimits(site.id, limitsA);
      fallbacks.set(site.id, limitsA);
    }
    return fallbacks;
  }

  /**
   * Each charger's fail-safe share (`failSafeShares`), with the configured base load: should we be gone, no
   * fresh meter reading would follow. @returns the chargers whose share changed
   */
  private recordFailSafeShares(
    sites: SiteRow[],
    capacities: SiteCapacity[],
    fallbacks: Map<string, readonly number[] | null>,
    connectors: PlanningConnector[],
  ): Promise<string[]> {
    const shares = new Map<string, number>();
    sites.forEach((site, index) => {
      const failSafeSite = {
        ...capacities[index],
        baseLoadA: site.baseLoadA,
        fallbackA: fallbacks.get(site.id) ?? null,
      };
      for (const [chargerId, share] of failSafeShares(failSafeSite, connectors)) shares.set(chargerId, share);
    });
    return this.sites.setFailSafeShares(shares);
  }

  /**
   * A charger whose share changed holds it in its station maximum and in its profiles' tails: its plans that
   * did not change are sent once more, so that a new fallback reaches connected chargers at once. So are those
   * of a charger whose connectors share the upstream's charger maximum (`chargersSharingUpstreamMax`).
   */
  private async resendForNewShares(
    chargerIds: string[],
    connectors: PlanningConnector[],
    previous: Map<string, StoredPlan>,
    changes: PlanChange[],
    now: Date,
  ): Promise<void> {
    const changed = new Set(chargerIds);
    const pushed = new Set(changes.map((change) => change.connectorRef));
    const plans = connectors
      .filter((c) => c.chargerId && changed.has(c.chargerId) && !pushed.has(c.connectorRef))
      .flatMap((c) => {
        const plan = previous.get(c.connectorRef);
        return plan
          ? [{ connectorRef: c.connectorRef, version: plan.version, tag: `s${now.getTime()}` }]
          : [];
      });
    if (plans.length > 0) await this.dispatch.resend(plans);
  }

  /**
   * Proxy mode: planning took the upstream's bound at `now`; where it changes later (a period boundary,
   * validFrom/validTo, a duration's end), each site concerned is planned again then, so that capacity the
   * upstream frees or takes is shared anew (dispatch keeps the charger within the bound meanwhile). A delayed
   * job on the window-edge queue: it survives a restart, runs on one instance, and one per site and instant.
   */
  private async replanAtUpstreamChanges(
    sites: SiteRow[],
    connectors: PlanningConnector[],
    now: Date,
  ): Promise<void> {
    for (const site of sites) {
      const changes = connectors.flatMap((c) =>
        c.siteId === site.id && c.nextUpstreamChangeMs !== undefined ? [c.nextUpstreamChangeMs] : [],
      );
      if (changes.length === 0) continue;
      const fireAtMs = upstreamReplanAt(Math.min(...changes), now);
      await this.edges.add(
        UPSTREAM_CHANGE_JOB,
        { siteId: site.id },
        {
          jobId: `upstream.${site.id}.${fireAtMs}`,
          delay: fireAtMs - now.getTime(),
          removeOnComplete: 100,
          removeOnFail: 100,
        },
      );
    }
  }

  /** Asks the DSOs that opted in (`autoAdjust`) for the capacity the group could use beyond their forecast. */
  private async requestCapacity(
    groupId: string,
    horizon: HorizonBlock[],
    sites: SiteCapacity[],
    connectors: PlanningConnector[],
  ): Promise<void> {
    const blocks = capacityNeedBlocks(horizon, sites, connectors);
    if (blocks.length === 0) return;
    await this.capacityRequests.request({
      groupId,
      blocks: blocks.map((block) => ({
        // Rounded up: asking for a hair less than the EVs draw would leave them short again.
        capacity: Math.ceil(Math.max(...block.neededA) * 10) / 10,
        phase: 'ALL',
        unit: 'A',
        start_time: block.start,
        end_time: block.end,
      })),
    });
  }

  private async sitesOf(scope: PlanScope): Promise<SiteRow[]> {
    if (scope.kind === 'group') return this.sites.listByGroup(scope.groupId);
    const site = await this.sites.findById(scope.siteId);
    return site && site.groupId === null ? [site] : [];
  }
}
const NO_FORECAST: GroupCapacity = { timeline: [], gapLimitsA: [Infinity, Infinity, Infinity] };

/**
 * Chargers whose connectors share the upstream's charger maximum at dispatch and of which a plan changed: each
 * connector's part depends on the others' plans, so their unchanged plans go out once more too.
 */
function chargersSharingUpstreamMax(connectors: PlanningConnector[], changes: PlanChange[]): string[] {
  const changed = new Set(changes.map((change) => change.connectorRef));
  const chargerIds = connectors.flatMap((c) =>
    c.sharesUpstreamChargerMax && c.chargerId && changed.has(c.connectorRef) ? [c.chargerId] : [],
  );
  return [...new Set(chargerIds)];
}

/** A site's part of its group's fallback per phase, by its grid limit; never above that limit. */
function fallbackShare(site: SiteRow, sites: SiteRow[], groupA: readonly number[]): [number, number, number] {
  const limits = (s: SiteRow) => [s.limitL1A, s.limitL2A, s.limitL3A];
  const own = limits(site);
  return own.map((limit, phase) => {
    const total = sites.reduce((sum, s) => sum + limits(s)[phase], 0);
    return Math.min(limit, total > 0 ? (groupA[phase] * limit) / total : 0);
  }) as [number, number, number];
}

function scopeOf(site: SiteRow): PlanScope {
  return site.groupId === null ? { kind: 'site', siteId: site.id } : { kind: 'group', groupId: site.groupId };
}

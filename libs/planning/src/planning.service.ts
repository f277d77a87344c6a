import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProfileDispatchService } from '@gridflex/dispatch';
import { OCPP_CHARGER_STATE_CHANGED, ChargerStateChangedEvent } from '@gridflex/ocpp';
import { allocateEqualShare } from '@gridflex/optimizer';
import { CapacityForecastsRepository, ForecastAcceptedEvent, OSCP_FORECAST_ACCEPTED } from '@gridflex/oscp';
import {
  SITE_CONFIGURATION_CHANGED,
  SiteConfigurationChangedEvent,
  SiteRow,
  SitesRepository,
} from '@gridflex/sites';
import { capacityTimeline, OscpBlock, StoredForecast } from './forecast-capacity';
import {
  buildAllocationInput,
  horizonBlocks,
  samePlan,
  SiteCapacity,
  toPlannedPeriods,
} from './plan-builder';
import { PlanningRepository } from './planning.repository';
import { PlansRepository, StoredPlan } from './plans.repository';

/** What gets planned together: an OSCP group with all its sites, or a site mapped to no group. */
type PlanScope = { kind: 'group'; groupId: string } | { kind: 'site'; siteId: string };

const scopeKey = (scope: PlanScope) =>
  scope.kind === 'group' ? `group:${scope.groupId}` : `site:${scope.siteId}`;

/**
 * Re-plans a scope whenever one of its inputs changes, one run at a time per scope, and enqueues the
 * connectors whose plan changed for dispatch.
 */
@Injectable()
export class PlanningService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PlanningService.name);
  private readonly running = new Map<string, Promise<void>>();
  private readonly queued = new Set<string>();

  constructor(
    private readonly sites: SitesRepository,
    private readonly forecasts: CapacityForecastsRepository,
    private readonly inputs: PlanningRepository,
    private readonly plans: PlansRepository,
    private readonly dispatch: ProfileDispatchService,
  ) {}

  /** After a restart every scope is re-planned, so nothing decided before the stop is lost. */
  async onApplicationBootstrap(): Promise<void> {
    const sites = await this.sites.list();
    const scopes = new Map(sites.map((site) => [scopeKey(scopeOf(site)), scopeOf(site)]));
    await Promise.all([...scopes.values()].map((scope) => this.requestPlan(scope)));
  }

  @OnEvent(OSCP_FORECAST_ACCEPTED)
  async onForecastAccepted(event: ForecastAcceptedEvent): Promise<void> {
    await this.requestPlan({ kind: 'group', groupId: event.groupId });
  }

  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerStateChanged(event: ChargerStateChangedEvent): Promise<void> {
    const site = await this.sites.findById(event.siteId);
    if (site) await this.requestPlan(scopeOf(site));
  }

  @OnEvent(SITE_CONFIGURATION_CHANGED)
  async onSiteConfigurationChanged(event: SiteConfigurationChangedEvent): Promise<void> {
    const site = await this.sites.findById(event.siteId);
    const scopes: PlanScope[] = event.groupIds.map((groupId) => ({ kind: 'group', groupId }));
    if (site && site.groupId === null) scopes.push({ kind: 'site', siteId: site.id });
    await Promise.all(scopes.map((scope) => this.requestPlan(scope)));
  }

  /**
   * Runs a plan for the scope after the one in progress; requests arriving meanwhile collapse into one
   * run, since it reads the then-current inputs anyway.
   */
  requestPlan(scope: PlanScope): Promise<void> {
    const key = scopeKey(scope);
    if (this.queued.has(key)) return this.running.get(key) ?? Promise.resolve();
    this.queued.add(key);
    const previous = this.running.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => {
        this.queued.delete(key);
        return this.plan(scope, new Date());
      })
      .catch((error: unknown) => this.logger.error(`Planning ${key} failed: ${String(error)}`))
      .finally(() => {
        if (this.running.get(key) === next) this.running.delete(key);
      });
    this.running.set(key, next);
    return next;
  }

  private async plan(scope: PlanScope, now: Date): Promise<void> {
    const sites = await this.sitesOf(scope);
    if (sites.length === 0) return;
    const timeline =
      scope.kind === 'group'
        ? capacityTimeline(await this.consumptionForecasts(scope.groupId), highestVoltage(sites), now)
        : [];
    const horizon = horizonBlocks(timeline, now);
    const connectors = await this.inputs.connectorsOfSites(sites.map((s) => s.id));
    const input = buildAllocationInput(horizon, sites.map(toSiteCapacity), connectors);
    const { allocations } = allocateEqualShare(input);
    const previous = await this.plans.latest(connectors.map((c) => c.connectorRef));
    const changed: StoredPlan[] = allocations.flatMap(({ connectorId, limitsA }) => {
      const periods = toPlannedPeriods(input.blocks, limitsA);
      const before = previous.get(connectorId);
      if (before && samePlan(before.periods, periods, now)) return [];
      return [{ connectorRef: connectorId, version: (before?.version ?? 0) + 1, periods }];
    });
    await this.plans.save(changed, now);
    await this.dispatch.enqueue(changed.map(({ connectorRef, version }) => ({ connectorRef, version })));
    this.logger.log(`Planned ${scopeKey(scope)}: ${connectors.length} connectors, ${changed.length} changed`);
  }

  private async sitesOf(scope: PlanScope): Promise<SiteRow[]> {
    if (scope.kind === 'group') return this.sites.listByGroup(scope.groupId);
    const site = await this.sites.findById(scope.siteId);
    return site && site.groupId === null ? [site] : [];
  }

  private async consumptionForecasts(groupId: string): Promise<StoredForecast[]> {
    const stored = await this.forecasts.listForGroup(groupId, 'CONSUMPTION');
    return stored.map((forecast) => ({
      receivedAt: forecast.receivedAt,
      blocks: (forecast.body as { forecasted_blocks: OscpBlock[] }).forecasted_blocks,
    }));
  }
}

function scopeOf(site: SiteRow): PlanScope {
  return site.groupId === null ? { kind: 'site', siteId: site.id } : { kind: 'group', groupId: site.groupId };
}

function toSiteCapacity(site: SiteRow): SiteCapacity {
  return { id: site.id, limitsA: [site.limitL1A, site.limitL2A, site.limitL3A] };
}

/** Converting a power limit with the highest voltage of the group gives the fewest amperes: the safe side. */
function highestVoltage(sites: SiteRow[]): number {
  return Math.max(...sites.map((site) => site.nominalVoltageV));
}

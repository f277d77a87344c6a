import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  CapacityForecastsRepository,
  DsoPeer,
  DsoPeersRepository,
  StoredCapacityForecast,
} from '@gridflex/oscp';
import { SchedulesRepository, tariffSeries } from '@gridflex/schedules';
import type { SiteRow } from '@gridflex/sites';
import {
  BlockConversion,
  capacityTimeline,
  CapacityBlock,
  OscpBlock,
  StoredForecast,
} from './forecast-capacity';
import { highestPrices, HorizonWishes } from './plan-builder';
import { SCHEDULE_LOOKAHEAD_MS } from './site-capacity';
import { TimelineCache } from './timeline-cache';

/**
 * What the horizon optimiser takes beyond the limits, for a scope's sites from `now` on: the tariffs
 * of the sites (in their own time zones, the highest price where several apply) over the schedule
 * look-ahead, the group's OPTIMUM forecasts from the DSO peers that are not OFFLINE, what is
 * assumed of sessions that tell nothing (`PLANNING_DEFAULT_*`) and how far large LPs are solved.
 */
@Injectable()
export class HorizonWishesService {
  private readonly optimumTimelines = new TimelineCache();

  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly forecasts: CapacityForecastsRepository,
    private readonly peers: DsoPeersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async wishes(sites: SiteRow[], groupId: string | null, now: Date): Promise<HorizonWishes> {
    const until = new Date(now.getTime() + SCHEDULE_LOOKAHEAD_MS);
    const tariffs = await this.schedules.tariffsOfSites(sites.map((s) => s.id));
    const prices = highestPrices(
      sites.map((site) =>
        tariffSeries(
          tariffs.filter((t) => t.siteId === site.id),
          site.timeZone,
          now,
          until,
        ),
      ),
    );
    const optimum = groupId === null ? [] : await this.optimum(groupId, sites, now);
    const sessionDefaults = {
      energyWantedWh: this.config.PLANNING_DEFAULT_ENERGY_WANTED_WH,
      dwellMinutes: this.config.PLANNING_DEFAULT_DWELL_MINUTES,
    };
    const lpSolving = {
      exactLpMaxColumns: this.config.PLANNING_EXACT_LP_MAX_COLUMNS,
      laterStagePivotBudget: this.config.PLANNING_LATER_STAGE_PIVOT_BUDGET,
    };
    return { prices, optimum, sessionDefaults, lpSolving };
  }

  /**
   * An OFFLINE peer's groups run on its fallback: its OPTIMUM is as stale as its CONSUMPTION. Built once per
   * change of the group's OPTIMUM forecasts (or of the peers' conversion) and reused until then.
   */
  private async optimum(groupId: string, sites: SiteRow[], now: Date): Promise<CapacityBlock[]> {
    const forecastIds = await this.forecasts.forecastIdsOfGroup(groupId, ['OPTIMUM']);
    if (forecastIds.length === 0) return [];
    const peers = await this.peers.findManyById(await this.forecasts.peersOfGroup(groupId));
    const online = peers.filter((peer) => peer.link !== 'OFFLINE');
    const key = JSON.stringify([forecastIds, online.map((peer) => [peer.id, conversionFor(peer, sites)])]);
    const { timeline } = await this.optimumTimelines.get(groupId, key, now, async () => {
      const stored = await this.forecasts.listForGroup(groupId, 'OPTIMUM');
      return {
        timeline: online.flatMap((peer) =>
          capacityTimeline(
            toStoredForecasts(stored.filter((f) => f.peerId === peer.id)),
            conversionFor(peer, sites),
            now,
          ),
        ),
        gapLimitsA: [Infinity, Infinity, Infinity],
      };
    });
    return timeline;
  }
}

export function toStoredForecasts(stored: StoredCapacityForecast[]): StoredForecast[] {
  return stored.map((forecast) => ({
    receivedAt: forecast.receivedAt,
    blocks: (forecast.body as { forecasted_blocks: OscpBlock[] }).forecasted_blocks,
  }));
}

export function conversionFor(peer: DsoPeer, sites: SiteRow[]): BlockConversion {
  return {
    nominalVoltageV: peer.options.nominalVoltageV ?? highestVoltage(sites),
    phaseAll: peer.options.phaseAll,
  };
}

/** Converting a power limit with the highest voltage of the group gives the fewest amperes: the safe side. */
function highestVoltage(sites: SiteRow[]): number {
  return Math.max(...sites.map((site) => site.nominalVoltageV));
}

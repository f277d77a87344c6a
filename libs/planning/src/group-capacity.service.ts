import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  CapacityForecastsRepository,
  CapacityForecastType,
  DsoPeer,
  DsoPeersRepository,
  StoredCapacityForecast,
} from '@gridflex/oscp';
import type { PerPhase } from '@gridflex/optimizer';
import type { SiteRow } from '@gridflex/sites';
import { ForecastSource, GroupCapacity, groupCapacity, rateToPhaseAmps } from './forecast-capacity';
import { conversionFor, toStoredForecasts } from './horizon-wishes.service';
import { TimelineCache } from './timeline-cache';

const CAPACITY_TYPES: CapacityForecastType[] = ['CONSUMPTION', 'FALLBACK_CONSUMPTION'];

/** Where a group's DSO limit comes from, as the dashboard shows it. */
export const CAPACITY_ORIGINS = {
  forecast: 'forecast',
  gapFallbackForecast: 'gap: fallback forecast',
  gapSafeDefault: 'gap: safe default',
  gapConfigured: 'gap: configured capacity',
  offlineFallbackForecast: 'offline: fallback',
  offlineSafeDefault: 'offline: safe default',
  siteLimitsOnly: 'site limits only',
} as const;

/**
 * A group's DSO capacity from `now` on, as the planner, the dashboard and the compliance check read it.
 * Every peer that ever sent a forecast for the group governs it: while it is not OFFLINE its CONSUMPTION
 * forecasts apply and, where they leave time uncovered, its gap capacity (by default its FALLBACK_CONSUMPTION
 * forecast in force there, else its safe default); while it is OFFLINE its FALLBACK_CONSUMPTION forecasts
 * and its safe default. Never unlimited while a peer governs the group; a group no peer ever sent anything
 * for is limited by its sites alone.
 *
 * Built once per change of its inputs (the group's forecasts, its peers' link and options, the conversion its
 * sites give) and reused until then, by this instance, whichever instance made the change.
 */
@Injectable()
export class GroupCapacityService {
  private readonly timelines = new TimelineCache();

  constructor(
    private readonly forecasts: CapacityForecastsRepository,
    private readonly peers: DsoPeersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `asIfOffline`: what would apply should every peer's link be lost now (the fail-safe fallback). */
  async capacity(groupId: string, sites: SiteRow[], now: Date, asIfOffline = false): Promise<GroupCapacity> {
    const peers = await this.peers.findManyById(await this.forecasts.peersOfGroup(groupId));
    if (peers.length === 0) return { timeline: [], gapLimitsA: [Infinity, Infinity, Infinity] };
    const forecastIds = await this.forecasts.forecastIdsOfGroup(groupId, CAPACITY_TYPES);
    const key = JSON.stringify([
      forecastIds,
      peers.map((peer) => [peer.id, peer.link, peer.options, conversionFor(peer, sites)]),
    ]);
    return this.timelines.get(`${groupId}|${asIfOffline}`, key, now, () =>
      this.build(groupId, peers, sites, now, asIfOffline),
    );
  }

  private async build(
    groupId: string,
    peers: DsoPeer[],
    sites: SiteRow[],
    now: Date,
    asIfOffline: boolean,
  ): Promise<GroupCapacity> {
    const consumption = await this.forecasts.listForGroup(groupId, 'CONSUMPTION');
    const fallback = await this.forecasts.listForGroup(groupId, 'FALLBACK_CONSUMPTION');
    const ofPeer = (stored: StoredCapacityForecast[], peer: DsoPeer) =>
      toStoredForecasts(stored.filter((forecast) => forecast.peerId === peer.id));
    const sources = peers.map((peer) =>
      this.source(peer, sites, ofPeer(consumption, peer), ofPeer(fallback, peer), asIfOffline),
    );
    return groupCapacity(sources, now);
  }

  private source(
    peer: DsoPeer,
    sites: SiteRow[],
    consumption: ForecastSource['forecasts'],
    fallback: ForecastSource['forecasts'],
    asIfOffline: boolean,
  ): ForecastSource {
    const conversion = conversionFor(peer, sites);
    const safeA = peer.options.safeDefaultA ?? this.config.OSCP_SAFE_DEFAULT_A;
    const safeLimitsA: PerPhase = [safeA, safeA, safeA];
    if (asIfOffline || peer.link === 'OFFLINE') {
      return {
        forecasts: fallback,
        conversion,
        gapLimitsA: safeLimitsA,
        origins: {
          forecast: CAPACITY_ORIGINS.offlineFallbackForecast,
          gapForecast: CAPACITY_ORIGINS.offlineFallbackForecast,
          gap: CAPACITY_ORIGINS.offlineSafeDefault,
        },
      };
    }
    const gap = peer.options.gapCapacity ?? 'FALLBACK';
    if (gap === 'FALLBACK') {
      return {
        forecasts: consumption,
        gapForecasts: fallback,
        conversion,
        gapLimitsA: safeLimitsA,
        origins: {
          forecast: CAPACITY_ORIGINS.forecast,
          gapForecast: CAPACITY_ORIGINS.gapFallbackForecast,
          gap: CAPACITY_ORIGINS.gapSafeDefault,
        },
      };
    }
    return {
      forecasts: consumption,
      conversion,
      gapLimitsA: rateToPhaseAmps(gap.capacity, gap.unit, conversion),
      origins: {
        forecast: CAPACITY_ORIGINS.forecast,
        gapForecast: CAPACITY_ORIGINS.gapConfigured,
        gap: CAPACITY_ORIGINS.gapConfigured,
      },
    };
  }
}

/** Where the group's limit at `t` (ms) comes from. */
export function capacityOriginAt(capacity: GroupCapacity, t: number): string {
  const block = capacity.timeline.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.end));
  return block?.origin ?? capacity.gapOrigin ?? CAPACITY_ORIGINS.siteLimitsOnly;
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { CapacityForecastsRepository, DsoPeersRepository, StoredCapacityForecast } from '@gridflex/oscp';
import { ForecastSource, GroupCapacity, groupCapacity, OscpBlock } from '@gridflex/planning';
import type { SiteRow } from '@gridflex/sites';

/**
 * A group's DSO capacity from now on, read the way the planner reads it: each peer's CONSUMPTION forecasts
 * while it is not OFFLINE; while it is, its FALLBACK_CONSUMPTION forecasts and its safe default in the gaps.
 */
@Injectable()
export class GroupCapacityReader {
  constructor(
    private readonly forecasts: CapacityForecastsRepository,
    private readonly peers: DsoPeersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async capacity(groupId: string, sites: SiteRow[], now: Date): Promise<GroupCapacity> {
    const consumption = await this.forecasts.listForGroup(groupId, 'CONSUMPTION');
    const fallback = await this.forecasts.listForGroup(groupId, 'FALLBACK_CONSUMPTION');
    const peerIds = [...new Set([...consumption, ...fallback].map((forecast) => forecast.peerId))];
    const peers = await this.peers.findManyById(peerIds);
    const nominalVoltageV = Math.max(...sites.map((site) => site.nominalVoltageV));
    const sources = peers.map((peer): ForecastSource => {
      const offline = peer.link === 'OFFLINE';
      const safeA = peer.options.safeDefaultA ?? this.config.OSCP_SAFE_DEFAULT_A;
      const own = (offline ? fallback : consumption).filter((f) => f.peerId === peer.id);
      return {
        forecasts: own.map(toStoredForecast),
        conversion: {
          nominalVoltageV: peer.options.nominalVoltageV ?? nominalVoltageV,
          phaseAll: peer.options.phaseAll,
        },
        gapLimitsA: offline ? [safeA, safeA, safeA] : [Infinity, Infinity, Infinity],
      };
    });
    return groupCapacity(sources, now);
  }
}

function toStoredForecast(forecast: StoredCapacityForecast) {
  return {
    receivedAt: forecast.receivedAt,
    blocks: (forecast.body as { forecasted_blocks: OscpBlock[] }).forecasted_blocks,
  };
}

/** The capacity per phase at `t` (ms); Infinity where nothing limits it. */
export function capacityAt(capacity: GroupCapacity, t: number): [number, number, number] {
  const block = capacity.timeline.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.end));
  return [...(block?.limitsA ?? capacity.gapLimitsA)] as [number, number, number];
}

/** The instants in (from, to) where the capacity changes. */
export function capacityEdges(capacity: GroupCapacity, from: number, to: number): number[] {
  return capacity.timeline
    .flatMap((b) => [Date.parse(b.start), Date.parse(b.end)])
    .filter((t) => t > from && t < to);
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  CapacityForecastsRepository,
  ComplianceCheckDueEvent,
  ComplianceEpisodesRepository,
  ComplianceService,
  DsoPeer,
  DsoPeersRepository,
  ForecastedBlock,
  OSCP_COMPLIANCE_CHECK_DUE,
  parseRfc3339DateTime,
  StoredCapacityForecast,
} from '@gridflex/oscp';
import type { PerPhase } from '@gridflex/optimizer';
import { effectiveBaseLoadA, SiteRow, SitesRepository } from '@gridflex/sites';
import { capacityTimeline, OscpBlock } from './forecast-capacity';
import { TimelineCache } from './timeline-cache';
import { GroupComplianceMetersRepository } from './group-compliance-meters.repository';
import {
  decideCompliance,
  exceededLimits,
  LimitInForce,
  measuredGroupLoadA,
} from './group-compliance-monitor';

/** A peer's forecast in force now, the limit it sets and its blocks covering now. */
interface ForecastInForce extends LimitInForce {
  forecast: StoredCapacityForecast;
  blocks: OscpBlock[];
}

/**
 * The periodic check of the measured load: tells a DSO when a group has drawn more than its forecast
 * in force for longer than `OSCP_COMPLIANCE_GRACE_S` (a charger ignoring its profile, a base load
 * above what was configured), once per forecast and episode of overload.
 */
@Injectable()
export class GroupComplianceMonitorService {
  private readonly logger = new Logger(GroupComplianceMonitorService.name);
  /** Per group, peer and layer: the check runs every measurement period on forecasts that rarely change. */
  private readonly timelines = new TimelineCache();

  constructor(
    private readonly sites: SitesRepository,
    private readonly forecasts: CapacityForecastsRepository,
    private readonly peers: DsoPeersRepository,
    private readonly meters: GroupComplianceMetersRepository,
    private readonly episodes: ComplianceEpisodesRepository,
    private readonly compliance: ComplianceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @OnEvent(OSCP_COMPLIANCE_CHECK_DUE)
  async onCheckDue(event: ComplianceCheckDueEvent): Promise<void> {
    await this.checkAll(event.at);
  }

  async checkAll(now: Date): Promise<void> {
    const sites = await this.sites.list();
    const groupIds = [...new Set(sites.flatMap((site) => (site.groupId === null ? [] : [site.groupId])))];
    for (const groupId of groupIds) {
      await this.checkGroup(
        groupId,
        sites.filter((site) => site.groupId === groupId),
        now,
      );
    }
  }

  private async checkGroup(groupId: string, sites: SiteRow[], now: Date): Promise<void> {
    const inForce = await this.forecastsInForce(groupId, sites, now);
    const baseLoadsA = sites.map((site) => effectiveBaseLoadA(site, now));
    const loadA = measuredGroupLoadA(await this.meters.meteredConnectors(groupId), baseLoadsA, now);
    const graceMs = this.config.OSCP_COMPLIANCE_GRACE_S * 1000;
    const decision = decideCompliance(
      await this.episodes.find(groupId),
      exceededLimits(loadA, inForce),
      now,
      graceMs,
    );
    for (const forecast of decision.due) await this.report(groupId, forecast, loadA);
    await this.episodes.save(groupId, decision.episode);
  }

  private async report(groupId: string, inForce: ForecastInForce, loadA: PerPhase): Promise<void> {
    const drawnA = Math.max(...loadA);
    const blocks: ForecastedBlock[] = inForce.blocks.map((block) => ({
      capacity: drawnA,
      phase: 'ALL',
      unit: 'A',
      start_time: block.start_time,
      end_time: block.end_time,
    }));
    const graceS = this.config.OSCP_COMPLIANCE_GRACE_S;
    const message =
      `The measured load of group ${groupId} has been above the forecast capacity for more than ${graceS} s; ` +
      'each block gives the highest current per phase measured';
    await this.compliance.sendTo(inForce.forecast, message, blocks);
    this.logger.warn(`Measured load of group ${groupId} above forecast ${JSON.stringify(inForce.requestId)}`);
  }

  /**
   * Per peer, the forecast in force now: CONSUMPTION, where it leaves now uncovered the FALLBACK_CONSUMPTION
   * that fills its gaps (gap capacity `FALLBACK`), and only FALLBACK_CONSUMPTION while the peer is OFFLINE.
   * Where only a safe default or a configured gap capacity applies there is nothing to correlate an error
   * with, so nothing is checked against that peer.
   */
  private async forecastsInForce(groupId: string, sites: SiteRow[], now: Date): Promise<ForecastInForce[]> {
    const consumption = await this.forecasts.listForGroup(groupId, 'CONSUMPTION');
    const fallback = await this.forecasts.listForGroup(groupId, 'FALLBACK_CONSUMPTION');
    const peerIds = [...new Set([...consumption, ...fallback].map((forecast) => forecast.peerId))];
    const peers = await this.peers.findManyById(peerIds);
    const inForce: ForecastInForce[] = [];
    for (const peer of peers) {
      const own = (stored: StoredCapacityForecast[]) => stored.filter((f) => f.peerId === peer.id);
      const layers = peerLayers(peer, own(consumption), own(fallback));
      for (const [layer, stored] of layers.entries()) {
        const slot = `${groupId}|${peer.id}|${layer}`;
        const found = await this.forecastInForce(slot, stored, conversionFor(peer, sites), now);
        if (found) {
          inForce.push(found);
          break;
        }
      }
    }
    return inForce;
  }

  /**
   * The newest forecast with a block in force now, and the limit in force now. A block is in force unless a
   * newer forecast's span of its phase indicator contains now (oscp.md §3.4: newer spans trim older blocks).
   */
  private async forecastInForce(
    slot: string,
    stored: StoredCapacityForecast[],
    conversion: { nominalVoltageV: number; phaseAll?: 'PER_PHASE' | 'TOTAL' },
    now: Date,
  ): Promise<ForecastInForce | null> {
    const newest = newestInForce(stored, now);
    if (!newest) return null;
    const key = JSON.stringify([stored.map((forecast) => forecast.id), conversion]);
    const { timeline } = await this.timelines.get(slot, key, now, () =>
      Promise.resolve({
        timeline: capacityTimeline(
          stored.map((forecast) => ({ receivedAt: forecast.receivedAt, blocks: blocksOf(forecast) })),
          conversion,
          now,
        ),
        gapLimitsA: [Infinity, Infinity, Infinity],
      }),
    );
    const current = timeline.find((block) => Date.parse(block.start) <= now.getTime());
    if (!current) return null;
    return { ...newest, requestId: newest.forecast.requestId, limitsA: current.limitsA };
  }
}

function peerLayers(
  peer: DsoPeer,
  consumption: StoredCapacityForecast[],
  fallback: StoredCapacityForecast[],
): StoredCapacityForecast[][] {
  if (peer.link === 'OFFLINE') return [fallback];
  return (peer.options.gapCapacity ?? 'FALLBACK') === 'FALLBACK' ? [consumption, fallback] : [consumption];
}

function newestInForce(
  stored: StoredCapacityForecast[],
  now: Date,
): { forecast: StoredCapacityForecast; blocks: OscpBlock[] } | undefined {
  const claimed = new Set<OscpBlock['phase']>();
  const newestFirst = [...stored].sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  for (const forecast of newestFirst) {
    const blocks = blocksOf(forecast);
    const inForce = blocks.filter((block) => covers(block, now) && !claimed.has(block.phase));
    if (inForce.length > 0) return { forecast, blocks: inForce };
    for (const phase of new Set(blocks.map((block) => block.phase))) {
      if (
        spanCovers(
          blocks.filter((block) => block.phase === phase),
          now,
        )
      )
        claimed.add(phase);
    }
  }
  return undefined;
}

function spanCovers(blocks: OscpBlock[], now: Date): boolean {
  const start = Math.min(...blocks.map((block) => instant(block.start_time)));
  const end = Math.max(...blocks.map((block) => instant(block.end_time)));
  return start <= now.getTime() && now.getTime() < end;
}
function blocksOf(forecast: StoredCapacityForecast): OscpBlock[] {
  return (forecast.body as { forecasted_blocks: OscpBlock[] }).forecasted_blocks;
}

function covers(block: OscpBlock, now: Date): boolean {
  return instant(block.start_time) <= now.getTime() && now.getTime() < instant(block.end_time);
}

/** Stored bodies keep the peer's spelling, which may be a lenient (pyoscp) date-time. */
function instant(time: string): number {
  return parseRfc3339DateTime(time) ?? Date.parse(time);
}

/** As the planner converts: the peer's voltage, else the group's highest (fewest amperes, the safe side). */
function conversionFor(peer: DsoPeer, sites: SiteRow[]) {
  return {
    nominalVoltageV: peer.options.nominalVoltageV ?? Math.max(...sites.map((site) => site.nominalVoltageV)),
    phaseAll: peer.options.phaseAll,
  };
}

import { Injectable, Logger } from '@nestjs/common';
import { CapacityForecastsRepository, StoredCapacityForecast } from './capacity-forecasts.repository';
import { latestCoveringPerPeer } from './covering-forecasts';
import { DsoPeersRepository } from './dso-peers.repository';
import { OscpOutboundRepository } from './oscp-outbound.repository';
import { OscpOutboxService } from './oscp-outbox.service';
import type { ForecastedBlock } from './oscp.types';

const ADJUST = 'adjust_group_capacity_forecast';

/** Capacity the planner would use in a group beyond what its forecast allows. */
export interface GroupCapacityNeed {
  groupId: string;
  /** The blocks concerned, each with the capacity the group could use in it. */
  blocks: ForecastedBlock[];
}

/**
 * The automatic AdjustGroupCapacityForecast: asks each DSO that opted in (`autoAdjust`) and whose
 * CONSUMPTION forecast leaves the group short for the capacity it could use. At most one request per
 * forecast, correlated by that forecast's `X-Request-ID`: re-plans do not repeat it, and the DSO's next
 * forecast (its answer, or any other) opens the way to a new one.
 */
@Injectable()
export class CapacityRequestsService {
  private readonly logger = new Logger(CapacityRequestsService.name);

  constructor(
    private readonly forecasts: CapacityForecastsRepository,
    private readonly peers: DsoPeersRepository,
    private readonly outbound: OscpOutboundRepository,
    private readonly outbox: OscpOutboxService,
  ) {}

  async request({ groupId, blocks }: GroupCapacityNeed): Promise<void> {
    if (blocks.length === 0) return;
    const stored = await this.forecasts.listForGroup(groupId, 'CONSUMPTION');
    for (const forecast of latestCoveringPerPeer(stored, blocks)) {
      await this.requestFrom(forecast, groupId, blocks);
    }
  }

  private async requestFrom(
    forecast: StoredCapacityForecast,
    groupId: string,
    blocks: ForecastedBlock[],
  ): Promise<void> {
    const peer = await this.peers.findById(forecast.peerId);
    if (!peer?.canCallPeer || peer.options.autoAdjust !== true) return;
    if (await this.outbound.exists(peer.id, ADJUST, forecast.requestId)) return;
    await this.outbox.send(
      peer.id,
      ADJUST,
      { group_id: groupId, type: 'CONSUMPTION', forecasted_blocks: blocks },
      forecast.requestId,
    );
    this.logger.log(
      `Asked DSO peer ${JSON.stringify(peer.name)} for more capacity in group ${JSON.stringify(groupId)} ` +
        `(${blocks.length} blocks, after forecast ${JSON.stringify(forecast.requestId)})`,
    );
  }
}

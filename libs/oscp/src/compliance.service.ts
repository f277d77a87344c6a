import { Injectable, Logger } from '@nestjs/common';
import { CapacityForecastsRepository, StoredCapacityForecast } from './capacity-forecasts.repository';
import { DsoPeersRepository } from './dso-peers.repository';
import { OscpOutboxService } from './oscp-outbox.service';
import type { ForecastedBlock } from './oscp.types';
import { blocksOverlapping, latestCoveringPerPeer } from './covering-forecasts';

const COMPLIANCE_ERROR = 'group_capacity_compliance_error';

/** What the planner found it cannot keep inside a group's forecast. */
export interface GroupNonCompliance {
  groupId: string;
  /** Human-readable reason, sent as the error's `message`. */
  message: string;
  /** The blocks concerned, each with the capacity we expect to draw in it. */
  blocks: ForecastedBlock[];
}

/**
 * GroupCapacityComplianceError to the DSO whose forecast cannot be kept, correlated by that forecast's
 * `X-Request-ID` (the message has no group id). The caller says which forecasts were told already (once per
 * forecast and episode), so that re-plans do not repeat it.
 */
@Injectable()
export class ComplianceService {
  private readonly logger = new Logger(ComplianceService.name);

  constructor(
    private readonly forecasts: CapacityForecastsRepository,
    private readonly peers: DsoPeersRepository,
    private readonly outbox: OscpOutboxService,
  ) {}

  /**
   * Tells each peer whose forecast in force over `blocks` is not among `alreadyTold` (`X-Request-ID`s).
   * @returns the `X-Request-ID`s of the forecasts told now
   */
  async report(
    { groupId, message, blocks }: GroupNonCompliance,
    alreadyTold: readonly string[],
  ): Promise<string[]> {
    if (blocks.length === 0) return [];
    const stored = [
      ...(await this.forecasts.listForGroup(groupId, 'CONSUMPTION')),
      ...(await this.forecasts.listForGroup(groupId, 'FALLBACK_CONSUMPTION')),
    ];
    const told: string[] = [];
    // Blocks where only a safe default applies concern no forecast, so no peer.
    for (const forecast of latestCoveringPerPeer(stored, blocks)) {
      if (alreadyTold.includes(forecast.requestId)) continue;
      if (await this.sendTo(forecast, message, blocksOverlapping(forecast, blocks)))
        told.push(forecast.requestId);
    }
    return told;
  }

  /**
   * Sends the error whether or not one was sent for this forecast before: for measured overloads the
   * caller decides, once per forecast and episode of overload.
   */
  async sendTo(
    forecast: StoredCapacityForecast,
    message: string,
    blocks: ForecastedBlock[],
  ): Promise<boolean> {
    const peer = await this.peers.findById(forecast.peerId);
    if (!peer?.canCallPeer) return false;
    await this.outbox.send(
      peer.id,
      COMPLIANCE_ERROR,
      { message, forecasted_blocks: blocks },
      forecast.requestId,
    );
    this.logger.warn(
      `Told DSO peer ${JSON.stringify(peer.name)} that forecast ${JSON.stringify(forecast.requestId)} ` +
        `cannot be kept: ${message}`,
    );
    return true;
  }
}

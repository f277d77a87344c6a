import {
  BadRequestException,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  CapacityForecastsRepository,
  SegmentOutOfSequenceError,
  StoredBlocksExceededError,
} from './capacity-forecasts.repository';
import { DsoPeer, DsoPeersRepository } from './dso-peers.repository';
import { notBoundMessage } from './group-authorization';
import type { UpdateGroupCapacityForecastDto } from './dto/update-group-capacity-forecast.dto';
import { ForecastAcceptedEvent, OSCP_FORECAST_ACCEPTED } from './events';
import { assertWithinBounds } from './forecast-bounds';
import type { SegmentHeaders } from './oscp-request';
import type { UpdateGroupCapacityForecast } from './oscp.types';

export interface ReceivedForecast {
  peer: DsoPeer;
  requestId: string;
  /** The validated view of the body. */
  forecast: UpdateGroupCapacityForecastDto;
  /** The same body as received, for the audit record. */
  body: unknown;
  /** Set when the message is one segment of a paged forecast. */
  segment?: SegmentHeaders;
}

@Injectable()
export class CapacityForecastService {
  private readonly logger = new Logger(CapacityForecastService.name);

  constructor(
    private readonly forecasts: CapacityForecastsRepository,
    private readonly peers: DsoPeersRepository,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores the forecast (403 for a group the peer is not bound to, 404 for an unknown group) and returns
   * the event to announce once the peer has its reply: planning must not delay or fail the 204. A forecast
   * beyond the configured bounds (too many blocks, too fine, too far ahead or behind) is refused before
   * anything is stored.
   */
  async store({
    peer,
    requestId,
    forecast,
    body,
    segment,
  }: ReceivedForecast): Promise<ForecastAcceptedEvent | undefined> {
    const { group_id: groupId, type } = forecast;
    await this.requireBound(peer, groupId);
    assertWithinBounds(forecast.forecasted_blocks, this.config, new Date());
    if (!(await this.forecasts.groupExists(groupId))) {
      throw new NotFoundException({
        message: `Unknown group_id ${JSON.stringify(groupId)}: no site is in it`,
      });
    }
    // Validated as `forecast` already; stored as received so the audit shows what the peer sent.
    const received = { peerId: peer.id, requestId, groupId, type, body: body as UpdateGroupCapacityForecast };
    const forecastId = segment
      ? await this.storeSegment({ ...received, ...segment })
      : await this.forecasts.insert(received);
    if (forecastId === undefined) return undefined;
    this.logger.log(
      `Stored ${type} forecast ${forecastId} for group ${JSON.stringify(groupId)} ` +
        `from DSO peer ${JSON.stringify(peer.name)} (X-Request-ID ${JSON.stringify(requestId)})`,
    );
    return new ForecastAcceptedEvent({ forecastId, groupId, type, peerId: peer.id });
  }

  /**
   * Authorization beyond the token: a DSO may only curtail the groups it governs. Checked before the
   * group's existence, so that a peer learns nothing about groups that are not its own.
   */
  private async requireBound(peer: DsoPeer, groupId: string): Promise<void> {
    if ((await this.peers.peerOfGroup(groupId)) === peer.id) return;
    this.logger.warn(
      `Refused update_group_capacity_forecast for group ${JSON.stringify(groupId)} from DSO peer ${JSON.stringify(peer.name)}: ` +
        'not bound to it',
    );
    throw new ForbiddenException({ message: notBoundMessage(peer, groupId) });
  }

  /** The id of the joined forecast once this segment completes it, otherwise undefined. */
  private async storeSegment(segment: Parameters<CapacityForecastsRepository['storeSegment']>[0]) {
    try {
      return await this.forecasts.storeSegment(segment, this.config.OSCP_MAX_STORED_BLOCKS);
    } catch (error) {
      if (error instanceof SegmentOutOfSequenceError)
        throw new BadRequestException({ message: error.message });
      if (error instanceof StoredBlocksExceededError)
        throw new PayloadTooLargeException({ message: error.message });
      throw error;
    }
  }

  announce(event: ForecastAcceptedEvent): void {
    try {
      this.events.emit(OSCP_FORECAST_ACCEPTED, event);
    } catch (error) {
      // Runs outside the request: an escaping listener error would crash the process.
      this.logger.error(
        `A listener of ${OSCP_FORECAST_ACCEPTED} failed for forecast ${event.forecastId}`,
        error instanceof Error ? error.stack : String(error),
      );
    }
  }
}

import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseGuards, UsePipes } from '@nestjs/common';
import type { Response } from 'express';
import { createValidationPipe } from '@gridflex/common';
import { CapacityForecastService } from './capacity-forecast.service';
import type { DsoPeer } from './dso-peers.repository';
import { UpdateGroupCapacityForecastDto } from './dto/update-group-capacity-forecast.dto';
import { AuthenticatedPeer, OscpRequestId, OscpSegment, ReceivedBody, SegmentHeaders } from './oscp-request';
import { OscpTokenGuard } from './oscp-token.guard';

/** OSCP 2.0 endpoints that a Capacity Provider (the DSO) calls on us, the Flexibility Provider. */
@Controller('oscp/fp/2.0')
@UseGuards(OscpTokenGuard)
export class CapacityForecastController {
  constructor(private readonly forecasts: CapacityForecastService) {}

  @Post('update_group_capacity_forecast')
  @HttpCode(HttpStatus.NO_CONTENT)
  // Liberal in what we accept from partners: unknown fields are dropped, not refused.
  @UsePipes(createValidationPipe({ forbidUnknown: false }))
  async updateGroupCapacityForecast(
    @AuthenticatedPeer() peer: DsoPeer,
    @OscpRequestId() requestId: string,
    @Body() forecast: UpdateGroupCapacityForecastDto,
    @ReceivedBody() body: unknown,
    @OscpSegment() segment: SegmentHeaders | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const accepted = await this.forecasts.store({ peer, requestId, forecast, body, segment });
    // 'close' rather than 'finish': it fires even when the peer hangs up early, and the forecast is stored.
    if (accepted) response.once('close', () => this.forecasts.announce(accepted));
  }
}

import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseGuards, UsePipes } from '@nestjs/common';
import type { Response } from 'express';
import { ApiHeader, ApiNoContentResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors, createValidationPipe } from '@gridflex/common';
import { CapacityForecastService } from './capacity-forecast.service';
import type { DsoPeer } from './dso-peers.repository';
import { UpdateGroupCapacityForecastDto } from './dto/update-group-capacity-forecast.dto';
import { AuthenticatedPeer, OscpRequestId, OscpSegment, ReceivedBody, SegmentHeaders } from './oscp-request';
import { OscpTokenGuard } from './oscp-token.guard';

/** OSCP 2.0 endpoints that a Capacity Provider (the DSO) calls on us, the Flexibility Provider. */
@ApiTags('oscp')
@ApiSecurity('oscp-token')
@ApiHeader({ name: 'X-Request-ID', required: true, description: 'Unique per message' })
@ApiNoContentResponse({ description: 'Accepted; any reply to the peer follows in a message of our own' })
@ApiErrors(400, 401, 413)
@Controller('oscp/fp/2.0')
@UseGuards(OscpTokenGuard)
export class CapacityForecastController {
  constructor(private readonly forecasts: CapacityForecastService) {}

  @Post('update_group_capacity_forecast')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiErrors(403, 404)
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

import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { DsoPeersService } from './dso-peers.service';
import { CreateDsoPeerDto } from './dto/create-dso-peer.dto';
import { DsoPeerDto, LinkEventDto, OutboundMessageDto, QueuedMessageDto } from './dto/dso-peer.dto';
import { UpdateDsoPeerDto } from './dto/update-dso-peer.dto';
import { UpdateGroupCapacityForecastDto } from './dto/update-group-capacity-forecast.dto';
import type { QueuedMessage } from './oscp-outbox.service';
import { RegistrationService } from './registration.service';

/** Admin API: the DSOs we exchange OSCP messages with, their link state and what we sent them. */
@ApiTags('dso-peers')
@ApiErrors(401)
@Controller('api/v1/dso-peers')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class DsoPeersController {
  constructor(
    private readonly peers: DsoPeersService,
    private readonly registration: RegistrationService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: DsoPeerDto })
  @ApiErrors(400, 409)
  create(@Body() dto: CreateDsoPeerDto): Promise<DsoPeerDto> {
    return this.peers.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: [DsoPeerDto] })
  list(): Promise<DsoPeerDto[]> {
    return this.peers.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: DsoPeerDto })
  @ApiErrors(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<DsoPeerDto> {
    return this.peers.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: DsoPeerDto })
  @ApiErrors(400, 404, 409)
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateDsoPeerDto): Promise<DsoPeerDto> {
    return this.peers.update(id, dto);
  }

  /** Register with the peer first (we are the initiator of the token swap). */
  @Post(':id/register')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: QueuedMessageDto, description: 'Register queued for delivery' })
  @ApiErrors(400, 404, 409)
  register(@Param('id', ParseUUIDPipe) id: string): Promise<QueuedMessage> {
    return this.registration.initiate(id);
  }

  /** Every ONLINE ⇄ OFFLINE switch, newest first. */
  @Get(':id/link-events')
  @ApiOkResponse({ type: [LinkEventDto] })
  @ApiErrors(400, 404)
  linkEvents(@Param('id', ParseUUIDPipe) id: string): Promise<object[]> {
    return this.peers.linkEvents(id);
  }

  @Get(':id/messages')
  @ApiOkResponse({ type: [OutboundMessageDto] })
  @ApiErrors(400, 404)
  messages(@Param('id', ParseUUIDPipe) id: string): Promise<object[]> {
    return this.peers.messages(id);
  }

  /**
   * Sends AdjustGroupCapacityForecast: a request to the DSO for different capacity, only for a group
   * bound to it (403 otherwise).
   */
  @Post(':id/adjust-requests')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    type: QueuedMessageDto,
    description: 'AdjustGroupCapacityForecast queued for delivery',
  })
  @ApiErrors(400, 403, 404, 409, 413)
  requestAdjustment(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() request: UpdateGroupCapacityForecastDto,
  ): Promise<QueuedMessage> {
    return this.peers.requestAdjustment(id, request);
  }
}

import { Body, Controller, Get, Param, ParseUUIDPipe, Put, UseGuards, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  AdminApiKeyGuard,
  ApiErrors,
  createValidationPipe,
  INT4_MAX,
  ParseIntInRangePipe,
} from '@gridflex/common';
import { Actor } from './actor.decorator';
import { SessionPreferencesDto } from './dto/session-preferences.dto';
import { SessionPreferencesViewDto } from './dto/views.dto';
import { SessionPreferencesService, SessionPreferencesView } from './session-preferences.service';

@ApiTags('sessions')
@ApiErrors(400, 401, 404)
@Controller('api/v1/sites/:id/chargers/:chargerId/connectors/:connectorId/session')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SessionPreferencesController {
  constructor(private readonly service: SessionPreferencesService) {}

  @Get()
  @ApiOkResponse({ type: SessionPreferencesViewDto, description: 'What was told about the running session' })
  get(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Param('connectorId', new ParseIntInRangePipe(0, INT4_MAX)) connectorId: number,
  ): Promise<SessionPreferencesView> {
    return this.service.get(id, chargerId, connectorId);
  }

  @Put()
  @ApiOkResponse({ type: SessionPreferencesViewDto })
  set(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Param('connectorId', new ParseIntInRangePipe(0, INT4_MAX)) connectorId: number,
    @Body() dto: SessionPreferencesDto,
    @Actor() actor: string,
  ): Promise<SessionPreferencesView> {
    return this.service.set(id, chargerId, connectorId, dto, actor);
  }
}

import {
  Body,
  Controller,
  Get,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Put,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { AdminApiKeyGuard, createValidationPipe } from '@gridflex/common';
import { Actor } from './actor.decorator';
import { SessionPreferencesDto } from './dto/session-preferences.dto';
import { SessionPreferencesService, SessionPreferencesView } from './session-preferences.service';

@Controller('api/v1/sites/:id/chargers/:chargerId/connectors/:connectorId/session')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SessionPreferencesController {
  constructor(private readonly service: SessionPreferencesService) {}

  @Get()
  get(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Param('connectorId', ParseIntPipe) connectorId: number,
  ): Promise<SessionPreferencesView> {
    return this.service.get(id, chargerId, connectorId);
  }

  @Put()
  set(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Param('connectorId', ParseIntPipe) connectorId: number,
    @Body() dto: SessionPreferencesDto,
    @Actor() actor: string,
  ): Promise<SessionPreferencesView> {
    return this.service.set(id, chargerId, connectorId, dto, actor);
  }
}

import { Controller, Get, Param, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { ChargerEventsService } from './charger-events.service';
import { ChargerEventsViewDto } from './dto/charger-events-view.dto';
import { ListChargerEventsDto } from './dto/list-charger-events.dto';

const DEFAULT_PAGE = 100;

@ApiTags('ocpp')
@ApiErrors(400, 401, 404)
@Controller('api/v1/chargers/:identity/events')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class ChargerEventsController {
  constructor(private readonly service: ChargerEventsService) {}

  @Get()
  @ApiOkResponse({ type: ChargerEventsViewDto, description: "The charger's events, newest first" })
  async list(
    @Param('identity') identity: string,
    @Query() query: ListChargerEventsDto,
  ): Promise<ChargerEventsViewDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const events = await this.service.list(identity, { kind: query.kind, before: query.before, limit });
    const views = events.map(({ id, kind, at, receivedAt, payload }) => ({
      id,
      kind,
      at: at.toISOString(),
      receivedAt: receivedAt.toISOString(),
      payload,
    }));
    return { events: views, next: views.length === limit ? views[views.length - 1].id : null };
  }
}

import { Controller, Get, Param, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { ChargerEventsService } from './charger-events.service';
import { ListChargerEventsDto } from './dto/list-charger-events.dto';

const DEFAULT_PAGE = 100;

export interface ChargerEventView {
  id: number;
  kind: string;
  at: string;
  receivedAt: string;
  payload: Record<string, unknown>;
}

export interface ChargerEventsView {
  events: ChargerEventView[];
  /** `before` of the next (older) page; null on the last page. */
  next: number | null;
}

@ApiTags('ocpp')
@ApiErrors(400, 401, 404)
@Controller('api/v1/chargers/:identity/events')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class ChargerEventsController {
  constructor(private readonly service: ChargerEventsService) {}

  @Get()
  @ApiOkResponse({ description: "The charger's events, newest first" })
  async list(
    @Param('identity') identity: string,
    @Query() query: ListChargerEventsDto,
  ): Promise<ChargerEventsView> {
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

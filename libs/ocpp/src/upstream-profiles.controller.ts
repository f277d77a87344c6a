import { Controller, Get, NotFoundException, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors } from '@gridflex/common';
import { ChargerStateRepository } from './charger-state.repository';
import { UpstreamProfilesViewDto } from './dto/upstream-profiles-view.dto';
import { UpstreamProfilesRepository } from './upstream-profiles.repository';

/** Proxy mode: the charging profiles the charger's upstream central system set, which bound its plan. */
@ApiTags('ocpp')
@ApiErrors(401, 404)
@Controller('api/v1/chargers/:identity/upstream-profiles')
@UseGuards(AdminApiKeyGuard)
export class UpstreamProfilesController {
  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly profiles: UpstreamProfilesRepository,
  ) {}

  @Get()
  @ApiOkResponse({ type: UpstreamProfilesViewDto, description: "The upstream's stored charging profiles" })
  async list(@Param('identity') identity: string): Promise<UpstreamProfilesViewDto> {
    const charger = await this.chargerState.findByIdentity(identity);
    if (!charger) throw new NotFoundException(`Unknown charger ${identity}`);
    const stored = await this.profiles.listForCharger(charger.id);
    return {
      profiles: stored.map(({ receivedAt, ...profile }) => ({
        ...profile,
        receivedAt: receivedAt.toISOString(),
      })),
    };
  }
}

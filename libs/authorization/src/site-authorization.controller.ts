import { Body, Controller, Get, Param, ParseUUIDPipe, Put, UseGuards, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { SiteAuthorizationDto } from './dto/site-authorization.dto';
import { SiteAuthorizationViewDto } from './dto/views.dto';
import { IdTokensService } from './id-tokens.service';
import { SiteAuthorizationView } from './views';

/** A site's authorization policy. */
@ApiTags('authorization')
@ApiErrors(400, 401, 404)
@Controller('api/v1/sites/:id/authorization')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SiteAuthorizationController {
  constructor(private readonly service: IdTokensService) {}

  @Get()
  @ApiOkResponse({ type: SiteAuthorizationViewDto })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<SiteAuthorizationView> {
    return this.service.sitePolicy(id);
  }

  @Put()
  @ApiOkResponse({ type: SiteAuthorizationViewDto })
  set(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: SiteAuthorizationDto,
  ): Promise<SiteAuthorizationView> {
    return this.service.setSitePolicy(id, dto);
  }
}

import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put, UseGuards, UsePipes } from '@nestjs/common';
import { AdminApiKeyGuard, createValidationPipe } from '@gridflex/common';
import { CreateChargerDto } from './dto/create-charger.dto';
import { CreateSiteDto } from './dto/create-site.dto';
import { UpdateSiteGroupDto } from './dto/update-site-group.dto';
import { SitesService } from './sites.service';
import { ChargerView, SiteDetailView, SiteView } from './views';

@Controller('api/v1/sites')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SitesController {
  constructor(private readonly service: SitesService) {}

  @Post()
  create(@Body() dto: CreateSiteDto): Promise<SiteView> {
    return this.service.create(dto);
  }

  @Get()
  list(): Promise<SiteView[]> {
    return this.service.list();
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<SiteDetailView> {
    return this.service.get(id);
  }

  @Put(':id/group')
  updateGroup(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateSiteGroupDto): Promise<SiteView> {
    return this.service.updateGroup(id, dto.groupId);
  }

  @Post(':id/chargers')
  addCharger(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateChargerDto): Promise<ChargerView> {
    return this.service.addCharger(id, dto);
  }

  @Get(':id/chargers')
  listChargers(@Param('id', ParseUUIDPipe) id: string): Promise<ChargerView[]> {
    return this.service.listChargers(id);
  }
}

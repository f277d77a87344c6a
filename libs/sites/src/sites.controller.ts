import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  AdminApiKeyGuard,
  ApiErrors,
  createValidationPipe,
  INT4_MAX,
  ParseIntInRangePipe,
} from '@gridflex/common';
import { Actor } from './actor.decorator';
import { BaseLoadReadingDto } from './dto/base-load-reading.dto';
import { CircuitDto } from './dto/circuit.dto';
import { CreateChargerDto } from './dto/create-charger.dto';
import { CreateSiteDto, UpdateSiteDto } from './dto/create-site.dto';
import { UpdateChargerDto } from './dto/update-charger.dto';
import { UpdateConnectorDto } from './dto/update-connector.dto';
import { UpdateSiteGroupDto } from './dto/update-site-group.dto';
import {
  ChargerViewDto,
  ChargerWithWarningsViewDto,
  CircuitViewDto,
  CircuitWithWarningsViewDto,
  ModelChangeViewDto,
  SiteDetailViewDto,
  SiteViewDto,
  SiteWithWarningsViewDto,
} from './dto/views.dto';
import { SitesService } from './sites.service';
import { ChargerView, CircuitView, ModelChangeView, SiteDetailView, SiteView, WithWarnings } from './views';

@ApiTags('sites')
@ApiErrors(401)
@Controller('api/v1/sites')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SitesController {
  constructor(private readonly service: SitesService) {}

  @Post()
  @ApiCreatedResponse({ type: SiteViewDto })
  @ApiErrors(400)
  create(@Body() dto: CreateSiteDto, @Actor() actor: string): Promise<SiteView> {
    return this.service.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: [SiteViewDto] })
  list(): Promise<SiteView[]> {
    return this.service.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: SiteDetailViewDto, description: 'The site with its circuits and chargers' })
  @ApiErrors(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<SiteDetailView> {
    return this.service.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: SiteWithWarningsViewDto })
  @ApiErrors(400, 404)
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateSiteDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<SiteView>> {
    return this.service.update(id, dto, actor);
  }

  @Put(':id/group')
  @ApiOkResponse({ type: SiteViewDto })
  @ApiErrors(400, 404)
  updateGroup(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateSiteGroupDto,
    @Actor() actor: string,
  ): Promise<SiteView> {
    return this.service.updateGroup(id, dto.groupId, actor);
  }

  @Post(':id/chargers')
  @ApiCreatedResponse({ type: ChargerWithWarningsViewDto })
  @ApiErrors(400, 404, 409)
  addCharger(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateChargerDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    return this.service.addCharger(id, dto, actor);
  }

  @Get(':id/chargers')
  @ApiOkResponse({ type: [ChargerViewDto] })
  @ApiErrors(400, 404)
  listChargers(@Param('id', ParseUUIDPipe) id: string): Promise<ChargerView[]> {
    return this.service.listChargers(id);
  }

  @Patch(':id/chargers/:chargerId')
  @ApiOkResponse({ type: ChargerWithWarningsViewDto })
  @ApiErrors(400, 404, 409)
  updateCharger(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Body() dto: UpdateChargerDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    return this.service.updateCharger(id, chargerId, dto, actor);
  }

  @Patch(':id/chargers/:chargerId/connectors/:connectorId')
  @ApiOkResponse({ type: ChargerWithWarningsViewDto })
  @ApiErrors(400, 404)
  updateConnector(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Param('connectorId', new ParseIntInRangePipe(0, INT4_MAX)) connectorId: number,
    @Body() dto: UpdateConnectorDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    return this.service.updateConnector(id, chargerId, connectorId, dto, actor);
  }

  @Get(':id/circuits')
  @ApiOkResponse({ type: [CircuitViewDto] })
  @ApiErrors(400, 404)
  listCircuits(@Param('id', ParseUUIDPipe) id: string): Promise<CircuitView[]> {
    return this.service.listCircuits(id);
  }

  @Post(':id/circuits')
  @ApiCreatedResponse({ type: CircuitWithWarningsViewDto })
  @ApiErrors(400, 404)
  addCircuit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CircuitDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<CircuitView>> {
    return this.service.addCircuit(id, dto, actor);
  }

  @Put(':id/circuits/:circuitId')
  @ApiOkResponse({ type: CircuitWithWarningsViewDto })
  @ApiErrors(400, 404)
  replaceCircuit(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('circuitId', ParseUUIDPipe) circuitId: string,
    @Body() dto: CircuitDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<CircuitView>> {
    return this.service.replaceCircuit(id, circuitId, dto, actor);
  }

  @Delete(':id/circuits/:circuitId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400, 404, 409)
  removeCircuit(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('circuitId', ParseUUIDPipe) circuitId: string,
    @Actor() actor: string,
  ): Promise<void> {
    return this.service.removeCircuit(id, circuitId, actor);
  }

  /** A reading of the site's non-controllable load; used when the site's base load is `metered`. */
  @Post(':id/base-load/readings')
  @HttpCode(200)
  @ApiOkResponse({ type: SiteViewDto })
  @ApiErrors(400, 404)
  recordBaseLoadReading(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: BaseLoadReadingDto,
  ): Promise<SiteView> {
    return this.service.recordBaseLoadReading(id, dto);
  }

  @Get(':id/changes')
  @ApiOkResponse({ type: [ModelChangeViewDto], description: 'Every versioned change, who made it and when' })
  @ApiErrors(400, 404)
  listChanges(@Param('id', ParseUUIDPipe) id: string): Promise<ModelChangeView[]> {
    return this.service.listChanges(id);
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { AdminApiKeyGuard, createValidationPipe } from '@gridflex/common';
import { Actor } from './actor.decorator';
import { BaseLoadReadingDto } from './dto/base-load-reading.dto';
import { CircuitDto } from './dto/circuit.dto';
import { CreateChargerDto } from './dto/create-charger.dto';
import { CreateSiteDto, UpdateSiteDto } from './dto/create-site.dto';
import { UpdateChargerDto } from './dto/update-charger.dto';
import { UpdateConnectorDto } from './dto/update-connector.dto';
import { UpdateSiteGroupDto } from './dto/update-site-group.dto';
import { SitesService } from './sites.service';
import { ChargerView, CircuitView, ModelChangeView, SiteDetailView, SiteView, WithWarnings } from './views';

@Controller('api/v1/sites')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SitesController {
  constructor(private readonly service: SitesService) {}

  @Post()
  create(@Body() dto: CreateSiteDto, @Actor() actor: string): Promise<SiteView> {
    return this.service.create(dto, actor);
  }

  @Get()
  list(): Promise<SiteView[]> {
    return this.service.list();
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<SiteDetailView> {
    return this.service.get(id);
  }

  @Patch(':id')
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateSiteDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<SiteView>> {
    return this.service.update(id, dto, actor);
  }

  @Put(':id/group')
  updateGroup(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateSiteGroupDto,
    @Actor() actor: string,
  ): Promise<SiteView> {
    return this.service.updateGroup(id, dto.groupId, actor);
  }

  @Post(':id/chargers')
  addCharger(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateChargerDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    return this.service.addCharger(id, dto, actor);
  }

  @Get(':id/chargers')
  listChargers(@Param('id', ParseUUIDPipe) id: string): Promise<ChargerView[]> {
    return this.service.listChargers(id);
  }

  @Patch(':id/chargers/:chargerId')
  updateCharger(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Body() dto: UpdateChargerDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    return this.service.updateCharger(id, chargerId, dto, actor);
  }

  @Patch(':id/chargers/:chargerId/connectors/:connectorId')
  updateConnector(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('chargerId', ParseUUIDPipe) chargerId: string,
    @Param('connectorId', ParseIntPipe) connectorId: number,
    @Body() dto: UpdateConnectorDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    return this.service.updateConnector(id, chargerId, connectorId, dto, actor);
  }

  @Get(':id/circuits')
  listCircuits(@Param('id', ParseUUIDPipe) id: string): Promise<CircuitView[]> {
    return this.service.listCircuits(id);
  }

  @Post(':id/circuits')
  addCircuit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CircuitDto,
    @Actor() actor: string,
  ): Promise<WithWarnings<CircuitView>> {
    return this.service.addCircuit(id, dto, actor);
  }

  @Put(':id/circuits/:circuitId')
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
  recordBaseLoadReading(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: BaseLoadReadingDto,
  ): Promise<SiteView> {
    return this.service.recordBaseLoadReading(id, dto);
  }

  @Get(':id/changes')
  listChanges(@Param('id', ParseUUIDPipe) id: string): Promise<ModelChangeView[]> {
    return this.service.listChanges(id);
  }
}
